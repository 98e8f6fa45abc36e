"""Dashboard tiles of the marketing module (one indexed query each; in the roll-up they
count every store of the group)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..dashboard.tiles import TileValue, register_tile
from ..extensions import db
from .models import CAMPAIGN_STATUSES, Campaign

LIVE = ("published", "running")


@register_tile("marketing_live_campaigns", _l("进行中的市场活动"), "marketing.view", order=70)
def live_campaigns() -> TileValue:
    """Published and running campaigns, by state."""
    counts = dict(
        db.session.execute(
            select(Campaign.status, func.count(Campaign.id)).where(Campaign.status.in_(LIVE)).group_by(Campaign.status)
        ).all()
    )
    return TileValue(
        str(sum(counts.values())),
        url=url_for("marketing.campaign_list"),
        rows=[(str(CAMPAIGN_STATUSES[s]), counts.get(s, 0)) for s in LIVE],
    )
