"""The one door to the messaging module's outbox for this module: every reminder and bulk
message goes through ``messaging.services`` with its purpose, so consent, quiet hours, the
throttle and the unsubscribe link are the messaging policy's, never re-done here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ...messaging import services as messaging

#: the outcomes a bulk queueing reports, as the send's progress row keeps them
OUTCOMES = ("queued", "deferred", "suppressed", "existing")


def queue_rows(rows: Iterable[dict[str, Any]], purpose: str) -> dict[str, int]:
    """Queue many SMS rows (channel, recipient, body, key, customer_id, template) through the
    policy's set-based ``queue_many``; counts per outcome. A row the outbox refuses (an
    unusable number) is counted with the suppressed ones: it is not sent either."""
    counts = dict(messaging.queue_many(list(rows), purpose))
    counts["suppressed"] = counts.get("suppressed", 0) + counts.pop("rejected", 0)
    return {name: int(counts.get(name, 0)) for name in OUTCOMES}
