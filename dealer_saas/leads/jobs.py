"""Background work of the leads module."""

from __future__ import annotations

from ..jobs import job
from . import services


@job("leads.mark_stale_cards_dormant", cadence="daily")
def mark_stale_cards_dormant(store_id: int, period: str = "", **ids) -> dict:
    """Open C-level cards without contact for 60 days become dormant (idempotent)."""
    return {"dormant": services.mark_stale_cards_dormant()}
