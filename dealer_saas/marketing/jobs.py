"""Marketing jobs: the daily customer reminders (the appointment confirmation goes out with
the booking: ``reminders.confirm_appointment``), and one bulk send (on demand, from the send
page)."""

from __future__ import annotations

from typing import Any

from ..jobs import job
from .services import bulk, reminders


@job("marketing.reminders", cadence="daily", hour=8)
def send_reminders(store_id: int, period: str) -> dict[str, Any]:
    """Maintenance, insurance, birthday and day-before reminders of the store (idempotent
    keys: a second run of the day sends nothing more)."""
    return reminders.send_daily()


@job("marketing.bulk_send", queue="messages", timeout=3600, pending=bulk.unfinished_sends)
def bulk_send(store_id: int, period: str, bulk_send_id: int) -> dict[str, Any]:
    """Queue one bulk send's messages in committed batches (resumable)."""
    return bulk.run_send(bulk_send_id)
