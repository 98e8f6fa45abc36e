"""The pipeline board (open cards by intent level, bounded columns) and the manager's queue
of lost requests."""

from __future__ import annotations

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
