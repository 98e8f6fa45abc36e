"""SLA escalation: a complaint not accepted, or not resolved, by its grade's deadline is a
breach; each breach is written once (``ComplaintEscalation``, unique per complaint and kind)
and the store manager is notified once (the notification's key is the breach's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import tenancy
from ...extensions import db
from ...timeutil import utcnow
from ..models import BREACHES, Complaint, ComplaintEscalation

#: the states in which each deadline still runs
RUNNING = {"accept": ("received",), "resolve": ("received", "accepted", "investigating")}
BATCH = 500


def notify_breach(complaint: Complaint, breach: str) -> int:
    """Tell the store's managers (``complaints.manage``) once per breach."""
    from ...notifications.services import notify
    from .. import bp

    return notify(
        kind="complaint_sla",
        title=_("投诉 %(n)s %(b)s：%(s)s", n=complaint.number, b=str(BREACHES[breach]), s=complaint.subject[:40]),
        key=f"complaint:{complaint.id}:{breach}",
        link=f"{bp.url_prefix}/{complaint.id}",
        permission="complaints.manage",
        store_id=complaint.store_id,
    )


def escalate(now: dt.datetime | None = None) -> dict[str, Any]:
    """Write the store's new breaches and notify them; running it again finds none new."""
    now = now or utcnow()
    counts: dict[str, int] = {"accept": 0, "resolve": 0, "notified": 0}
    for breach, states in RUNNING.items():
        due = Complaint.accept_due_at if breach == "accept" else Complaint.resolve_due_at
        already = (
            select(ComplaintEscalation.id)
            .where(ComplaintEscalation.complaint_id == Complaint.id, ComplaintEscalation.breach == breach)
            .exists()
        )
        rows = list(
            db.session.execute(
                select(Complaint)
                .where(Complaint.status.in_(states), due.is_not(None), due <= now, ~already)
                .order_by(due, Complaint.id)
                .limit(BATCH)
            ).scalars()
        )
        for complaint in rows:
            try:
                with db.session.begin_nested():
                    escalation = ComplaintEscalation(
                        complaint_id=complaint.id, breach=breach, due_at=getattr(complaint, f"{breach}_due_at"), at=now
                    )
                    db.session.add(escalation)
            except sa.exc.IntegrityError:
                continue  # another run wrote it first: that run notifies
            escalation.notified = notify_breach(complaint, breach)
            counts[breach] += 1
            counts["notified"] += escalation.notified
    db.session.flush()
    counts["store_id"] = tenancy.current().store_id or 0
    return counts
