"""The marketing module's entries on the customer 360 timeline: campaign sign-ups (and the
check-in), shown to whoever may view marketing."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import case, select

from ..customers.timeline import TimelineEntry, key, row, timeline_source
from ..timeutil import as_utc
from .models import Campaign, CampaignSignup


def _signup_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="campaign_signup",
        icon="🎉",
        title=_("报名市场活动“%(t)s”", t=r.t1),
        detail=_("已签到") if r.num else _("未签到"),
        url=url_for("marketing.campaign_detail", campaign_id=r.ref),
        key=r.key,
    )


@timeline_source("marketing.signups", render=_signup_entry, permission="marketing.view")
def signup_entries(customer_ids: Sequence[int]):
    s = CampaignSignup
    checked_in = case((s.checked_in_at.isnot(None), 1), else_=0)
    return (
        select(*row(s.signed_up_at, key("cs", s.id), id=s.id, ref=s.campaign_id, t1=Campaign.theme, num=checked_in))
        .join(Campaign, Campaign.id == s.campaign_id)
        .where(s.customer_id.in_(customer_ids))
    )
