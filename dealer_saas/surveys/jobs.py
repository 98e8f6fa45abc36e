"""Background work of the surveys module."""

from __future__ import annotations

from ..jobs import job
from .services import dispatch as survey_dispatch


@job("surveys.dispatch", cadence="minute")
def dispatch(store_id: int, period: str = "", **ids) -> dict:
    """Due rows for new occasions, then the messages of what is due (idempotent)."""
    return survey_dispatch.dispatch()
