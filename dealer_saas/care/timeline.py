"""The care module's entries on the customer 360 timeline: call-back tasks with their
rule, state and last outcome."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..customers.timeline import TimelineEntry, key, row, timeline_source
from ..timeutil import as_utc
from .models import OUTCOMES, TASK_STATUSES, CallbackTask
from .rules import label


def _callback_entry(r) -> TimelineEntry:
    rule, status, outcome, note, due_on = r.t1, r.t2, r.t3, r.t4 or "", r.t5
    return TimelineEntry(
        at=as_utc(r.at),
        kind="callback",
        icon="📞",
        title=_(
            "回访：%(r)s（%(s)s）",
            r=label(rule),
            s=OUTCOMES.get(outcome, "") if status == "done" and outcome else TASK_STATUSES.get(status, ""),
        ),
        detail=" ".join(p for p in ((due_on or "")[:10], note[:60]) if p),
        url=url_for("care.task_detail", callback_task_id=r.id),
        key=r.key,
    )


@timeline_source("care.callbacks", render=_callback_entry, permission="care.view")
def callback_entries(customer_ids: Sequence[int]):
    t = CallbackTask
    return select(
        *row(t.created_at, key("cb", t.id), id=t.id, t1=t.rule, t2=t.status, t3=t.outcome, t4=t.note, t5=t.due_on)
    ).where(t.customer_id.in_(customer_ids))
