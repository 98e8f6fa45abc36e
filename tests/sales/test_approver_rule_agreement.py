"""The approver rule is one rule: for every (approver role, who priced the discount, who
approved level 1, levels the discount needs) case, what the order page offers (the Approve
control), what the approval queue lists and what the approve action allows agree, and
match the rule as written down here."""

from __future__ import annotations

import itertools

import pytest

from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.sales.models import OrderApproval

from .. import factories
from ..conftest import login
from . import factories as sf

#: the approval levels each built-in role may give (permissions.py grants)
ROLE_LEVELS = {
    "sales_manager": {1},
    "store_manager": {1, 2},
    "finance_clerk": set(),
    "sales_consultant": set(),
}
#: discount of a 200 000 car needing one (4 %) or two (7 %) approval levels
DISCOUNT_FOR_LEVELS = {1: "8000", 2: "14000"}

CASES = [
    (role, priced_by, level_one_by, levels)
    for role, priced_by, level_one_by, levels in itertools.product(
        ROLE_LEVELS, ("consultant", "approver"), (None, "approver", "other manager"), (1, 2)
    )
    # a one-level order with its level approved is no longer waiting
    if not (levels == 1 and level_one_by is not None)
]


def _expected(role: str, priced_by: str, level_one_by: str | None) -> bool:
    level = 2 if level_one_by else 1
    return level in ROLE_LEVELS[role] and priced_by != "approver" and level_one_by != "approver"


@pytest.mark.parametrize("role, priced_by, level_one_by, levels", CASES)
def test_button_queue_and_action_agree(w, app, role, priced_by, level_one_by, levels):
    approver = factories.user_with_role(role, w.store)
    other_manager = factories.user_with_role("store_manager", w.store)
    order = sf.order(
        w,
        status="submitted",
        discount=DISCOUNT_FOR_LEVELS[levels],
        levels=levels,
        done=1 if level_one_by else 0,
        priced_by_id=approver.id if priced_by == "approver" else w.consultant.id,
    )
    if level_one_by:
        by = approver if level_one_by == "approver" else other_manager
        db.session.add(
            OrderApproval(
                order_id=order.id,
                store_id=w.store.id,
                org_id=w.store.org_id,
                level=1,
                decision="approved",
                by_user_id=by.id,
            )
        )
        db.session.flush()
    expected = _expected(role, priced_by, level_one_by)
    client = login(app.test_client(), approver, w.store)
    approve_url = f"/sales/orders/{order.id}/approve"

    page = client.get(f"/sales/orders/{order.id}")
    offered = page.status_code == 200 and approve_url in page.get_data(as_text=True)

    queue = client.get("/sales/approvals")
    listed = queue.status_code == 200 and f'href="/sales/orders/{order.id}"' in queue.get_data(as_text=True)

    done_before = order.approval_levels_done
    response = client.post(approve_url, data={"note": "ok"})
    db.session.expire_all()
    allowed = db.session.query(OrderApproval).filter_by(order_id=order.id, by_user_id=approver.id).count() > (
        1 if level_one_by == "approver" else 0
    )
    if allowed:
        assert response.status_code == 303
        assert order.approval_levels_done == done_before + 1
        assert order.status == ("approved" if order.approval_levels_done >= levels else "submitted")
    else:
        assert response.status_code in (200, 403, 404)
        assert (order.status, order.approval_levels_done) == ("submitted", done_before)

    assert (offered, listed, allowed) == (expected, expected, expected)


def test_the_rule_and_its_sql_form_agree_inside_services(w, in_store):
    """approval_refusal (service and button) and approvable_clause (queue) on one set of
    orders: the queue is exactly the orders the refusal lets through."""
    manager = w.manager
    orders = [
        sf.order(w, status="submitted", discount="8000", levels=1),
        sf.order(w, status="submitted", discount="8000", levels=1, priced_by_id=manager.id),
        sf.order(w, status="submitted", discount="8000", levels=1, consultant=manager),
        sf.order(w, status="submitted", discount="14000", levels=2, done=1),
        sf.order(w, status="draft", discount="8000"),
    ]
    rejected_then_resubmitted = sf.order(w, status="submitted", discount="8000", levels=1)
    for decision in ("approved", "rejected"):
        db.session.add(
            OrderApproval(
                order_id=rejected_then_resubmitted.id,
                store_id=w.store.id,
                org_id=w.store.org_id,
                level=1,
                decision=decision,
                by_user_id=manager.id,
            )
        )
    orders.append(rejected_then_resubmitted)
    db.session.flush()
    db.session.expire_all()
    with in_store(manager, permissions=frozenset({"sales.order.approve", "customers.view_all"})):
        by_rule = {o.id for o in orders if services.approval_refusal(services.get_order(o.id)) is None}
        by_queue = {o.id for o in services.approval_queue()} & {o.id for o in orders}
    assert by_rule == by_queue == {orders[0].id, rejected_then_resubmitted.id}
