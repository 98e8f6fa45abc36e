"""'My day': the signed-in consultant's open cards due today or overdue (managers: every
consultant's overdue cards), and the badge counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import tenancy, visibility
from ...extensions import db
from ..models import CardContact, FollowUpCard
from .contacts import last_contacts

MY_DAY_LIMIT = 200


@dataclass
class MyDay:
    cards: list[FollowUpCard]
    last: dict[int, CardContact]
    today: dt.date
    overdue: int
    due_today: int
    everyone: bool


def my_day(everyone: bool = False) -> MyDay:
    """The signed-in consultant's open cards due today or overdue (overdue first, oldest
    first); with ``everyone`` (managers) every consultant's overdue cards. In the roll-up
    "today" is the default zone's."""
    ctx = tenancy.current()
    today = tenancy.store_today()
    stmt = (
        select(FollowUpCard)
        .where(FollowUpCard.status == "open")
        .options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
    )
    if everyone and visibility.sees_whole_store():
        stmt = stmt.where(FollowUpCard.next_contact_on < today)
    else:
        everyone = False
        stmt = stmt.where(FollowUpCard.consultant_id == ctx.user_id, FollowUpCard.next_contact_on <= today)
    stmt = stmt.order_by(FollowUpCard.next_contact_on, FollowUpCard.id).limit(MY_DAY_LIMIT)
    cards = list(db.session.execute(stmt).scalars())
    overdue = sum(c.next_contact_on < today for c in cards)
    return MyDay(
        cards=cards,
        last=last_contacts([c.id for c in cards]),
        today=today,
        overdue=overdue,
        due_today=len(cards) - overdue,
        everyone=everyone,
    )


def my_day_counts() -> tuple[int, int]:
    """(overdue, due today) of the signed-in consultant's open cards: one grouped query
    (today in the default zone in the roll-up)."""
    ctx = tenancy.current()
    today = tenancy.store_today()
    is_overdue = FollowUpCard.next_contact_on < today
    stmt = (
        select(is_overdue.label("o"), sa.func.count())
        .where(
            FollowUpCard.status == "open",
            FollowUpCard.consultant_id == ctx.user_id,
            FollowUpCard.next_contact_on <= today,
        )
        .group_by(is_overdue)
    )
    counts = {bool(o): n for o, n in db.session.execute(stmt)}
    return counts.get(True, 0), counts.get(False, 0)
