"""The pipeline board (open cards by intent level, bounded columns) and the manager's queue
of lost requests."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ..models import FollowUpCard
from .cards import visible_cards

#: cards per pipeline column before the "more" link
PIPELINE_COLUMN_SIZE = 20


def pipeline_column(level: str, limit: int = PIPELINE_COLUMN_SIZE) -> tuple[list[FollowUpCard], bool]:
    """Open cards of one level, newest activity first, bounded; (cards, has_more)."""
    stmt = (
        visible_cards()
        .where(FollowUpCard.status == "open", FollowUpCard.level == level)
        .options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
        .order_by(FollowUpCard.updated_at.desc(), FollowUpCard.id.desc())
        .limit(limit + 1)
    )
    cards = list(db.session.execute(stmt).scalars())
    return cards[:limit], len(cards) > limit


def lost_queue(limit: int = 100) -> list[FollowUpCard]:
    """Lost (战败) requests waiting for the manager, oldest first."""
    stmt = (
        visible_cards()
        .where(FollowUpCard.status == "lost_pending")
        .options(
            joinedload(FollowUpCard.customer),
            joinedload(FollowUpCard.consultant),
            joinedload(FollowUpCard.lost_requested_by),
        )
        .order_by(FollowUpCard.lost_requested_at, FollowUpCard.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())


def pipeline_columns(levels, limit: int = PIPELINE_COLUMN_SIZE) -> dict[str, tuple[list[FollowUpCard], bool]]:
    """Every level's column of :func:`pipeline_column` in ONE statement: the cards are ranked
    per level (``row_number``) and the first ``limit + 1`` of each are loaded."""
    levels = list(levels)
    order = (FollowUpCard.updated_at.desc(), FollowUpCard.id.desc())
    ranked = (
        visible_cards()
        .with_only_columns(
            FollowUpCard.id,
            sa.func.row_number().over(partition_by=FollowUpCard.level, order_by=order).label("rn"),
        )
        .where(FollowUpCard.status == "open", FollowUpCard.level.in_(levels))
        .subquery()
    )
    stmt = (
        select(FollowUpCard)
        .where(FollowUpCard.id.in_(select(ranked.c.id).where(ranked.c.rn <= limit + 1)))
        .options(joinedload(FollowUpCard.customer), joinedload(FollowUpCard.consultant))
        .order_by(*order)
    )
    by_level: dict[str, list[FollowUpCard]] = {level: [] for level in levels}
    for card in db.session.execute(stmt).scalars():
        by_level.setdefault(card.level, []).append(card)
    return {level: (cards[:limit], len(cards) > limit) for level, cards in by_level.items()}
