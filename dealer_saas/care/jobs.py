"""Background work of the care module."""

from __future__ import annotations

import datetime as dt

from ..jobs import job
from .services import generation


@job("care.generate_callbacks", cadence="daily", hour=3)
def generate_callbacks(store_id: int, period: str = "", **ids) -> dict:
    """Create the store's call-back tasks due around the period's day, set-based and
    idempotent; each batch of customers commits on its own."""
    try:
        today = dt.date.fromisoformat(period[:10]) if period else None
    except ValueError:
        today = None
    return generation.generate(store_id, today, commit=True)
