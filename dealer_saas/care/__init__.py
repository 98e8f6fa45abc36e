"""care module (客户关怀/回访): call-back rules per store, the daily generation job, the
agents' queue with one-tap outcomes, the supervisor's bulk changes and completion rates."""

import os

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("care", __name__, url_prefix="/care")

_ALL = ("care.view", "care.work", "care.supervise", "care.settings")

MODULE = registry.declare(
    registry.ModuleSpec(
        "care",
        permissions={
            "care.view": _l("查看回访任务"),
            "care.work": _l("执行回访"),
            "care.supervise": _l("分派回访与查看完成率"),
            "care.settings": _l("回访规则设置"),
        },
        grants={
            "group_manager": _ALL,
            "store_manager": _ALL,
            "care_agent": ("care.view", "care.work"),
            "sales_manager": ("care.view",),
        },
        reads=("care.view",),
        records={
            "care_callbacks": _l("回访任务"),
            "care_callback_attempts": _l("回访记录"),
            "care_duty_weeks": _l("回访值班周表"),
            "care_duty_exceptions": _l("回访值班例外"),
        },
        audit_actions={
            "care_reassign": _l("批量改派回访"),
            "care_reschedule": _l("批量改期回访"),
            "care_roster_week": _l("修改回访值班周表"),
            "care_roster_exception": _l("登记回访值班例外"),
            "care_roster_exception_removed": _l("删除回访值班例外"),
        },
        job_labels={"care.generate_callbacks": _l("生成回访任务")},
        menu=(
            MenuEntry("care.queue", _l("回访队列"), "care.view", "📞", _l("客户关怀"), order=120, pinned=True),
            MenuEntry("care.supervise", _l("回访分派"), "care.supervise", "🗂", _l("客户关怀"), order=121),
            MenuEntry("care.rates", _l("回访完成率"), "care.supervise", "📊", _l("客户关怀"), order=122),
            MenuEntry("care.duty_roster", _l("回访值班表"), "care.supervise", "🗓", _l("客户关怀"), order=123),
        ),
        tabs=(MenuEntry("care.queue", _l("回访"), "care.work", "📞", order=15),),
        settings=(settings.RULES_SECTION,),
    )
)

from . import jobs, models, tiles, timeline, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    # customers per generation batch, and a pause after each one (the fault tests slow a
    # run down to kill its worker half-way); read from the environment for worker processes
    app.config.setdefault("CARE_BATCH_SIZE", int(os.environ.get("CARE_BATCH_SIZE") or 50_000))
    app.config.setdefault("CARE_BATCH_PAUSE", float(os.environ.get("CARE_BATCH_PAUSE") or 0))
    from .models import OUTCOMES, TASK_STATUSES

    app.jinja_env.globals.update(care_outcomes=OUTCOMES, care_statuses=TASK_STATUSES)
