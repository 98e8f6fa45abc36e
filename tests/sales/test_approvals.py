"""Approvals by discount size (store thresholds), never by the order's own consultant."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from dealer_saas import audit
from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.sales.models import OrderApproval

from .. import factories
from ..conftest import login
from . import factories as sf


@pytest.mark.parametrize(
    "discount, settings, levels",
    [
        ("5999", {}, 0),  # 2.9995% -> at/below 3
        ("6000", {}, 0),  # exactly 3%: no approval
        ("6002", {}, 1),  # 3.001%: above 3, though the page shows it rounded as 3.00%
        ("6020", {}, 1),  # 3.01%
        ("12000", {}, 1),  # exactly 6%: sales manager only
        ("12020", {}, 2),  # 6.01%: both
        ("6020", {"approval_thresholds": {"sales_manager": "5", "store_manager": "8"}}, 0),
        ("10020", {"approval_thresholds": {"sales_manager": "5", "store_manager": "8"}}, 1),
        ("16000", {"approval_thresholds": {"sales_manager": "5", "store_manager": "8"}}, 1),
        ("16020", {"approval_thresholds": {"sales_manager": "5", "store_manager": "8"}}, 2),
    ],
)
def test_levels_follow_the_store_thresholds(w, in_store, discount, settings, levels):
    w.store.settings = settings
    db.session.flush()
    expected = levels
    order = sf.order(w, discount=discount)
    with in_store(w.consultant):
        services.submit_order(order.id)
    assert order.approval_levels_required == expected
    assert order.status == ("approved" if expected == 0 else "submitted")


def test_submit_at_or_below_threshold_is_approved_and_audited(w, in_store):
    order = sf.order(w, discount="2000")
    with in_store(w.consultant):
        services.submit_order(order.id)
    rows = (
        db.session.query(audit.AuditLog)
        .filter_by(entity="sales_orders", entity_id=order.id, action="transition")
        .order_by(audit.AuditLog.id)
        .all()
    )
    assert [(r.before["status"], r.after["status"]) for r in rows] == [
        ("draft", "submitted"),
        ("submitted", "approved"),
    ]


def test_two_levels_in_order_by_two_people(w, in_store, act):
    order = sf.order(w, discount="14000")
    with in_store(w.consultant):
        services.submit_order(order.id)
    with in_store(w.store_manager):  # the store manager holds both permissions but approves level 1 first
        services.approve_order(order.id, "ok")
    assert (order.status, order.approval_levels_done) == ("submitted", 1)
    with in_store(w.store_manager), pytest.raises(services.SalesError, match="不同的人"):
        services.approve_order(order.id)
    with act(w.manager, "sales_manager"), pytest.raises(services.SalesError, match="总经理"):
        services.approve_order(order.id)
    second = factories.user_with_role("store_manager", w.store)
    with in_store(second):
        services.approve_order(order.id)
    assert (order.status, order.approval_levels_done) == ("approved", 2)
    assert [a.level for a in db.session.query(OrderApproval).filter_by(order_id=order.id)] == [1, 2]


def test_level_one_needs_the_approve_permission(w, act):
    order = sf.order(w, discount="8000")
    with act(w.consultant, "sales_consultant"):
        services.submit_order(order.id)
    finance = factories.user_with_role("finance_clerk", w.store)
    with act(finance, "finance_clerk"), pytest.raises(services.SalesError, match="没有审批"):
        services.approve_order(order.id)
    assert order.status == "submitted"


def test_consultant_who_is_also_sales_manager_cannot_approve_own_order(w, act, app):
    both = factories.user_with_role("sales_consultant", w.store)
    db.session.add(
        factories.Membership(
            org_id=w.store.org_id, user_id=both.id, store_id=w.store.id, role=factories.role("sales_manager")
        )
    )
    db.session.flush()
    order = sf.order(w, discount="8000", consultant=both)
    with act(both, "sales_consultant", "sales_manager"):
        services.submit_order(order.id)
        with pytest.raises(services.SalesError, match="不能审批自己的订单"):
            services.approve_order(order.id)
    # through the screen too: refused, nothing saved, message shown
    client = login(app.test_client(), both, w.store)
    response = client.post(f"/sales/orders/{order.id}/approve", data={"note": "self"})
    assert response.status_code == 200
    assert "不能审批自己的订单" in response.get_data(as_text=True)
    db.session.expire_all()
    assert order.status == "submitted"
    assert db.session.query(OrderApproval).filter_by(order_id=order.id).count() == 0


def test_creator_cannot_approve_an_order_made_for_another_consultant(w, in_store):
    order = sf.order(w, discount="8000")
    order.created_by_id = w.manager.id
    db.session.flush()
    with in_store(w.consultant):
        services.submit_order(order.id)
    with in_store(w.manager), pytest.raises(services.SalesError, match="自己的订单"):
        services.approve_order(order.id)


def test_rejection_sends_back_to_draft_with_the_note(w, in_store):
    order = sf.order(w, discount="8000")
    with in_store(w.consultant):
        services.submit_order(order.id)
    with in_store(w.manager):
        with pytest.raises(services.SalesError) as error:
            services.reject_order(order.id, "")
        assert error.value.field == "note"
        services.reject_order(order.id, "优惠过大")
    assert order.status == "draft" and order.approval_levels_done == 0
    rejection = db.session.query(OrderApproval).filter_by(order_id=order.id).one()
    assert (rejection.decision, rejection.note) == ("rejected", "优惠过大")
    with in_store(w.consultant):
        services.update_order(
            order.id, order.version, {"discount": D("4000"), "deposit_required": D("5000"), "payment_method": "cash"}
        )
        services.submit_order(order.id)
    assert order.status == "approved"


def test_queue_shows_orders_waiting_for_my_level_not_my_own(w, in_store, act):
    low = sf.order(w, discount="8000")
    high = sf.order(w, discount="14000")
    own = sf.order(w, discount="8000", consultant=w.manager)
    with in_store(w.consultant):
        services.submit_order(low.id)
        services.submit_order(high.id)
    with act(w.manager, "sales_manager"):
        services.submit_order(own.id)
        assert {o.id for o in services.approval_queue()} == {low.id, high.id}
        services.approve_order(high.id)
        assert {o.id for o in services.approval_queue()} == {low.id}
    with in_store(w.store_manager):
        assert {o.id for o in services.approval_queue()} == {low.id, high.id, own.id}


def test_whoever_set_the_discount_cannot_approve_it(w, in_store, act):
    """A manager who raises the discount of a consultant's draft may not approve it: the
    queue leaves it out and the approval is refused; another manager approves."""
    order = sf.order(w, discount="0", total="200000")
    with act(w.manager, "sales_manager"):
        services.update_order(order.id, order.version, {"discount": D("8000"), "deposit_required": D("5000")})
        services.submit_order(order.id)
        assert order.approval_levels_required == 1 and order.priced_by_id == w.manager.id
        assert order not in services.approval_queue()
        with pytest.raises(services.SalesError, match="自己定的优惠"):
            services.approve_order(order.id)
    other_manager = factories.user_with_role("sales_manager", w.store)
    with act(other_manager, "sales_manager"):
        assert order in services.approval_queue()
        services.approve_order(order.id)
    assert order.status == "approved"
