"""The contact log of a card: a contact on an open card restarts the call-back cycle from
the contact day and may change the level; the log and each card's latest contact."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, tenancy
from ...extensions import db
from ...timeutil import local, utcnow
from ..models import CARD_STATUSES, CONTACT_CHANNELS, INTENT_LEVELS, CardContact
from ._common import InvalidTransition, LeadsError, next_contact_for
from .cards import _check_next_contact, _flush_card, get_card


def card_contacts(card_id: int, limit: int = 100) -> list[CardContact]:
    """The card's contact log, newest first."""
    stmt = (
        select(CardContact)
        .where(CardContact.card_id == card_id)
        .options(joinedload(CardContact.by_user))
        .order_by(CardContact.at.desc(), CardContact.id.desc())
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def last_contacts(card_ids: list[int]) -> dict[int, CardContact]:
    """The newest contact of each card, in one query (a window function)."""
    if not card_ids:
        return {}
    ranked = (
        select(
            CardContact.id,
            sa.func.row_number()
            .over(partition_by=CardContact.card_id, order_by=(CardContact.at.desc(), CardContact.id.desc()))
            .label("rn"),
        )
        .where(CardContact.card_id.in_(card_ids))
        .subquery()
    )
    stmt = select(CardContact).join(ranked, ranked.c.id == CardContact.id).where(ranked.c.rn == 1)
    return {c.card_id: c for c in db.session.execute(stmt).scalars()}


def log_contact(card_id: int, data: dict[str, Any]) -> tuple[CardContact, bool]:
    """Rule: a contact on an open card restarts the call-back cycle from the contact date
    (level days, or the consultant's own date) and may change the level; returns
    (contact, level_changed). Raises LeadsError, InvalidTransition."""
    card = get_card(card_id)
    if card.status != "open":
        raise InvalidTransition(_("只有跟进中的卡片可以登记跟进（当前：%(s)s）。", s=CARD_STATUSES[card.status]))
    channel = data.get("channel") or "phone"
    if channel not in CONTACT_CHANNELS:
        raise LeadsError(_("请选择跟进方式。"), "channel")
    content = (data.get("content") or "").strip()
    if not content:
        raise LeadsError(_("请填写跟进内容。"), "content")
    level = data.get("level") or card.level
    if level not in INTENT_LEVELS:
        raise LeadsError(_("意向级别不正确。"), "level")
    now = utcnow()
    contact_day = local(now, tenancy.store_timezone()).date()
    next_on = data.get("next_contact_on") or next_contact_for(level, contact_day)
    _check_next_contact(next_on)
    before = audit.snapshot(card)
    contact = CardContact(
        card_id=card.id,
        at=now,
        channel=channel,
        content=content,
        objections=(data.get("objections") or "").strip()[:300],
        next_step=(data.get("next_step") or "").strip()[:300],
        level_before=card.level,
        level_after=level,
        next_contact_on=next_on,
        by_user_id=tenancy.current().user_id,
    )
    db.session.add(contact)
    level_changed = level != card.level
    card.level, card.next_contact_on, card.last_contact_at = level, next_on, now
    _flush_card()
    audit.record("create", contact, after=audit.snapshot(contact), summary=content[:100])
    audit.record("update", card, before=before, after=audit.snapshot(card))
    return contact, level_changed
