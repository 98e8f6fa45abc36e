"""Background work of the complaints module."""

from __future__ import annotations

from ..jobs import job
from .services import escalation


@job("complaints.escalate", cadence="minute")
def escalate(store_id: int, period: str = "", **ids) -> dict:
    """New SLA breaches of the store: written once, the store manager notified once."""
    return escalation.escalate()
