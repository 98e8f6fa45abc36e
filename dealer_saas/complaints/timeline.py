"""The complaints module's entries on the customer 360 timeline (cases the viewer may see)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _

from .. import tenancy
from ..customers.timeline import TimelineEntry, key, row, timeline_source
from ..timeutil import as_utc
from .models import KINDS, STATUSES, Complaint
from .services import cases


def _complaint_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="complaint",
        icon="📣",
        title=_("%(k)s %(n)s（%(s)s）", k=KINDS[r.t1], n=r.t2, s=STATUSES.get(r.t3, r.t3)),
        detail=(r.t4 or "")[:80],
        url=url_for("complaints.complaint_detail", complaint_id=r.id),
        key=r.key,
    )


def _viewer() -> int | None:
    """The cases shown depend on the viewer unless they see the store's (``cases.visible``)."""
    ctx = tenancy.current()
    return None if ctx.can("complaints.all") else ctx.user_id


@timeline_source("complaints.complaints", render=_complaint_entry, permission="complaints.view", variant=_viewer)
def complaint_entries(customer_ids: Sequence[int]):
    c = Complaint
    return (
        cases.visible()
        .with_only_columns(
            *row(c.received_at, key("cp", c.id), id=c.id, t1=c.kind, t2=c.number, t3=c.status, t4=c.subject)
        )
        .where(c.customer_id.in_(customer_ids))
    )
