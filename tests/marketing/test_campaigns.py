"""Campaigns: the state table with audit rows, sign-up (one per mobile, matched to the
customer by normalised mobile, headcount), check-in (visit and card through the leads
services, once), and the results on known data."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
import sqlalchemy as sa

from dealer_saas.audit import AuditLog
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.leads.models import FollowUpCard, Visit
from dealer_saas.marketing.services import MarketingError, campaigns
from dealer_saas.timeutil import utcnow

from .. import factories
from ..sales import factories as sales_factories
from . import factories as mk


def test_the_state_table_moves_and_audits(store, in_store):
    with in_store():
        made = campaigns.create_campaign(
            {"theme": "新春团购", "starts_at": utcnow(), "ends_at": utcnow() + dt.timedelta(days=1), "budget": "5000"}
        )
        assert made.status == "draft" and made.budget == decimal.Decimal("5000.00")
        with pytest.raises(MarketingError, match="不能执行"):
            campaigns.change_state(made.id, "finish")
        for action, state in (("publish", "published"), ("start", "running"), ("finish", "finished")):
            assert campaigns.change_state(made.id, action).status == state
        with pytest.raises(MarketingError):
            campaigns.update_campaign(made.id, {"theme": "x"}, None)
    moves = (
        db.session.execute(sa.select(AuditLog).where(AuditLog.entity == "campaigns", AuditLog.action == "transition"))
        .scalars()
        .all()
    )
    assert len(moves) == 3


def test_a_campaign_needs_an_end_after_its_start(store, in_store):
    now = utcnow()
    with in_store(), pytest.raises(MarketingError) as refused:
        campaigns.create_campaign({"theme": "t", "starts_at": now, "ends_at": now - dt.timedelta(minutes=1)})
    assert refused.value.field == "ends_at"


def test_a_sign_up_is_matched_to_the_customer_by_normalised_mobile(store, in_store):
    known = factories.CustomerFactory(store=store, mobile="13912345678", name="老客户")
    row = mk.campaign(store)
    with in_store():
        first = campaigns.sign_up(row.id, {"name": "别名", "mobile": "+86 139-1234-5678", "party_size": 2})
        again = campaigns.sign_up(row.id, {"name": "再报", "mobile": "13912345678"})
        stranger = campaigns.sign_up(row.id, {"name": "新朋友", "mobile": "13800001111"})
    assert first.created and first.signup.customer_id == known.id and first.signup.mobile == "13912345678"
    assert not again.created and again.signup.id == first.signup.id
    new_customer = db.session.get(Customer, stranger.signup.customer_id)
    assert new_customer.source == "campaign" and new_customer.name == "新朋友"


def test_sign_ups_stop_when_full_and_outside_publication(store, in_store):
    full = mk.campaign(store, headcount=3)
    draft = mk.campaign(store, status="draft")
    over = mk.campaign(store, starts_at=utcnow() - dt.timedelta(days=3), ends_at=utcnow() - dt.timedelta(days=1))
    with in_store():
        campaigns.sign_up(full.id, {"name": "甲", "mobile": "13800000001", "party_size": 2})
        with pytest.raises(MarketingError, match="已满"):
            campaigns.sign_up(full.id, {"name": "乙", "mobile": "13800000002", "party_size": 2})
        for closed in (draft, over):
            with pytest.raises(MarketingError, match="不接受报名"):
                campaigns.sign_up(closed.id, {"name": "丙", "mobile": "13800000003"})
        with pytest.raises(MarketingError) as bad:
            campaigns.sign_up(full.id, {"name": "丁", "mobile": "12345"})
    assert bad.value.field == "mobile"


def test_check_in_logs_a_visit_opens_a_card_once(store, in_store, marketer):
    row = mk.campaign(store, status="running")
    with in_store(marketer):
        result = campaigns.sign_up(row.id, {"name": "孙八", "mobile": "13700007777"})
        checked = campaigns.check_in(result.signup.id)
        first_at = checked.checked_in_at
        again = campaigns.check_in(result.signup.id)
    visit = db.session.get(Visit, checked.visit_id)
    card = db.session.get(FollowUpCard, checked.card_id)
    assert visit.source == "campaign" and visit.customer_id == checked.customer_id and "试驾节" in visit.summary
    assert card.customer_id == checked.customer_id and card.status == "open" and card.level == "B"
    assert again.checked_in_at == first_at
    assert db.session.execute(sa.select(sa.func.count(Visit.id))).scalar_one() == 1


def test_a_customer_with_an_open_card_gets_the_visit_but_no_second_card(store, in_store, marketer):
    customer = factories.CustomerFactory(store=store, mobile="13600006666")
    factories.FollowUpCardFactory(store=store, customer=customer)
    row = mk.campaign(store)
    signup = mk.signup(row, mobile="13600006666", customer=customer)
    with in_store(marketer):
        checked = campaigns.check_in(signup.id)
    assert checked.visit_id is not None and checked.card_id is None
    assert db.session.execute(sa.select(sa.func.count(FollowUpCard.id))).scalar_one() == 1


def test_a_draft_is_not_checked_in(store, in_store, marketer):
    signup = mk.signup(mk.campaign(store, status="draft"))
    with in_store(marketer), pytest.raises(MarketingError, match="发布后"):
        campaigns.check_in(signup.id)


def test_results_on_known_data(store, in_store):
    """4 sign-ups (6 people), 3 attended, 2 cards; orders: one inside the window, one before
    the start, one after the window, one cancelled inside, one of a stranger -> 1 order;
    budget 3000 / 2 cards = 1500.00 per lead."""
    w = sales_factories.world(store)
    start = utcnow() - dt.timedelta(days=40)
    row = mk.campaign(store, budget="3000.00", starts_at=start, ends_at=start + dt.timedelta(hours=5))
    row.attribution_days = 30
    buyers = [factories.CustomerFactory(store=store) for _ in range(4)]
    cards = [factories.FollowUpCardFactory(store=store, customer=c) for c in buyers[:2]]
    for n, customer in enumerate(buyers):
        mk.signup(
            row,
            mobile=customer.mobile,
            customer=customer,
            party_size=1 + (n % 2),
            checked_in_at=start if n < 3 else None,
            card_id=cards[n].id if n < 2 else None,
        )
    for customer, when, status in (
        (buyers[0], start + dt.timedelta(days=5), "submitted"),
        (buyers[1], start - dt.timedelta(days=1), "submitted"),
        (buyers[2], start + dt.timedelta(days=31), "submitted"),
        (buyers[3], start + dt.timedelta(days=2), "cancelled"),
        (w.customer, start + dt.timedelta(days=2), "submitted"),
    ):
        order = sales_factories.order(w, status=status)
        order.customer_id, order.created_at = customer.id, when
    db.session.flush()
    with in_store():
        figures = campaigns.results(row)
    assert (figures.signups, figures.people, figures.attended, figures.cards, figures.orders) == (4, 6, 3, 2, 1)
    assert figures.cost_per_lead == decimal.Decimal("1500.00")
    assert figures.attendance_rate == 75
