"""Messages on the customer 360 timeline."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import tenancy
from ..customers.timeline import TimelineEntry, key, row, timeline_source
from ..timeutil import as_utc
from .models import CHANNELS, STATUSES, OutboundMessage


def _message_entry(r) -> TimelineEntry:
    ctx = tenancy.maybe_current()
    linkable = ctx is not None and ctx.can("messages.view")
    return TimelineEntry(
        at=as_utc(r.at),
        kind="message",
        title=_("%(channel)s：%(status)s", channel=CHANNELS.get(r.t1, r.t1), status=STATUSES.get(r.t2, r.t2)),
        detail=(r.t3 or r.t4 or "")[:80],
        url=url_for("messaging.message_detail", outbound_message_id=r.id) if linkable else None,
        icon="✉️",
        key=r.key,
    )


@timeline_source("messaging.messages", render=_message_entry)
def message_entries(customer_ids: Sequence[int]):
    """The customers' newest messages (index ix_outbound_messages_store_customer)."""
    m = OutboundMessage
    return select(
        *row(m.created_at, key("message:", m.id), id=m.id, t1=m.channel, t2=m.status, t3=m.subject, t4=m.body)
    ).where(m.customer_id.in_(customer_ids))
