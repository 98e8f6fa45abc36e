"""Campaigns (市场活动): the campaign and its state table, the public sign-up, the check-in
on the day (which logs the visit and may open a follow-up card through the leads services)
and the results (aggregate SQL)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import audit, tenancy
from ...customers.services import find_or_create_for_visit
from ...domain import InvalidTransition, StaleEdit, Transitions, flush_or_stale
from ...extensions import db
from ...leads.models import FollowUpCard
from ...leads.services.visits import VisitInput, log_visit
from ...messaging import consent
from ...pagination import Page, Sort, keyset_page
from ...sales.models import SalesOrder
from ...timeutil import utcnow
from ...validation import InvalidValue, normalise_mobile
from ..models import CAMPAIGN_STATUSES, Campaign, CampaignSignup
from . import MarketingError, segments


class CampaignMoveRefused(MarketingError, InvalidTransition):
    """A state change the campaign table does not allow."""


class StaleCampaign(MarketingError, StaleEdit):
    """Someone else saved the campaign first."""


CAMPAIGN_MOVES = Transitions(
    labels=CAMPAIGN_STATUSES,
    actions={
        ("draft", "publish"): "published",
        ("published", "start"): "running",
        ("published", "unpublish"): "draft",
        ("running", "finish"): "finished",
    },
    action_labels={"publish": _l("发布"), "start": _l("开始"), "unpublish": _l("撤回草稿"), "finish": _l("结束")},
    error=CampaignMoveRefused,
    stale=StaleCampaign,
)
#: the states in which the public sign-up page takes sign-ups
OPEN_FOR_SIGNUP = ("published", "running")
#: the states in which attendance is checked in
OPEN_FOR_CHECKIN = ("published", "running", "finished")
#: the card a check-in opens when the customer has no open card (a lead, followed up later)
CHECKIN_CARD_LEVEL = "B"
MAX_ATTRIBUTION_DAYS = 365

NEWEST = Sort("newest", (Campaign.starts_at, Campaign.id), desc=True)
SIGNUPS = Sort("signed_up", (CampaignSignup.signed_up_at, CampaignSignup.id), desc=True)


# --------------------------------------------------------------------------- campaign


def list_campaigns(status: str | None = None, after: str | None = None, size: int = 25) -> Page[Campaign]:
    """The store's campaigns, newest start first (index ix_campaigns_store_[status_]starts)."""
    stmt = select(Campaign)
    if status in CAMPAIGN_STATUSES:
        stmt = stmt.where(Campaign.status == status)
    return keyset_page(stmt, NEWEST, after, size)


def get_campaign(campaign_id: Any) -> Campaign:
    return tenancy.get_or_404(Campaign, campaign_id)


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    theme = (data.get("theme") or "").strip()
    if not theme:
        raise MarketingError(_("请填写活动主题。"), "theme")
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    if not isinstance(starts_at, dt.datetime):
        raise MarketingError(_("请填写开始时间。"), "starts_at")
    if not isinstance(ends_at, dt.datetime):
        raise MarketingError(_("请填写结束时间。"), "ends_at")
    if ends_at <= starts_at:
        raise MarketingError(_("结束时间需晚于开始时间。"), "ends_at")
    budget = data.get("budget")
    budget = decimal.Decimal("0.00") if budget in (None, "") else decimal.Decimal(budget)
    if budget < 0:
        raise MarketingError(_("金额不能为负数。"), "budget")
    days = int(data.get("attribution_days") or 30)
    if not 1 <= days <= MAX_ATTRIBUTION_DAYS:
        raise MarketingError(_("归因天数需在 1 到 %(n)s 之间。", n=MAX_ATTRIBUTION_DAYS), "attribution_days")
    return {
        "theme": theme[:120],
        "place": (data.get("place") or "").strip()[:120],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "description": (data.get("description") or "").strip()[:4000],
        "segment": segments.clean(data.get("segment")),
        "budget": budget,
        "headcount": max(0, int(data.get("headcount") or 0)),
        "attribution_days": days,
    }


def create_campaign(data: Mapping[str, Any]) -> Campaign:
    """A draft campaign of the store (``starts_at``/``ends_at`` UTC). Raises MarketingError."""
    tenancy.writable_store()
    campaign = Campaign(**_clean(data), status="draft", created_by_id=tenancy.current().user_id)
    db.session.add(campaign)
    db.session.flush()
    audit.record("create", campaign, after=audit.snapshot(campaign), summary=campaign.theme)
    return campaign


def update_campaign(campaign_id: Any, data: Mapping[str, Any], version: Any) -> Campaign:
    """Edit a campaign that has not finished (optimistic lock). Raises MarketingError."""
    campaign = get_campaign(campaign_id)
    if version is not None and int(version) != campaign.version:
        raise StaleCampaign()
    if campaign.status == "finished":
        raise MarketingError(_("已结束的活动不能修改。"))
    values = _clean(data)
    before = audit.snapshot(campaign)
    for key, value in values.items():
        setattr(campaign, key, value)
    flush_or_stale(StaleCampaign)
    audit.record("update", campaign, before=before, after=audit.snapshot(campaign), summary=campaign.theme)
    return campaign


def change_state(campaign_id: Any, action: str) -> Campaign:
    """publish, start, unpublish or finish, as :data:`CAMPAIGN_MOVES` allows (audited)."""
    campaign = get_campaign(campaign_id)
    CAMPAIGN_MOVES.apply_action(campaign, action, summary=campaign.theme)
    return campaign


# --------------------------------------------------------------------------- sign-ups


def is_open_for_signup(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    """Rule: sign-ups are taken while the campaign is published or running and not over."""
    from ...timeutil import as_utc

    return campaign.status in OPEN_FOR_SIGNUP and as_utc(campaign.ends_at) > (now or utcnow())


def _signup_by_mobile(campaign_id: int, mobile: str) -> CampaignSignup | None:
    return db.session.execute(
        select(CampaignSignup).where(CampaignSignup.campaign_id == campaign_id, CampaignSignup.mobile == mobile)
    ).scalar_one_or_none()


def places_taken(campaign_id: int) -> int:
    return db.session.execute(
        select(sa.func.coalesce(sa.func.sum(CampaignSignup.party_size), 0)).where(
            CampaignSignup.campaign_id == campaign_id
        )
    ).scalar_one()


@dataclass
class SignupResult:
    signup: CampaignSignup
    created: bool


def sign_up(campaign_id: int, data: Mapping[str, Any], *, source: str = "link") -> SignupResult:
    """Rule: one sign-up per mobile per campaign (signing up again returns the first), only
    while the campaign takes sign-ups and has places left (headcount 0: no limit); the
    person is matched to the store's customer by normalised mobile, or becomes a new
    customer from source "campaign" (through the customers service); a ticked "send me
    offers" records the marketing consent (source "sign_up"). Raises MarketingError."""
    campaign = get_campaign(campaign_id)
    if not is_open_for_signup(campaign):
        raise MarketingError(_("该活动目前不接受报名。"))
    try:
        mobile = normalise_mobile((data.get("mobile") or "").strip())
    except InvalidValue as error:
        raise MarketingError(str(error), "mobile") from None
    existing = _signup_by_mobile(campaign.id, mobile)
    if existing is not None:
        return SignupResult(existing, False)
    name = (data.get("name") or "").strip()[:80]
    if not name:
        raise MarketingError(_("请填写姓名。"), "name")
    party = int(data.get("party_size") or 1)
    if not 1 <= party <= 10:
        raise MarketingError(_("同行人数需在 1 到 10 之间。"), "party_size")
    if campaign.headcount and places_taken(campaign.id) + party > campaign.headcount:
        raise MarketingError(_("报名人数已满，感谢您的关注。"))
    customer, _created = find_or_create_for_visit(name=name, mobile=mobile, source="campaign", owner_id=None)
    signup = CampaignSignup(
        campaign_id=campaign.id,
        customer_id=customer.id if customer else None,
        name=name,
        mobile=mobile,
        party_size=party,
        note=(data.get("note") or "").strip()[:200],
        source=source if source in ("link", "staff") else "link",
        signed_up_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(signup)
    except sa.exc.IntegrityError:
        # the same mobile signed up at the same moment: theirs is the sign-up
        existing = _signup_by_mobile(campaign.id, mobile)
        if existing is None:
            raise
        return SignupResult(existing, False)
    audit.record("create", signup, after=audit.snapshot(signup), summary=f"{campaign.theme} {name}")
    if data.get("marketing_consent") and customer is not None:
        # a tick is a yes; no tick records nothing (it must not undo an earlier yes)
        consent.record_consent(customer.id, "marketing", True, "sign_up")
    return SignupResult(signup, True)


def list_signups(campaign_id: int, q: str = "", after: str | None = None, size: int = 30) -> Page[CampaignSignup]:
    """A campaign's sign-ups, newest first; ``q`` matches the start of the name or the last
    digits of the mobile (the check-in search)."""
    stmt = select(CampaignSignup).where(CampaignSignup.campaign_id == campaign_id)
    q = (q or "").strip()[:40]
    if q:
        digits = q if q.isdigit() else ""
        conditions = [CampaignSignup.name.startswith(q, autoescape=True)]
        if digits:
            conditions.append(CampaignSignup.mobile.endswith(digits, autoescape=True))
        stmt = stmt.where(sa.or_(*conditions))
    return keyset_page(stmt, SIGNUPS, after, size)


def get_signup(campaign_signup_id: Any) -> CampaignSignup:
    return tenancy.get_or_404(CampaignSignup, campaign_signup_id)


def _open_card_id(customer_id: int) -> int | None:
    return db.session.execute(
        select(FollowUpCard.id)
        .where(FollowUpCard.customer_id == customer_id, FollowUpCard.status == "open")
        .order_by(FollowUpCard.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def check_in(campaign_signup_id: Any) -> CampaignSignup:
    """Rule: one tap marks the sign-up present once (a second tap changes nothing) and logs
    the visit through the leads service (source "campaign"); a customer without an open
    follow-up card gets one (level B), linked on the sign-up. Refused before publication."""
    signup = get_signup(campaign_signup_id)
    if signup.checked_in_at is not None:
        return signup
    campaign = signup.campaign
    if campaign.status not in OPEN_FOR_CHECKIN:
        raise MarketingError(_("活动发布后才能签到。"))
    has_card = signup.customer_id is not None and _open_card_id(signup.customer_id) is not None
    visit, card = log_visit(
        VisitInput(
            kind="walk_in",
            mobile=signup.mobile,
            name=signup.name,
            party_size=signup.party_size,
            source="campaign",
            summary=_("市场活动签到：%(t)s", t=campaign.theme)[:200],
            card_level="" if has_card else CHECKIN_CARD_LEVEL,
        )
    )
    before = audit.snapshot(signup, ["checked_in_at", "visit_id", "card_id"])
    signup.checked_in_at = utcnow()
    signup.checked_in_by_id = tenancy.current().user_id
    signup.visit_id = visit.id
    signup.customer_id = signup.customer_id or visit.customer_id
    signup.card_id = card.id if card else None
    db.session.flush()
    audit.record(
        "update",
        signup,
        before=before,
        after=audit.snapshot(signup, ["checked_in_at", "visit_id", "card_id"]),
        summary=f"check-in {signup.name}",
    )
    return signup


# --------------------------------------------------------------------------- results


@dataclass
class Results:
    signups: int
    people: int
    attended: int
    cards: int
    orders: int
    budget: decimal.Decimal

    @property
    def cost_per_lead(self) -> decimal.Decimal | None:
        """Budget per follow-up card opened (a lead); None before the first one."""
        if not self.cards:
            return None
        return (self.budget / self.cards).quantize(decimal.Decimal("0.01"))

    @property
    def attendance_rate(self) -> int | None:
        return round(self.attended * 100 / self.signups) if self.signups else None


def results(campaign: Campaign) -> Results:
    """Sign-ups, people, attendance and cards opened (one aggregate), and the orders
    attributed: orders (not cancelled) of sign-up customers created from the campaign's
    start to ``attribution_days`` after it (a second aggregate)."""
    row = db.session.execute(
        select(
            sa.func.count(CampaignSignup.id),
            sa.func.coalesce(sa.func.sum(CampaignSignup.party_size), 0),
            sa.func.count(CampaignSignup.checked_in_at),
            sa.func.count(CampaignSignup.card_id),
        ).where(CampaignSignup.campaign_id == campaign.id)
    ).one()
    window_end = campaign.starts_at + dt.timedelta(days=campaign.attribution_days)
    orders = db.session.execute(
        select(sa.func.count(sa.distinct(SalesOrder.id))).where(
            SalesOrder.customer_id.in_(
                select(CampaignSignup.customer_id).where(
                    CampaignSignup.campaign_id == campaign.id, CampaignSignup.customer_id.isnot(None)
                )
            ),
            SalesOrder.status != "cancelled",
            SalesOrder.created_at >= campaign.starts_at,
            SalesOrder.created_at < window_end,
        )
    ).scalar_one()
    return Results(
        signups=row[0], people=int(row[1]), attended=row[2], cards=row[3], orders=orders, budget=campaign.budget
    )


def signups_of_customer(customer_ids: list[int], before: dt.datetime | None, limit: int) -> list[CampaignSignup]:
    stmt = select(CampaignSignup).where(CampaignSignup.customer_id.in_(customer_ids))
    if before is not None:
        stmt = stmt.where(CampaignSignup.signed_up_at < before)
    from sqlalchemy.orm import joinedload

    stmt = stmt.options(joinedload(CampaignSignup.campaign)).order_by(CampaignSignup.signed_up_at.desc()).limit(limit)
    return list(db.session.execute(stmt).scalars())
