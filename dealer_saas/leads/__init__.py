"""leads module: the visit log (来店/来电登记) and follow-up cards (意向客户跟进卡)."""

from flask import Blueprint, Flask, current_app, url_for
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("leads", __name__, url_prefix="/leads")

MODULE = registry.declare(
    registry.ModuleSpec(
        "leads",
        permissions={
            "visits.view": _l("查看来店/来电登记"),
            "visits.edit": _l("登记来店/来电"),
            "visits.roster": _l("设置顾问轮岗排班"),
            "cards.view": _l("查看意向跟进卡"),
            "cards.edit": _l("跟进意向客户"),
            "cards.approve_lost": _l("审批战败申请"),
        },
        grants={
            **{
                role: ("visits.view", "visits.edit", "visits.roster", "cards.view", "cards.edit", "cards.approve_lost")
                for role in ("group_manager", "store_manager", "sales_manager")
            },
            "receptionist": ("visits.view", "visits.edit", "visits.roster", "cards.view"),
            "sales_consultant": ("visits.view", "visits.edit", "cards.view", "cards.edit"),
        },
        reads=("visits.view", "cards.view"),
        records={"visits": _l("来店/来电登记"), "follow_up_cards": _l("意向跟进卡"), "card_contacts": _l("跟进记录")},
        job_labels={
            "leads.flag_overdue_cards": _l("标记逾期跟进卡"),
            "leads.mark_stale_cards_dormant": _l("长期未跟进的卡转为休眠"),
        },
        menu=(
            MenuEntry("leads.my_day", _l("我的今天"), "cards.edit", "📋", _l("销售"), order=10, pinned=True),
            MenuEntry("leads.visit_board", _l("来店登记"), "visits.view", "🚶", _l("销售"), order=20, pinned=True),
            MenuEntry("leads.card_list", _l("意向跟进"), "cards.view", "🔥", _l("销售"), order=40, pinned=True),
        ),
        tabs=(
            MenuEntry("leads.my_day", _l("我的今天"), "cards.edit", "📋", order=10),
            MenuEntry("leads.visit_new", _l("＋登记"), "visits.edit", "➕", order=30),
        ),
        settings=(settings.CALLBACK_SECTION,),
    )
)

from . import jobs, models, tiles, timeline, views  # noqa: E402,F401


def _customer_url(customer_id: int) -> str | None:
    """The customer 360 page, when the customers module provides it."""
    if "customers.customer_detail" not in current_app.view_functions:
        return None
    return url_for("customers.customer_detail", customer_id=customer_id)


def init_app(app: Flask) -> None:
    from ..customers.models import SOURCES
    from . import badges
    from .models import CARD_STATUSES, CONTACT_CHANNELS, INTENT_LEVELS, PAYMENT_METHODS, VISIT_KINDS
    from .services import ACTION_LABELS

    app.jinja_env.globals.update(
        leads_customer_url=_customer_url,
        card_statuses=CARD_STATUSES,
        visit_kinds=VISIT_KINDS,
        intent_levels=INTENT_LEVELS,
        contact_channels=CONTACT_CHANNELS,
        payment_methods=PAYMENT_METHODS,
        action_labels=ACTION_LABELS,
        customer_sources=SOURCES,
        card_level_badge=badges.level_badge,
        card_status_badge=badges.status_badge,
        card_days_overdue=badges.days_overdue,
    )
