"""marketing module (市场活动): message templates with placeholders, customer reminders (jobs),
campaigns with a public sign-up page, check-in and results, and bulk messages to a segment."""

import os

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("marketing", __name__, url_prefix="/marketing")

_ALL = ("marketing.view", "marketing.manage", "marketing.send")

MODULE = registry.declare(
    registry.ModuleSpec(
        "marketing",
        permissions={
            "marketing.view": _l("查看市场活动"),
            "marketing.manage": _l("管理市场活动与消息模板"),
            "marketing.send": _l("营销群发"),
        },
        grants={
            "marketing": _ALL,
            "store_manager": _ALL,
            "group_manager": ("marketing.view",),
            "sales_manager": ("marketing.view",),
            "receptionist": ("marketing.view",),
        },
        reads=("marketing.view",),
        records={
            "campaigns": _l("市场活动"),
            "campaign_signups": _l("活动报名"),
            "message_templates": _l("消息模板"),
            "bulk_sends": _l("营销群发"),
        },
        job_labels={
            "marketing.reminders": _l("发送客户提醒"),
            "marketing.bulk_send": _l("营销群发"),
        },
        menu=(
            MenuEntry("marketing.campaign_list", _l("市场活动"), "marketing.view", "🎉", _l("市场"), order=150),
            MenuEntry("marketing.template_list", _l("消息模板"), "marketing.manage", "📝", _l("市场"), order=151),
            MenuEntry("marketing.bulk_new", _l("营销群发"), "marketing.send", "📣", _l("市场"), order=152),
        ),
        settings=(settings.REMINDER_SECTION,),
    )
)

from . import jobs, models, tiles, timeline, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from ..service.services import appointments
    from .services import reminders

    # the confirmation of an appointment goes out with its booking (same transaction)
    if reminders.confirm_appointment not in appointments.ON_BOOKED:
        appointments.ON_BOOKED.append(reminders.confirm_appointment)
    # a bulk send's batch size and a pause after each batch (the fault tests slow it down)
    app.config.setdefault("MARKETING_BULK_BATCH", int(os.environ.get("MARKETING_BULK_BATCH") or 500))
    app.config.setdefault("MARKETING_BULK_PAUSE", float(os.environ.get("MARKETING_BULK_PAUSE") or 0))
