"""Message jobs: deliver one message; hourly, retry what failed."""

from __future__ import annotations

from typing import Any

from ..jobs import job
from . import services


@job("messaging.deliver", queue="messages")
def deliver(store_id: int, period: str, outbound_message_id: int) -> dict[str, Any]:
    """Send one queued message (safe to run twice: the second run finds it sent)."""
    return services.deliver_message(outbound_message_id)


@job("messaging.retry_failed", queue="messages", cadence="hourly")
def retry_failed(store_id: int, period: str) -> dict[str, Any]:
    """Requeue the store's failed messages that have attempts left."""
    return services.requeue_failed()


@job("messaging.release_due", queue="messages", cadence="minute")
def release_due(store_id: int, period: str) -> dict[str, Any]:
    """Send the deferred messages whose time has come (quiet hours over, throttle room)."""
    return services.release_due()
