"""Dashboard tiles: today's visits, my due cards, the store's overdue cards, lost requests."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import tenancy
from ..dashboard.tiles import TileValue, register_tile
from ..extensions import db
from ..pagination import count_upto
from ..timeutil import local_day_bounds
from . import services
from .models import FollowUpCard, Visit


@register_tile("leads.visits_today", _l("今日来店/来电"), "visits.view", order=20)
def visits_today() -> TileValue:
    """Today's visits and how many left no contact details (one grouped query); in the
    roll-up, every store's visits of today in the default zone."""
    start, end = local_day_bounds(tenancy.store_today(), tenancy.store_timezone())
    no_contact = Visit.customer_id.is_(None)
    rows = db.session.execute(
        select(no_contact.label("n"), sa.func.count())
        .where(Visit.time_in >= start, Visit.time_in < end)
        .group_by(no_contact)
    ).all()
    counts = {bool(n): c for n, c in rows}
    total = sum(counts.values())
    missing = counts.get(True, 0)
    return TileValue(
        total,
        detail=_("未留联系方式 %(n)s", n=missing),
        url=url_for("leads.visit_board"),
        tone="warning" if missing else "body",
    )


@register_tile("leads.my_cards_due", _l("我的待跟进"), "cards.edit", order=21)
def my_cards_due() -> TileValue:
    """The signed-in consultant's cards due today and overdue."""
    if tenancy.current().is_rollup:
        return TileValue("—")
    overdue, due_today = services.my_day_counts()
    return TileValue(
        overdue + due_today,
        detail=_("逾期 %(o)s · 今日 %(t)s", o=overdue, t=due_today),
        url=url_for("leads.my_day"),
        tone="danger" if overdue else "body",
    )


@register_tile("leads.store_overdue_cards", _l("全店逾期跟进"), "cards.approve_lost", order=22)
def store_overdue_cards() -> TileValue:
    """Open cards past their call-back date in the store (bounded count); in the roll-up,
    every store's, by today in the default zone."""
    stmt = select(FollowUpCard.id).where(
        FollowUpCard.status == "open", FollowUpCard.next_contact_on < tenancy.store_today()
    )
    count, more = count_upto(stmt, 999)
    return TileValue(
        f"{count}+" if more else count, url=url_for("leads.my_day", scope="all"), tone="danger" if count else "body"
    )


@register_tile("leads.lost_pending", _l("战败待审批"), "cards.approve_lost", order=23)
def lost_pending() -> TileValue:
    """Lost requests waiting for a manager."""
    count, more = count_upto(select(FollowUpCard.id).where(FollowUpCard.status == "lost_pending"), 999)
    return TileValue(
        f"{count}+" if more else count, url=url_for("leads.lost_queue"), tone="warning" if count else "body"
    )
