"""CSI and NPS from the answered invitations (aggregate SQL on
``ix_survey_invitations_store_answered``): per store, per advisor or consultant, per month.

CSI is the mean of the answers' ``score_pct`` (each invitation's score answers as a
percentage of the best score); NPS is the share of promoters (9-10) minus the share of
detractors (0-6) among the 0-10 answers, in points."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy import select

from ...extensions import db
from ...tenancy import Store, User
from ..models import SurveyInvitation, SurveyTemplate

GROUPS = ("store", "staff", "month")


@dataclass(frozen=True)
class ScoreRow:
    key: str
    label: str
    answered: int
    csi: Decimal | None
    nps: Decimal | None
    promoters: int
    detractors: int
    nps_answers: int
    low: int


def _month(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.date_trunc("month", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def nps_of(promoters: int, detractors: int, answers: int) -> Decimal | None:
    if not answers:
        return None
    return (Decimal(promoters - detractors) * 100 / answers).quantize(Decimal("0.1"), ROUND_HALF_UP)


def scores(since: dt.datetime, until: dt.datetime, *, group: str = "store", kind: str | None = None) -> list[ScoreRow]:
    """CSI and NPS of the answers in [since, until), grouped by store, staff member or month
    (UTC month), optionally of one template kind (csi, ssi, nps)."""
    inv = SurveyInvitation
    if group == "staff":
        key = inv.staff_id
    elif group == "month":
        key = _month(inv.answered_at)
    else:
        key = inv.store_id
    stmt = (
        select(
            key.label("key"),
            sa.func.count(inv.id),
            sa.func.avg(inv.score_pct),
            sa.func.sum(sa.case((inv.nps >= 9, 1), else_=0)),
            sa.func.sum(sa.case((inv.nps <= 6, 1), else_=0)),
            sa.func.count(inv.nps),
            sa.func.sum(sa.case((inv.is_low.is_(True), 1), else_=0)),
        )
        .where(inv.status == "answered", inv.answered_at >= since, inv.answered_at < until)
        .group_by(key)
        .order_by(key)
    )
    if kind:
        stmt = stmt.join(SurveyTemplate, SurveyTemplate.id == inv.template_id).where(SurveyTemplate.kind == kind)
    rows = db.session.execute(stmt).all()
    labels: dict = {}
    if group == "store":
        ids = [r[0] for r in rows]
        labels = dict(db.session.execute(select(Store.id, Store.name).where(Store.id.in_(ids))).all()) if ids else {}
    elif group == "staff":
        ids = [r[0] for r in rows if r[0] is not None]
        labels = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
    result = []
    for k, answered, avg, promoters, detractors, nps_answers, low in rows:
        csi = Decimal(str(avg)).quantize(Decimal("0.1"), ROUND_HALF_UP) if avg is not None else None
        result.append(
            ScoreRow(
                key=str(k) if k is not None else "",
                label=str(labels.get(k, k if k is not None else "—")),
                answered=int(answered),
                csi=csi,
                nps=nps_of(int(promoters or 0), int(detractors or 0), int(nps_answers or 0)),
                promoters=int(promoters or 0),
                detractors=int(detractors or 0),
                nps_answers=int(nps_answers or 0),
                low=int(low or 0),
            )
        )
    return result


def sent_and_answered(since: dt.datetime, until: dt.datetime) -> tuple[int, int]:
    """(sent, answered) in the period: the response rate."""
    inv = SurveyInvitation
    sent, answered = db.session.execute(
        select(
            sa.func.count(inv.id),
            sa.func.sum(sa.case((inv.status == "answered", 1), else_=0)),
        ).where(inv.status.in_(("sent", "answered")), inv.sent_at >= since, inv.sent_at < until)
    ).one()
    return int(sent or 0), int(answered or 0)
