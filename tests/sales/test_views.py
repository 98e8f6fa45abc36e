"""Screens: share link without login, consultants see only their own, bad input saves
nothing and shows messages beside fields, delivery, pages render."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest

from dealer_saas import demo
from dealer_saas.customers.models import CustomerVehicle, VehicleOwnership
from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.sales.models import Delivery, InsurancePolicy, LoanApplication, Payment, Quote, SalesOrder, TestDrive
from dealer_saas.timeutil import local_today

from .. import factories
from ..conftest import login
from . import factories as sf

ALL_CHECKED = {k: "y" for k in services.DELIVERY_CHECKLIST}


def _quote(w, act, **data):
    with act(w.consultant, "sales_consultant"):
        return services.create_quote(w.customer.id, {"model_id": w.model.id, **data})


def test_share_link_works_without_login(w, act, client):
    quote = _quote(w, act, discount=D("3000"))
    response = client.get(f"/sales/q/{quote.share_token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert quote.number in body and w.store.name in body and "¥" in body
    assert response.headers["Cache-Control"] == "no-store"
    assert w.customer.mobile not in body


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 200])
def test_share_link_404s_for_a_bad_token(client, token):
    assert client.get(f"/sales/q/{token}").status_code == 404


def test_share_link_404s_when_expired(w, act, client):
    import datetime as dt

    quote = _quote(w, act)
    quote.valid_until = local_today() - dt.timedelta(days=2)
    db.session.flush()
    assert client.get(f"/sales/q/{quote.share_token}").status_code == 404


def test_consultant_sees_own_orders_managers_all(w, app):
    mine = sf.order(w)
    other = factories.user_with_role("sales_consultant", w.store)
    theirs = sf.order(w, consultant=other)
    client = login(app.test_client(), w.consultant, w.store)
    assert client.get(f"/sales/orders/{mine.id}").status_code == 200
    assert client.get(f"/sales/orders/{theirs.id}").status_code == 404
    assert client.post(f"/sales/orders/{theirs.id}/cancel", data={"reason": "x"}).status_code == 404
    listing = client.get("/sales/orders").get_data(as_text=True)
    assert mine.number in listing and theirs.number not in listing
    manager = login(app.test_client(), w.manager, w.store)
    assert manager.get(f"/sales/orders/{theirs.id}").status_code == 200
    assert theirs.number in manager.get("/sales/orders").get_data(as_text=True)


def test_consultant_cannot_open_another_consultants_quote_or_customer(w, app, act):
    quote = _quote(w, act)
    other = factories.user_with_role("sales_consultant", w.store)
    client = login(app.test_client(), other, w.store)
    assert client.get(f"/sales/quotes/{quote.id}").status_code == 404
    assert client.post(f"/sales/quotes/{quote.id}/order").status_code == 404
    # w.customer belongs to w.consultant
    assert client.get(f"/sales/quotes/new?customer_id={w.customer.id}").status_code == 404


def test_quote_form_bad_input_saves_nothing(w, app):
    client = login(app.test_client(), w.consultant, w.store)
    url = f"/sales/quotes/new?customer_id={w.customer.id}"
    page = client.get(url)
    assert page.status_code == 200 and w.model.series in page.get_data(as_text=True)
    for data, field, message in [
        ({"model_id": "0"}, "model_id", "请选择车型"),
        ({"model_id": w.model.id, "discount": "-5"}, "discount", "负数"),
        ({"model_id": w.model.id, "discount": "999999"}, "discount", "不能超过指导价"),
        ({"model_id": w.model.id, "accessories": "脚垫 abc"}, "accessories", "第 1 行"),
    ]:
        response = client.post(url, data={"payment_method": "cash", **data})
        body = response.get_data(as_text=True)
        assert response.status_code == 200, data
        block = body[body.index(f'id="field-{field}"') :]
        assert message in block[:1500], (data, field)
    assert db.session.query(Quote).count() == 0
    ok = client.post(
        url, data={"model_id": w.model.id, "payment_method": "loan", "discount": "1000", "accessories": "脚垫 300"}
    )
    assert ok.status_code == 303
    quote = db.session.query(Quote).one()
    assert quote.accessories_total == D("300.00") and quote.payment_method == "loan"
    detail = client.get(f"/sales/quotes/{quote.id}").get_data(as_text=True)
    # printing is a button handled by static/js/share.js (no inline onclick: issue 14)
    assert quote.share_token in detail and "data-print" in detail
    edit = client.post(
        f"/sales/quotes/{quote.id}/edit", data={"model_id": w.model.id, "discount": "-1", "payment_method": "cash"}
    )
    assert edit.status_code == 200
    db.session.expire_all()
    assert quote.discount == D("1000.00")


def test_order_forms_bad_input_saves_nothing(w, app):
    order = sf.order(w, status="approved", total="200000")
    client = login(app.test_client(), w.manager, w.store)
    cases = [
        ("payments", {"kind": "deposit", "method": "cash", "amount": "-1"}, "amount"),
        ("payments", {"kind": "deposit", "method": "cash", "amount": "300000"}, "amount"),
        ("cancel", {"reason": ""}, "reason"),
        ("loans", {"lender": "", "amount": "1000", "term_months": "36"}, "lender"),
        ("loans", {"lender": "银行", "amount": "999999", "term_months": "36"}, "amount"),
        ("policies", {"insurer": "人保", "premium": ""}, "premium"),
        ("invoice", {"invoice_number": ""}, "invoice_number"),
        ("allocate", {"stock_vehicle_id": "0"}, "stock_vehicle_id"),
    ]
    for action, data, field in cases:
        response = client.post(f"/sales/orders/{order.id}/{action}", data=data, headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        assert response.status_code == 200, action
        assert "HX-Trigger" not in response.headers, action
        assert body.lstrip().startswith('<div id="order-detail">'), action
        assert "invalid-feedback" in body or "form-errors" in body, (action, data)
    db.session.expire_all()
    assert order.status == "approved" and order.paid_total == D("0")
    assert (
        db.session.query(Payment).count()
        == db.session.query(LoanApplication).count()
        == db.session.query(InsurancePolicy).count()
        == 0
    )
    ok = client.post(
        f"/sales/orders/{order.id}/payments",
        data={"kind": "deposit", "method": "cash", "amount": "5000"},
        headers={"HX-Request": "true"},
    )
    assert ok.status_code == 200 and "orderStateChanged" in ok.headers["HX-Trigger"]
    assert ok.headers["Vary"] and "HX-Request" in ok.headers["Vary"]
    db.session.expire_all()
    assert order.status == "deposit_paid"
    plain = client.post(f"/sales/orders/{order.id}/allocate", data={"stock_vehicle_id": w.cars[0].id})
    assert plain.status_code == 303
    db.session.expire_all()
    assert order.stock_vehicle_id == w.cars[0].id


def test_a_cancelled_orders_deposit_is_refunded_from_its_page(w, app):
    order = sf.order(w, status="cancelled", total="200000", paid="5000", cancel_reason="客户放弃")
    client = login(app.test_client(), w.manager, w.store)
    page = client.get(f"/sales/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="refund-due"' in page and "5,000.00" in page
    assert 'value="5000.00"' in page and '<option selected value="refund">' in page
    response = client.post(
        f"/sales/orders/{order.id}/payments",
        headers={"HX-Request": "true"},
        data={"kind": "refund", "method": "transfer", "amount": "5000"},
    )
    assert response.status_code == 200 and "orderStateChanged" in response.headers["HX-Trigger"]
    db.session.expire_all()
    assert order.paid_total == D("0") and order.status == "cancelled"
    assert db.session.query(Payment).filter_by(order_id=order.id).one().amount == D("-5000.00")
    assert 'data-testid="refund-due"' not in client.get(f"/sales/orders/{order.id}").get_data(as_text=True)


def test_order_edit_shows_stale_version(w, app):
    order = sf.order(w, discount="1000")
    client = login(app.test_client(), w.consultant, w.store)
    assert client.get(f"/sales/orders/{order.id}/edit").status_code == 200
    data = {"version": str(order.version), "discount": "2000", "deposit_required": "5000", "payment_method": "cash"}
    assert client.post(f"/sales/orders/{order.id}/edit", data=data).status_code == 303
    again = client.post(f"/sales/orders/{order.id}/edit", data={**data, "discount": "3000"})
    assert again.status_code == 200 and "已被他人修改" in again.get_data(as_text=True)
    bad = client.post(
        f"/sales/orders/{order.id}/edit", data={**data, "version": str(order.version + 1), "deposit_required": ""}
    )
    assert bad.status_code == 200 and "请填写金额" in bad.get_data(as_text=True)
    db.session.expire_all()
    assert order.discount == D("2000.00")


def test_delivery_creates_the_customer_vehicle_and_marks_things(w, app, act, monkeypatch):
    card = factories.FollowUpCardFactory(store=w.store, customer=w.customer, consultant_id=w.consultant.id)
    order = sf.order(
        w, status="invoiced", vehicle=w.cars[0], total="200000", paid="200000", card_id=card.id, colour="曜石黑"
    )
    won = []
    from dealer_saas.sales.services import delivery as sales_delivery

    monkeypatch.setattr(sales_delivery, "_mark_card_won", lambda o: won.append((o.card_id, o.id)))
    client = login(app.test_client(), w.manager, w.store)
    url = f"/sales/orders/{order.id}/delivery"
    assert w.customer.name in client.get(url).get_data(as_text=True)
    partial = {**ALL_CHECKED, "received_by_name": "张三"}
    partial.pop("signature")
    response = client.post(url, data=partial)
    assert response.status_code == 200 and "客户签字" in response.get_data(as_text=True)
    assert db.session.query(Delivery).count() == 0
    response = client.post(
        url, data={**ALL_CHECKED, "received_by_name": "张三", "mileage": "12"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "orderStateChanged" in response.headers["HX-Trigger"] and response.headers["HX-Redirect"]
    db.session.expire_all()
    vehicle = db.session.query(CustomerVehicle).filter_by(vin=w.cars[0].vin).one()
    assert (vehicle.owner_id, vehicle.sales_order_id, vehicle.plate, vehicle.brand, vehicle.model) == (
        w.customer.id,
        order.id,
        "",
        w.model.brand,
        w.model.series,
    )
    assert vehicle.purchase_date is not None and vehicle.colour == "曜石黑"
    assert db.session.query(VehicleOwnership).filter_by(vehicle_id=vehicle.id, customer_id=w.customer.id).count() == 1
    assert order.status == "delivered" and w.cars[0].state == "delivered" and w.customer.level == "owner"
    assert won == [(card.id, order.id)]


def test_pages_render(w, app, act):
    quote = _quote(w, act)
    order = sf.order(w, status="submitted", discount="8000", levels=1)
    client = login(app.test_client(), w.manager, w.store)
    for url in [
        "/sales/test-drives",
        "/sales/quotes",
        "/sales/orders?status=open",
        "/sales/approvals",
        f"/sales/quotes/{quote.id}",
        f"/sales/orders/{order.id}",
        "/sales/quotes/new",
        f"/sales/quotes/{quote.id}/edit",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert order.number in client.get("/sales/approvals").get_data(as_text=True)
    for name in (
        "sales_orders_in_progress",
        "sales_awaiting_my_approval",
        "sales_test_drives_today",
        "sales_deliveries_this_month",
    ):
        assert client.get(f"/tiles/{name}").status_code == 200, name


def test_demo_seeder_makes_every_kind_of_row(w, app):
    staff = demo.StoreStaff(store=w.store, scale=0.05)
    for role_code, count, _suffix in demo.STORE_STAFF:
        staff.by_role[role_code] = [factories.user_with_role(role_code, w.store) for _ in range(count)]
    from dealer_saas import tenancy
    from dealer_saas.sales import demo as sales_demo

    with tenancy.enter(w.store.id):
        sales_demo.seed_sales(staff, random.Random(1))
        counts = {
            m.__name__: db.session.query(m).count()
            for m in (TestDrive, Quote, SalesOrder, LoanApplication, InsurancePolicy, Delivery, Payment)
        }
        states = {o.status for o in db.session.query(SalesOrder)}
        sales_demo.seed_sales(staff, random.Random(1))  # idempotent
        assert db.session.query(SalesOrder).count() == counts["SalesOrder"]
    assert all(counts.values()), counts
    assert {"submitted", "allocated", "delivered", "cancelled"} <= states


def test_timeline_shows_test_drives_quotes_and_order_states(w, act):
    from dealer_saas.customers.timeline import timeline

    _quote(w, act)
    order = sf.order(w, status="approved", deposit="5000")
    with act(w.manager, "sales_manager"):
        services.record_payment(order.id, kind="deposit", method="cash", amount="5000")
        entries, _more = timeline([w.customer.id])
    kinds = [e.kind for e in entries]
    assert "quote" in kinds and kinds.count("order") == 2  # created + approved -> deposit_paid
