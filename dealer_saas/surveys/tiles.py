"""Dashboard tile of the surveys module: low scores of the last 30 days to review."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..dashboard.tiles import TileValue, register_tile
from ..extensions import db
from ..timeutil import utcnow
from .models import SurveyInvitation


@register_tile("surveys_to_review", _l("低分调查待复核"), "surveys.view", order=71)
def surveys_to_review() -> TileValue:
    """Answered surveys with a low score in the last 30 days (and all answers then)."""
    since = utcnow() - dt.timedelta(days=30)
    low, answered = db.session.execute(
        select(
            sa.func.sum(sa.case((SurveyInvitation.is_low.is_(True), 1), else_=0)),
            sa.func.count(SurveyInvitation.id),
        ).where(SurveyInvitation.answered_at >= since)
    ).one()
    low = int(low or 0)
    return TileValue(
        str(low),
        detail=str(_l("近 30 天回答 %(n)s 份", n=int(answered or 0))),
        url=url_for("surveys.answer_list", low="1"),
        tone="danger" if low else "body",
    )
