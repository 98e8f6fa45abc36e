"""The one door to the messaging module's outbox for this module: every reminder and bulk
message goes through ``messaging.services`` with its purpose, so consent, quiet hours, the
throttle and the unsubscribe link are the messaging policy's, never re-done here."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

from ...messaging import services as messaging


def _takes_purpose() -> bool:
    return "purpose" in inspect.signature(messaging.queue_message).parameters


def queue(
    *, recipient: str, body: str, key: str, customer_id: int | None, template: str, purpose: str
) -> tuple[Any, bool]:
    """Queue one SMS; (message, created?) where an existing key means not created."""
    existing = messaging._by_key(key)
    if existing is not None:
        return existing, False
    extra = {"purpose": purpose} if _takes_purpose() else {}
    message = messaging.queue_message("sms", recipient, body, key, customer_id=customer_id, template=template, **extra)
    return message, True


def queue_rows(rows: Iterable[dict[str, Any]], purpose: str) -> dict[str, int]:
    """Queue many SMS rows (channel, recipient, body, key, customer_id, template): the
    policy's set-based ``queue_many`` when it exists, one by one otherwise. Counts by
    outcome, ``existing`` for keys already queued."""
    rows = list(rows)
    if hasattr(messaging, "queue_many"):
        return dict(messaging.queue_many(rows, purpose))
    counts = {"queued": 0, "deferred": 0, "suppressed": 0, "existing": 0}
    for row in rows:
        message, created = queue(
            recipient=row["recipient"],
            body=row["body"],
            key=row["key"],
            customer_id=row.get("customer_id"),
            template=row.get("template", ""),
            purpose=purpose,
        )
        status = getattr(message, "status", "queued")
        counts["existing" if not created else (status if status in counts else "queued")] += 1
    return counts
