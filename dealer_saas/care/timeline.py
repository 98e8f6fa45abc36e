"""The care module's entries on the customer 360 timeline: call-back tasks with their
rule, state and last outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import tenancy
from ..customers.timeline import TimelineEntry, timeline_source
from ..extensions import db
from .models import OUTCOMES, TASK_STATUSES, CallbackTask
from .rules import label


@timeline_source("care.callbacks")
def callback_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    ctx = tenancy.maybe_current()
    if ctx is None or not ctx.can("care.view"):
        return []
    stmt = select(CallbackTask).where(CallbackTask.customer_id.in_(customer_ids))
    if before is not None:
        stmt = stmt.where(CallbackTask.created_at < before)
    rows = db.session.execute(stmt.order_by(CallbackTask.created_at.desc()).limit(limit)).scalars()
    return [
        TimelineEntry(
            at=t.created_at,
            kind="callback",
            icon="📞",
            title=_(
                "回访：%(r)s（%(s)s）",
                r=label(t.rule),
                s=OUTCOMES.get(t.outcome, "") if t.status == "done" and t.outcome else TASK_STATUSES.get(t.status, ""),
            ),
            detail=" ".join(p for p in (t.due_on.isoformat(), t.note[:60]) if p),
            url=url_for("care.task_detail", callback_task_id=t.id),
            key=f"cb{t.id}",
        )
        for t in rows
    ]
