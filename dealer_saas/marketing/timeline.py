"""The marketing module's entries on the customer 360 timeline: campaign sign-ups (and the
check-in), shown to whoever may view marketing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _

from .. import tenancy
from ..customers.timeline import TimelineEntry, timeline_source
from .services import campaigns


@timeline_source("marketing.signups")
def signup_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    ctx = tenancy.maybe_current()
    if ctx is None or not ctx.can("marketing.view"):
        return []
    return [
        TimelineEntry(
            at=s.signed_up_at,
            kind="campaign_signup",
            icon="🎉",
            title=_("报名市场活动“%(t)s”", t=s.campaign.theme),
            detail=_("已签到") if s.checked_in_at else _("未签到"),
            url=url_for("marketing.campaign_detail", campaign_id=s.campaign_id),
            key=f"cs{s.id}",
        )
        for s in campaigns.signups_of_customer(list(customer_ids), before, limit)
    ]
