"""The complaints module's entries on the customer 360 timeline (cases the viewer may see)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _

from .. import tenancy
from ..customers.timeline import TimelineEntry, timeline_source
from .models import KINDS, STATUSES
from .services import cases


@timeline_source("complaints.complaints")
def complaint_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    ctx = tenancy.maybe_current()
    if ctx is None or not ctx.can("complaints.view"):
        return []
    return [
        TimelineEntry(
            at=c.received_at,
            kind="complaint",
            icon="📣",
            title=_("%(k)s %(n)s（%(s)s）", k=KINDS[c.kind], n=c.number, s=STATUSES.get(c.status, c.status)),
            detail=c.subject[:80],
            url=url_for("complaints.complaint_detail", complaint_id=c.id),
            key=f"cp{c.id}",
        )
        for c in cases.for_customers(customer_ids, before, limit)
    ]
