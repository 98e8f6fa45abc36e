"""The surveys module's entries on the customer 360 timeline: surveys answered."""

from __future__ import annotations

import decimal
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..customers.timeline import TimelineEntry, key, row, timeline_source
from ..timeutil import as_utc
from .models import SurveyInvitation, SurveyTemplate

#: the scale of ``SurveyInvitation.score_pct`` (shown as stored: "CSI 85.0")
_SCORE = decimal.Decimal("0.1")


def _survey_entry(r) -> TimelineEntry:
    score = decimal.Decimal(r.amount).quantize(_SCORE) if r.amount is not None else None
    return TimelineEntry(
        at=as_utc(r.at),
        kind="survey",
        icon="⭐",
        title=_("满意度调查：%(t)s", t=r.t1),
        detail=" · ".join(
            p
            for p in (
                f"CSI {score}" if score is not None else "",
                f"NPS {r.num}" if r.num is not None else "",
                (r.t2 or "")[:60],
            )
            if p
        ),
        url=url_for("surveys.invitation_detail", survey_invitation_id=r.id),
        key=r.key,
    )


@timeline_source("surveys.answered", render=_survey_entry, permission="surveys.view")
def survey_entries(customer_ids: Sequence[int]):
    inv = SurveyInvitation
    return (
        select(
            *row(
                inv.answered_at,
                key("sv", inv.id),
                id=inv.id,
                t1=SurveyTemplate.name,
                amount=inv.score_pct,
                num=inv.nps,
                t2=inv.comment,
            )
        )
        .join(SurveyTemplate, SurveyTemplate.id == inv.template_id)
        .where(inv.customer_id.in_(customer_ids), inv.answered_at.is_not(None))
    )
