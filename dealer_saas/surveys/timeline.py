"""The surveys module's entries on the customer 360 timeline: surveys answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import tenancy
from ..customers.timeline import TimelineEntry, timeline_source
from ..extensions import db
from .models import SurveyInvitation


@timeline_source("surveys.answered")
def survey_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    ctx = tenancy.maybe_current()
    if ctx is None or not ctx.can("surveys.view"):
        return []
    stmt = (
        select(SurveyInvitation)
        .where(SurveyInvitation.customer_id.in_(customer_ids), SurveyInvitation.answered_at.is_not(None))
        .options(joinedload(SurveyInvitation.template))
    )
    if before is not None:
        stmt = stmt.where(SurveyInvitation.answered_at < before)
    rows = db.session.execute(stmt.order_by(SurveyInvitation.answered_at.desc()).limit(limit)).scalars()
    return [
        TimelineEntry(
            at=inv.answered_at,
            kind="survey",
            icon="⭐",
            title=_("满意度调查：%(t)s", t=inv.template.name),
            detail=" · ".join(
                p
                for p in (
                    f"CSI {inv.score_pct}" if inv.score_pct is not None else "",
                    f"NPS {inv.nps}" if inv.nps is not None else "",
                    inv.comment[:60],
                )
                if p
            ),
            url=url_for("surveys.invitation_detail", survey_invitation_id=inv.id),
            key=f"sv{inv.id}",
        )
        for inv in rows
    ]
