"""The leads module's entries on the customer 360 timeline: visits, cards, contacts."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import visibility
from ..customers.timeline import (
    OpenWork,
    QuickAction,
    TimelineEntry,
    key,
    open_work_source,
    quick_action,
    row,
    timeline_source,
)
from ..i18n import N_
from ..tenancy import User
from ..timeutil import as_utc
from .models import CARD_STATUSES, CONTACT_CHANNELS, VISIT_KINDS, CardContact, FollowUpCard, Visit


def _visit_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="visit",
        title=str(VISIT_KINDS.get(r.t1, r.t1)),
        detail=" · ".join(p for p in (r.t2, r.t3, (r.t4 or "")[:80]) if p),
        url=url_for("leads.visit_detail", visit_id=r.id),
        icon="🚶" if r.t1 == "walk_in" else "📞",
        key=r.key,
    )


@timeline_source("leads.visits", render=_visit_entry)
def visit_entries(customer_ids: Sequence[int]):
    """Visits and phone enquiries of these customers."""
    return (
        select(
            *row(
                Visit.time_in,
                key("visit:", Visit.id),
                id=Visit.id,
                t1=Visit.kind,
                t2=Visit.intended_model,
                t3=User.name,
                t4=Visit.summary,
            )
        )
        .outerjoin(User, User.id == Visit.consultant_id)
        .where(Visit.customer_id.in_(customer_ids))
    )


_CARD_EVENTS = {
    "card": "🔥",
    "card_won": "🏆",
    "card_lost": "✖",
}


def _card_entry(r) -> TimelineEntry:
    """A card opened, won or lost."""
    if r.kind == "card":
        title, detail = _("开跟进卡 %(level)s 级", level=r.t1), r.t2
    elif r.kind == "card_won":
        title, detail = str(CARD_STATUSES["won"]), r.t2
    else:
        title, detail = str(CARD_STATUSES["lost"]), f"{r.t3} · {r.t4}"
    return TimelineEntry(
        at=as_utc(r.at),
        kind=r.kind,
        title=title,
        detail=detail or "",
        url=url_for("leads.card_detail", follow_up_card_id=r.id),
        icon=_CARD_EVENTS[r.kind],
        key=r.key,
    )


@timeline_source("leads.cards", render=_card_entry)
def card_entries(customer_ids: Sequence[int]):
    """Cards opened, won and lost (one branch each)."""
    card = FollowUpCard
    mine = card.customer_id.in_(customer_ids)
    slots = {"id": card.id, "t1": card.level, "t2": card.intended_model}
    return [
        select(*row(card.created_at, key("card:", card.id), kind="card", **slots)).where(mine),
        select(*row(card.won_at, key("card_won:", card.id), kind="card_won", **slots)).where(
            mine, card.won_at.isnot(None)
        ),
        select(
            *row(
                card.lost_reviewed_at,
                key("card_lost:", card.id),
                kind="card_lost",
                id=card.id,
                t3=card.lost_reason,
                t4=card.lost_competitor,
            )
        ).where(mine, card.status == "lost", card.lost_reviewed_at.isnot(None)),
    ]


def _contact_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="contact",
        title=_("跟进（%(channel)s）", channel=CONTACT_CHANNELS.get(r.t1, r.t1)),
        detail=(r.t2 or "")[:120],
        url=url_for("leads.card_detail", follow_up_card_id=r.ref),
        icon="💬",
        key=r.key,
    )


@timeline_source("leads.contacts", render=_contact_entry)
def contact_entries(customer_ids: Sequence[int]):
    """Follow-up contacts logged on these customers' cards."""
    return (
        select(
            *row(
                CardContact.at,
                key("contact:", CardContact.id),
                id=CardContact.id,
                ref=CardContact.card_id,
                t1=CardContact.channel,
                t2=CardContact.content,
            )
        )
        .join(FollowUpCard, FollowUpCard.id == CardContact.card_id)
        .where(FollowUpCard.customer_id.in_(customer_ids))
    )


def _open_card(r) -> OpenWork:
    """An open card and who follows it. Every open card counts (a colleague's too: nobody
    may claim a customer someone is following); the link is given only for a card the user
    may open."""
    return OpenWork(
        kind="card",
        title=_("跟进卡"),
        state=str(CARD_STATUSES.get(r.t1, r.t1)),
        user_id=r.ref,
        user_name=r.t2 or "",
        url=url_for("leads.card_detail", follow_up_card_id=r.id) if visibility.is_mine_or_pool(r.ref) else None,
        badge=r.t3 or "",
    )


@open_work_source("leads.open_cards", render=_open_card)
def open_cards(customer_id: int):
    """The customer's open follow-up cards with their consultants."""
    card = FollowUpCard
    return (
        select(
            *row(
                card.created_at,
                key("card:", card.id),
                id=card.id,
                ref=card.consultant_id,
                t1=card.status,
                t2=User.name,
                t3=card.level,
            )
        )
        .outerjoin(User, User.id == card.consultant_id)
        .where(card.customer_id == customer_id, card.status == "open")
    )


quick_action(QuickAction("leads.card_new", "cards.edit", "🔥", N_("新建跟进卡"), order=10, unless_open="card"))
