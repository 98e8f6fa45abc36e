"""Messages on the customer 360 timeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import tenancy
from ..customers.timeline import TimelineEntry, timeline_source
from ..extensions import db
from .models import CHANNELS, STATUSES, OutboundMessage


@timeline_source("messaging.messages")
def message_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """The customers' newest messages (index ix_outbound_messages_store_customer)."""
    if not customer_ids:
        return []
    stmt = select(OutboundMessage).where(OutboundMessage.customer_id.in_(list(customer_ids)))
    if before is not None:
        stmt = stmt.where(OutboundMessage.created_at < before)
    rows = (
        db.session.execute(stmt.order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc()).limit(limit))
        .scalars()
        .all()
    )
    ctx = tenancy.maybe_current()
    linkable = ctx is not None and ctx.can("messages.view")
    return [
        TimelineEntry(
            at=m.created_at,
            kind="message",
            title=_(
                "%(channel)s：%(status)s",
                channel=CHANNELS.get(m.channel, m.channel),
                status=STATUSES.get(m.status, m.status),
            ),
            detail=(m.subject or m.body)[:80],
            url=url_for("messaging.message_detail", outbound_message_id=m.id) if linkable else None,
            icon="✉️",
            key=f"message:{m.id}",
        )
        for m in rows
    ]
