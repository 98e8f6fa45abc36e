"""The sales order page with realistic rows stays within the statement budget (issue 15):
at most four statements for the first response (the signed-in user; the order with its
customer, model, consultant, car, approvals, payments and delivery in one; the in-stock cars
of its model where allocation or the margin needs them; the ``view_pii`` row of the
customer's number) and for its loans and insurance panel, which loads on its own."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from dealer_saas.extensions import db
from dealer_saas.sales.models import Delivery, InsurancePolicy, LoanApplication, OrderApproval, Payment
from dealer_saas.timeutil import utcnow

from .. import factories
from ..conftest import count_queries, login
from ..customers.pages import panel_urls
from . import factories as sf

BUDGET = 4
HX = {"HX-Request": "true"}
D = decimal.Decimal


def _measure(client, url: str, headers: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    client.get(url, headers=headers or {})  # warm anything cached per process
    with count_queries() as statements:
        response = client.get(url, headers=headers or {})
    return response.status_code, list(statements), response.get_data(as_text=True)


def _dress(w, order, n: int) -> None:
    """Two approval levels, three payments, accessories, two loans and two policies."""
    where = {"store_id": w.store.id, "org_id": w.store.org_id}
    order.accessories = [{"name": f"脚垫{n}", "price": "800.00"}, {"name": "贴膜", "price": "2000.00"}]
    order.accessories_total = D("2800.00")
    for level, approver in ((1, w.manager), (2, w.store_manager)):
        db.session.add(
            OrderApproval(
                order_id=order.id,
                level=level,
                decision="approved",
                note=f"批准{n}-{level}",
                by_user_id=approver.id,
                **where,
            )
        )
    for k, (kind, amount) in enumerate((("deposit", "5000.00"), ("balance", "60000.00"), ("balance", "10000.00"))):
        db.session.add(
            Payment(
                order_id=order.id,
                kind=kind,
                method="transfer",
                amount=D(amount),
                reference=f"REF{n}{k}",
                received_at=utcnow() - dt.timedelta(days=5 - k),
                by_user_id=w.consultant.id,
                **where,
            )
        )
    for bank in ("招商银行", "平安银行"):
        db.session.add(
            LoanApplication(
                order_id=order.id, lender=f"{bank}{n}", amount=D("100000.00"), annual_rate=D("3.85"), **where
            )
        )
    for insurer in ("人保", "太平洋"):
        db.session.add(
            InsurancePolicy(
                order_id=order.id,
                customer_id=order.customer_id,
                insurer=f"{insurer}{n}",
                premium=D("6000.00"),
                starts_on=dt.date(2026, 1, 1),
                expires_on=dt.date(2027, 1, 1),
                **where,
            )
        )


@pytest.fixture
def orders(w):
    """A deposit-paid order waiting for its car, an invoiced one with its car and a delivered
    one with its delivery record, each with approvals, payments, accessories, loans and policies."""
    waiting = sf.order(w, status="deposit_paid", paid="5000", levels=2, done=2)
    invoiced = sf.order(w, status="invoiced", paid="75000", vehicle=w.cars[0], levels=2, done=2)
    delivered = sf.order(w, status="delivered", paid="75000", vehicle=w.cars[1], levels=2, done=2)
    for n, order in enumerate((waiting, invoiced, delivered)):
        _dress(w, order, n)
    db.session.add(
        Delivery(
            order_id=delivered.id, received_by_name="车主本人", mileage=12, store_id=w.store.id, org_id=w.store.org_id
        )
    )
    db.session.commit()
    return waiting, invoiced, delivered


def _check(client, order, n: int) -> None:
    url = f"/sales/orders/{order.id}"
    for headers in ({}, HX):
        status, statements, body = _measure(client, url, headers)
        assert status == 200 and len(statements) <= BUDGET, (url, headers, statements)
        for shown in (order.number, f"REF{n}2", f"批准{n}-2", "2,800.00"):
            assert shown in body, (url, shown)
        panels = [p for p in panel_urls(body) if p.startswith(url)]
        assert panels == [f"{url}/finance"], panels
        status, statements, panel = _measure(client, panels[0], HX)
        assert status == 200 and len(statements) <= BUDGET, (panels[0], statements)
        for shown in (f"招商银行{n}", f"平安银行{n}", f"人保{n}", f"太平洋{n}"):
            assert shown in panel, shown


@pytest.mark.parametrize("who", ["store_manager", "consultant"])
def test_the_order_page_and_its_panel_stay_within_the_budget(w, orders, app, who):
    user = w.store_manager if who == "store_manager" else w.consultant
    client = login(app.test_client(), user, w.store)
    for n, order in enumerate(orders):
        _check(client, order, n)
    body = client.get(f"/sales/orders/{orders[2].id}").get_data(as_text=True)
    assert "车主本人" in body  # the delivery record, joined with the order
    if who == "store_manager":  # the margin, from the car's cost (the waiting order: the oldest in stock)
        assert 'data-testid="deal-figures"' in client.get(f"/sales/orders/{orders[0].id}").get_data(as_text=True)


def test_the_roll_up_reads_the_order_in_budget_without_write_controls(w, orders, app):
    factories.StoreFactory(organisation=w.store.organisation)
    boss = factories.user_with_role("group_manager", w.store, org_wide=True)
    db.session.commit()
    client = login(app.test_client(), boss, w.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    for order in orders:
        url = f"/sales/orders/{order.id}"
        status, statements, body = _measure(client, url)
        assert status == 200 and len(statements) <= BUDGET, (url, statements)
        status, statements, panel = _measure(client, f"{url}/finance", HX)
        assert status == 200 and len(statements) <= BUDGET, statements
        assert 'hx-post="/sales/' not in panel and 'hx-post="/sales/' not in body and 'method="post"' not in panel


def test_a_refused_loan_form_draws_the_panel_inline_with_what_was_typed(w, orders, app):
    waiting = orders[0]
    client = login(app.test_client(), w.store_manager, w.store)
    refused = client.post(
        f"/sales/orders/{waiting.id}/loans",
        data={"lender": "工商银行", "amount": "-5", "down_payment": "0", "term_months": "36", "commission": "0"},
        headers=HX,
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'value="工商银行"' in body
    assert 'id="order-finance"' in body and 'hx-trigger="load"' not in body and "招商银行0" in body


def test_the_finance_panel_of_another_stores_order_is_404(w, orders, app, two_tenants):
    outsider = factories.user_with_role("store_manager", two_tenants.b1)
    sibling = factories.StoreFactory(organisation=w.store.organisation)
    neighbour = factories.user_with_role("store_manager", sibling)
    db.session.commit()
    for user, store in ((outsider, two_tenants.b1), (neighbour, sibling)):
        client = login(app.test_client(), user, store)
        assert client.get(f"/sales/orders/{orders[0].id}/finance").status_code == 404


def _figures(body: str) -> str:
    start = body.index('id="deal-figures"')
    return body[start : body.index("</dl>", start)]


def test_the_roll_up_costs_an_order_without_a_car_like_its_store(w, orders, app):
    """The roll-up costs an order without a car on the oldest car of its model in the
    order's own store, as the store does, even when another store of the group has an
    older car of the model in stock (its car is not the reference)."""
    waiting = orders[0]
    elsewhere = factories.StoreFactory(organisation=w.store.organisation)
    older = factories.StockVehicleFactory(
        store=elsewhere, vehicle_model=w.model, arrival_date=dt.date(2020, 1, 1), cost=D("1.00")
    )
    boss = factories.user_with_role("group_manager", w.store, org_wide=True)
    db.session.commit()
    store_body = login(app.test_client(), w.store_manager, w.store).get(f"/sales/orders/{waiting.id}")
    client = login(app.test_client(), boss, w.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    status, statements, body = _measure(client, f"/sales/orders/{waiting.id}")
    assert status == 200 and len(statements) <= BUDGET, statements
    in_store = _figures(store_body.get_data(as_text=True))
    assert _figures(body) == in_store and older.vin[-8:] not in in_store
    assert any(car.vin[-8:] in in_store for car in w.cars)
    # an order that is not there is a 404 in the roll-up
    assert client.get("/sales/orders/999999").status_code == 404
