"""The complaints report: cases by category and problem type over a period, with the SLA
breaches (aggregate SQL over the store's or the roll-up's rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from ...extensions import db
from ..models import Complaint, ComplaintEscalation


def by_category(since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """(category, problem type) -> cases, closed, rejected, reopened (unsatisfied once)."""
    rows = db.session.execute(
        select(
            Complaint.category,
            Complaint.problem_type,
            sa.func.count(Complaint.id),
            sa.func.sum(sa.case((Complaint.status.in_(("closed",)), 1), else_=0)),
            sa.func.sum(sa.case((Complaint.status == "rejected", 1), else_=0)),
            sa.func.sum(sa.case((Complaint.reopen_count > 0, 1), else_=0)),
        )
        .where(Complaint.received_at >= since, Complaint.received_at < until)
        .group_by(Complaint.category, Complaint.problem_type)
        .order_by(sa.func.count(Complaint.id).desc(), Complaint.category, Complaint.problem_type)
    ).all()
    return [
        {
            "category": category,
            "problem_type": problem,
            "cases": int(cases),
            "closed": int(closed or 0),
            "rejected": int(rejected or 0),
            "reopened": int(reopened or 0),
        }
        for category, problem, cases, closed, rejected, reopened in rows
    ]


def breaches(since: dt.datetime, until: dt.datetime) -> dict[str, int]:
    """Breach kind -> how many happened in the period."""
    return dict(
        db.session.execute(
            select(ComplaintEscalation.breach, sa.func.count(ComplaintEscalation.id))
            .where(ComplaintEscalation.at >= since, ComplaintEscalation.at < until)
            .group_by(ComplaintEscalation.breach)
        ).all()
    )
