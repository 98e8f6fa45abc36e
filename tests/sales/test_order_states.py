"""The order state machine: every illegal move refused, cancel releases the car, deposits,
allocation rules, invoice, optimistic locking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from dealer_saas import audit
from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.sales.models import ORDER_STATUSES, Payment, SalesOrder

from .. import factories
from . import factories as sf

ALL_CHECKED = {k: True for k in services.DELIVERY_CHECKLIST}

#: each action and the states it may start from
ACTIONS = {
    "submit": ({"draft"}, lambda o: services.submit_order(o.id)),
    "approve": ({"submitted"}, lambda o: services.approve_order(o.id)),
    "reject": ({"submitted"}, lambda o: services.reject_order(o.id, "no")),
    "pay": (
        {"approved", "deposit_paid", "allocated", "invoiced"},
        lambda o: services.record_payment(o.id, kind="balance", method="cash", amount="1"),
    ),
    "allocate": ({"deposit_paid"}, lambda o: services.allocate_vehicle(o.id, o._spare.id)),
    "invoice": ({"allocated"}, lambda o: services.invoice_order(o.id, "12345678")),
    "deliver": ({"invoiced"}, lambda o: services.deliver_order(o.id, checklist=ALL_CHECKED, received_by_name="张三")),
    "cancel": (
        {"draft", "submitted", "approved", "deposit_paid", "allocated", "invoiced"},
        lambda o: services.cancel_order(o.id, "客户放弃"),
    ),
}
ILLEGAL = [
    (state, action) for action, (allowed, _f) in ACTIONS.items() for state in ORDER_STATUSES if state not in allowed
]


def _order_in(w, state):
    car = w.cars[0] if state in ("allocated", "invoiced", "delivered") else None
    if car is not None and state == "delivered":
        car.state = "delivered"
    order = sf.order(
        w,
        status=state,
        discount="8000",
        levels=1,
        vehicle=car,
        total="192000",
        paid="100000" if state != "draft" else "0",
    )
    order._spare = w.cars[1]
    return order


@pytest.mark.parametrize("state, action", ILLEGAL)
def test_illegal_transition_is_refused(w, act, state, action):
    order = _order_in(w, state)
    before_version = order.version
    with act(w.manager, "store_manager"), pytest.raises(services.SalesError):
        ACTIONS[action][1](order)
    db.session.expire_all()
    assert order.status == state and order.version == before_version
    assert db.session.query(audit.AuditLog).filter_by(entity="sales_orders", entity_id=order.id).count() == 0


def test_transition_table_covers_the_design():
    assert services.ORDER_TRANSITIONS["draft"] == {"submitted", "cancelled"}
    for state in ("draft", "submitted", "approved", "deposit_paid", "allocated", "invoiced"):
        assert "cancelled" in services.ORDER_TRANSITIONS[state]
    assert services.ORDER_TRANSITIONS["delivered"] == set() == services.ORDER_TRANSITIONS["cancelled"]


def test_illegal_message_names_both_states(w, act):
    order = _order_in(w, "draft")
    with act(w.consultant, "sales_consultant"), pytest.raises(services.InvalidTransition) as error:
        services.invoice_order(order.id, "123")
    assert "草稿" in str(error.value) and "已开票" in str(error.value)


@pytest.mark.parametrize("state", ["allocated", "invoiced"])
def test_cancel_releases_the_car(w, act, state):
    order = _order_in(w, state)
    car = w.cars[0]
    with act(w.consultant, "sales_consultant"):
        services.cancel_order(order.id, "客户放弃")
    assert order.status == "cancelled" and order.stock_vehicle_id is None and order.cancel_reason == "客户放弃"
    assert car.state == "in_stock"
    row = db.session.query(audit.AuditLog).filter_by(entity="sales_orders", entity_id=order.id).one()
    assert row.before["stock_vehicle_id"] == car.id and row.after["stock_vehicle_id"] is None
    assert db.session.query(audit.AuditLog).filter_by(entity="stock_vehicles", entity_id=car.id).count() == 1
    # the car can now go to another order
    other = sf.order(w, status="deposit_paid", paid="5000")
    with act(w.consultant, "sales_consultant"):
        services.allocate_vehicle(other.id, car.id)
    assert other.stock_vehicle_id == car.id


def test_cancel_needs_a_reason(w, act):
    order = _order_in(w, "approved")
    with act(w.consultant, "sales_consultant"), pytest.raises(services.SalesError) as error:
        services.cancel_order(order.id, " ")
    assert error.value.field == "reason" and order.status == "approved"


def test_full_path_from_quote_to_delivery(w, act):
    with act(w.consultant, "sales_consultant"):
        quote = services.create_quote(
            w.customer.id, {"model_id": w.model.id, "discount": D("4000"), "registration_fee": D("500")}
        )
        order = services.create_order_from_quote(quote.id)
        assert quote.status == "accepted" and order.deposit_required == D("5000.00")
        assert order.number.startswith(f"SO-{w.store.code}-")
        with pytest.raises(services.SalesError, match="已生成订单"):
            services.create_order_from_quote(quote.id)
        services.submit_order(order.id)
    assert order.status == "approved"
    with act(w.manager, "sales_manager"):
        services.record_payment(order.id, kind="deposit", method="wechat", amount="5000")
        assert order.status == "deposit_paid"
        services.allocate_vehicle(order.id, w.cars[2].id)
        with pytest.raises(services.SalesError, match="尚未收齐"):
            services.invoice_order(order.id, "0001")
        services.record_payment(order.id, kind="balance", method="transfer", amount=order.total - order.paid_total)
        services.invoice_order(order.id, "0001")
        services.deliver_order(order.id, checklist=ALL_CHECKED, received_by_name="客户本人")
    assert order.status == "delivered" and order.paid_total == order.total
    states = [
        (r.before["status"], r.after["status"])
        for r in db.session.query(audit.AuditLog)
        .filter_by(entity="sales_orders", entity_id=order.id, action="transition")
        .order_by(audit.AuditLog.id)
    ]
    assert states == [
        ("draft", "submitted"),
        ("submitted", "approved"),
        ("approved", "deposit_paid"),
        ("deposit_paid", "allocated"),
        ("allocated", "invoiced"),
        ("invoiced", "delivered"),
    ]


def test_deposit_rules(w, act):
    order = sf.order(w, status="approved", total="190000", deposit="5000")
    with act(w.manager, "sales_manager"):
        services.record_payment(order.id, kind="deposit", method="cash", amount="2000")
        assert order.status == "approved" and order.paid_total == D("2000.00")
        services.record_payment(order.id, kind="deposit", method="cash", amount="3000")
        assert order.status == "deposit_paid" and order.paid_total == D("5000.00")
        with pytest.raises(services.SalesError, match="超过订单总额") as error:
            services.record_payment(order.id, kind="balance", method="cash", amount="185000.01")
        assert error.value.field == "amount"
        with pytest.raises(services.SalesError):
            services.record_payment(order.id, kind="deposit", method="cash", amount="0")
        with pytest.raises(services.SalesError, match="退款不能超过"):
            services.record_payment(order.id, kind="refund", method="cash", amount="5000.01")
        # the deposit holds the car: it goes back only by cancelling the order
        with pytest.raises(services.SalesError, match="请先取消订单") as error:
            services.record_payment(order.id, kind="refund", method="cash", amount="1000")
        assert error.value.field == "amount"
        services.record_payment(order.id, kind="balance", method="cash", amount="1500")
        services.record_payment(order.id, kind="refund", method="cash", amount="1000")  # above the deposit: fine
    assert order.paid_total == D("5500.00") and order.status == "deposit_paid"
    assert [p.amount for p in db.session.query(Payment).filter_by(order_id=order.id).order_by(Payment.id)] == [
        D("2000.00"),
        D("3000.00"),
        D("1500.00"),
        D("-1000.00"),
    ]


def test_one_big_deposit_and_no_money_before_approval(w, act):
    draft = sf.order(w, status="submitted")
    with act(w.manager, "sales_manager"), pytest.raises(services.SalesError, match="审批通过后"):
        services.record_payment(draft.id, kind="deposit", method="cash", amount="5000")
    order = sf.order(w, status="approved", deposit="5000")
    with act(w.manager, "sales_manager"):
        services.record_payment(order.id, kind="deposit", method="cash", amount="20000")
    assert order.status == "deposit_paid"


@pytest.mark.parametrize("case", ["in_transit", "demo", "other_model", "allocated", "missing"])
def test_allocation_refuses_unsellable_cars(w, act, case):
    order = sf.order(w, status="deposit_paid", paid="5000")
    car = w.cars[0]
    if case == "in_transit":
        car.state = "in_transit"
    elif case == "demo":
        car = w.demo_car
    elif case == "other_model":
        car = factories.StockVehicleFactory(store=w.store, vehicle_model=w.other_model)
    elif case == "allocated":
        sf.order(w, status="allocated", vehicle=car)
    db.session.flush()
    with act(w.consultant, "sales_consultant"), pytest.raises(services.SalesError) as error:
        services.allocate_vehicle(order.id, 999999 if case == "missing" else car.id)
    assert error.value.field == "stock_vehicle_id"
    assert order.status == "deposit_paid" and order.stock_vehicle_id is None


def test_allocation_choices_are_in_stock_cars_of_the_model(w, act):
    order = sf.order(w, status="deposit_paid")
    factories.StockVehicleFactory(store=w.store, vehicle_model=w.other_model)
    with act(w.consultant, "sales_consultant"):
        assert {c.id for c in services.allocation_choices(order)} == {c.id for c in w.cars}


def test_database_allows_one_order_per_car(w):
    sf.order(w, status="allocated", vehicle=w.cars[0])
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            sf.order(w, status="allocated", vehicle=w.cars[0])


def test_stale_order_edit_is_refused(w, act):
    order = sf.order(w, discount="1000")
    loaded_version = order.version
    with act(w.consultant, "sales_consultant"):
        services.update_order(
            order.id, loaded_version, {"discount": D("2000"), "fees_total": D("0"), "deposit_required": D("5000")}
        )
        with pytest.raises(services.StaleEdit, match="已被他人修改"):
            services.update_order(order.id, loaded_version, {"discount": D("3000"), "deposit_required": D("5000")})
    assert order.discount == D("2000.00") and order.total == D("198000.00")


def test_only_draft_orders_can_be_edited(w, act):
    order = sf.order(w, status="approved")
    with act(w.consultant, "sales_consultant"), pytest.raises(services.SalesError, match="只有草稿"):
        services.update_order(order.id, order.version, {"discount": D("1"), "deposit_required": D("5000")})


def test_loan_and_policy_state_tables(w, act):
    order = sf.order(w, status="allocated", vehicle=w.cars[0], total="200000")
    with act(w.manager, "sales_manager"):
        loan = services.create_loan(order.id, {"lender": "银行", "amount": D("120000"), "term_months": 36})
        with pytest.raises(services.InvalidTransition):
            services.change_loan_state(loan.id, "disbursed")
        services.change_loan_state(loan.id, "submitted")
        services.change_loan_state(loan.id, "approved")
        services.change_loan_state(loan.id, "disbursed")
        with pytest.raises(services.InvalidTransition):
            services.change_loan_state(loan.id, "cancelled")
        with pytest.raises(services.SalesError) as error:
            services.create_loan(order.id, {"lender": "银行", "amount": D("200000.01")})
        assert error.value.field == "amount"
        policy = services.create_policy(order.id, {"insurer": "人保", "premium": D("6000")})
        assert policy.expires_on > policy.starts_on and policy.vin == w.cars[0].vin
        with pytest.raises(services.SalesError) as error:
            services.change_policy_state(policy.id, "issued", "")
        assert error.value.field == "policy_number"
        services.change_policy_state(policy.id, "issued", "PDAA123")
        services.change_policy_state(policy.id, "cancelled")
        with pytest.raises(services.InvalidTransition):
            services.change_policy_state(policy.id, "issued", "X")
    assert (loan.status, policy.status, policy.policy_number) == ("disbursed", "cancelled", "PDAA123")
    # an approved or disbursed loan counts toward the invoice
    order.paid_total = D("80000")
    db.session.flush()
    with act(w.manager, "store_manager"):
        services.invoice_order(order.id, "88")
    assert order.status == "invoiced"


def test_orders_are_numbered_per_store_and_day(w, act):
    with act(w.consultant, "sales_consultant"):
        q1 = services.create_quote(w.customer.id, {"model_id": w.model.id})
        q2 = services.create_quote(w.customer.id, {"model_id": w.model.id})
        o1 = services.create_order_from_quote(q1.id)
        o2 = services.create_order_from_quote(q2.id)
    assert o1.number.endswith("-001") and o2.number.endswith("-002")
    assert db.session.query(SalesOrder).filter(SalesOrder.number == o1.number).count() == 1


def test_a_loan_paid_out_and_recorded_is_not_counted_twice_at_invoice(w, act):
    order = sf.order(w, status="allocated", vehicle=w.cars[0], total="200000", paid="5000")
    with act(w.manager, "store_manager"):
        loan = services.create_loan(order.id, {"lender": "银行", "amount": D("150000"), "term_months": 36})
        for state in ("submitted", "approved", "disbursed"):
            services.change_loan_state(loan.id, state)
        services.record_payment(order.id, kind="loan", method="transfer", amount="150000")
        assert services.loans_not_yet_received(order) == D("0.00")
        with pytest.raises(services.SalesError, match="尚未收齐车款"):
            services.invoice_order(order.id, "77")  # 155 000 of 200 000: 45 000 still owed
        services.record_payment(order.id, kind="balance", method="transfer", amount="45000")
        services.invoice_order(order.id, "77")
    assert order.status == "invoiced"


def test_loans_of_an_order_stay_within_its_total(w, act):
    order = sf.order(w, status="deposit_paid", total="200000", paid="5000")
    with act(w.manager, "store_manager"):
        services.create_loan(order.id, {"lender": "甲银行", "amount": D("150000"), "term_months": 36})
        with pytest.raises(services.SalesError, match="贷款合计将超过") as error:
            services.create_loan(order.id, {"lender": "乙银行", "amount": D("50000.01"), "term_months": 36})
        assert error.value.field == "amount"
        services.create_loan(order.id, {"lender": "乙银行", "amount": D("50000"), "term_months": 36})


def test_an_order_paid_in_full_as_balance_moves_on(w, act):
    order = sf.order(w, status="approved", total="200000", deposit="5000")
    with act(w.manager, "sales_manager"):
        services.record_payment(order.id, kind="balance", method="transfer", amount="200000")
    assert order.status == "deposit_paid"
    with act(w.consultant, "sales_consultant"):
        services.allocate_vehicle(order.id, w.cars[0].id)
    assert order.status == "allocated"


def test_a_policy_from_29_february_runs_a_full_year():
    assert services._one_year_on(dt.date(2028, 2, 29)) == dt.date(2029, 3, 1)
    assert services._one_year_on(dt.date(2026, 11, 23)) == dt.date(2027, 11, 23)


def test_numbers_go_on_past_999_in_a_day(w, act):
    with act(w.consultant, "sales_consultant"):
        quote = services.create_quote(w.customer.id, {"model_id": w.model.id})
        prefix = quote.number.rsplit("-", 1)[0]
        quote.number = f"{prefix}-999"
        db.session.flush()
        assert services.create_quote(w.customer.id, {"model_id": w.model.id}).number == f"{prefix}-1000"
        assert services.create_quote(w.customer.id, {"model_id": w.model.id}).number == f"{prefix}-1001"


def test_a_cancelled_orders_loans_and_policies_can_only_be_cancelled(w, act):
    order = sf.order(w, status="deposit_paid", total="200000", paid="5000")
    with act(w.manager, "store_manager"):
        loan = services.create_loan(order.id, {"lender": "银行", "amount": D("100000"), "term_months": 36})
        services.change_loan_state(loan.id, "submitted")
        policy = services.create_policy(order.id, {"insurer": "人保", "premium": D("6000")})
        services.cancel_order(order.id, "客户放弃")
        with pytest.raises(services.SalesError, match="只能取消"):
            services.change_loan_state(loan.id, "approved")
        with pytest.raises(services.SalesError, match="只能取消"):
            services.change_policy_state(policy.id, "issued", "PDAA1")
        services.change_loan_state(loan.id, "cancelled")
        services.change_policy_state(policy.id, "cancelled")
    assert (loan.status, policy.status) == ("cancelled", "cancelled")
