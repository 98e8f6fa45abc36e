"""The leads module's entries on the customer 360 timeline: visits, cards, contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import visibility
from ..customers.timeline import OpenWork, QuickAction, TimelineEntry, open_work_source, quick_action, timeline_source
from ..extensions import db
from ..i18n import N_
from ..timeutil import as_utc
from .models import CARD_STATUSES, CONTACT_CHANNELS, VISIT_KINDS, CardContact, FollowUpCard, Visit


@timeline_source("leads.visits")
def visit_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """Visits and phone enquiries of these customers."""
    stmt = select(Visit).where(Visit.customer_id.in_(customer_ids)).options(joinedload(Visit.consultant))
    if before is not None:
        stmt = stmt.where(Visit.time_in < before)
    stmt = stmt.order_by(Visit.time_in.desc(), Visit.id.desc()).limit(limit)
    return [
        TimelineEntry(
            at=as_utc(v.time_in),
            kind="visit",
            title=str(VISIT_KINDS.get(v.kind, v.kind)),
            detail=" · ".join(
                p for p in (v.intended_model, v.consultant.name if v.consultant else "", v.summary[:80]) if p
            ),
            url=url_for("leads.visit_detail", visit_id=v.id),
            icon="🚶" if v.kind == "walk_in" else "📞",
            key=f"visit:{v.id}",
        )
        for v in db.session.execute(stmt).scalars()
    ]


@timeline_source("leads.cards")
def card_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """Cards opened, won and lost (one query: a customer has few cards)."""
    stmt = (
        select(FollowUpCard)
        .where(FollowUpCard.customer_id.in_(customer_ids))
        .order_by(FollowUpCard.created_at.desc())
        .limit(200)
    )
    entries: list[TimelineEntry] = []
    for card in db.session.execute(stmt).scalars():
        url = url_for("leads.card_detail", follow_up_card_id=card.id)
        events = [(card.created_at, "card", _("开跟进卡 %(level)s 级", level=card.level), card.intended_model, "🔥")]
        if card.won_at:
            events.append((card.won_at, "card_won", str(CARD_STATUSES["won"]), card.intended_model, "🏆"))
        if card.status == "lost" and card.lost_reviewed_at:
            events.append(
                (
                    card.lost_reviewed_at,
                    "card_lost",
                    str(CARD_STATUSES["lost"]),
                    f"{card.lost_reason} · {card.lost_competitor}",
                    "✖",
                )
            )
        for at, kind, title, detail, icon in events:
            at = as_utc(at)
            if before is None or at < before:
                entries.append(
                    TimelineEntry(
                        at=at, kind=kind, title=title, detail=detail, url=url, icon=icon, key=f"{kind}:{card.id}"
                    )
                )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


@timeline_source("leads.contacts")
def contact_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """Follow-up contacts logged on these customers' cards."""
    stmt = (
        select(CardContact)
        .join(FollowUpCard, FollowUpCard.id == CardContact.card_id)
        .where(FollowUpCard.customer_id.in_(customer_ids))
        .options(joinedload(CardContact.by_user))
    )
    if before is not None:
        stmt = stmt.where(CardContact.at < before)
    stmt = stmt.order_by(CardContact.at.desc(), CardContact.id.desc()).limit(limit)
    return [
        TimelineEntry(
            at=as_utc(c.at),
            kind="contact",
            title=_("跟进（%(channel)s）", channel=CONTACT_CHANNELS.get(c.channel, c.channel)),
            detail=c.content[:120],
            url=url_for("leads.card_detail", follow_up_card_id=c.card_id),
            icon="💬",
            key=f"contact:{c.id}",
        )
        for c in db.session.execute(stmt).scalars()
    ]


@open_work_source("leads.open_cards")
def open_cards(customer_id: int) -> list[OpenWork]:
    """The customer's open follow-up cards and who follows them. Every open card counts (a
    colleague's too: nobody may claim a customer someone is following); the link is given
    only for a card the user may open."""
    stmt = (
        select(FollowUpCard)
        .where(FollowUpCard.customer_id == customer_id, FollowUpCard.status == "open")
        .options(joinedload(FollowUpCard.consultant))
        .order_by(FollowUpCard.created_at.desc())
    )
    return [
        OpenWork(
            kind="card",
            title=_("跟进卡"),
            state=str(CARD_STATUSES.get(card.status, card.status)),
            user_id=card.consultant_id,
            user_name=card.consultant.name if card.consultant else "",
            url=url_for("leads.card_detail", follow_up_card_id=card.id)
            if visibility.is_mine_or_pool(card.consultant_id)
            else None,
            badge=card.level,
        )
        for card in db.session.execute(stmt).scalars()
    ]


quick_action(QuickAction("leads.card_new", "cards.edit", "🔥", N_("新建跟进卡"), order=10, unless_open="card"))
