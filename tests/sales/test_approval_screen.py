"""The approval screen shows what a manager decides on (issue 14, floor item 10): the
discount in money and %, the car (allocated, or the oldest matching one in stock) with its
cost and days in stock, the gross margin; 通过 asks for confirmation; an invoiced, fully
paid order does not offer 取消订单."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest

from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.timeutil import local_today

from .. import factories
from ..conftest import login
from . import factories as sf


def test_gross_margin_definition():
    # selling price 200000 - 8000 = 192000; cost 180000 -> 12000, 6.25 % of the selling price
    assert services.gross_margin("200000", "8000", "180000") == (D("12000.00"), D("6.25"))
    # a tax the store waives comes off the margin too
    assert services.gross_margin("200000", "8000", "180000", tax_shortfall="2000") == (D("10000.00"), D("5.21"))
    # selling below cost: a negative margin
    assert services.gross_margin("200000", "25000", "180000") == (D("-5000.00"), D("-2.86"))
    # no cost booked (0) or no car: unknown, never the whole price
    assert services.gross_margin("200000", "0", "0") == (None, None)
    assert services.gross_margin("200000", "0", None) == (None, None)


def _age(car, days):
    car.arrival_date = local_today() - dt.timedelta(days=days)
    db.session.flush()


def test_figures_use_the_oldest_car_in_stock_before_allocation_then_the_allocated_one(w, in_store):
    oldest, newer, _third = w.cars
    _age(oldest, 95)
    _age(newer, 12)
    oldest.cost, newer.cost = D("181000"), D("185000")
    order = sf.order(w, status="submitted", discount="8000", levels=1)
    with in_store(w.manager):
        figures = services.deal_figures([order])[order.id]
    assert (figures.discount, figures.discount_pct) == (D("8000.00"), D("4.00"))
    assert figures.vehicle.id == oldest.id and not figures.allocated
    assert figures.cost == D("181000.00") and figures.days_in_stock in (95, 96)  # store day vs UTC day
    assert figures.margin == D("11000.00") and figures.margin_pct == D("5.73")
    allocated = sf.order(w, status="allocated", discount="8000", vehicle=newer, paid="5000")
    with in_store(w.manager):
        figures = services.deal_figures([allocated])[allocated.id]
    assert figures.vehicle.id == newer.id and figures.allocated
    assert figures.margin == D("7000.00")


def test_no_car_in_stock_means_cost_unknown(w, in_store):
    for car in w.cars:
        car.state = "in_transit"
    db.session.flush()
    order = sf.order(w, status="submitted", discount="8000", levels=1)
    with in_store(w.manager):
        figures = services.deal_figures([order])[order.id]
    assert figures.vehicle is None and figures.cost is None and figures.margin is None


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_order_page_shows_the_figures_and_asks_to_confirm_the_approval(w, app):
    oldest = w.cars[0]
    _age(oldest, 40)
    oldest.cost = D("180000")
    order = sf.order(w, status="submitted", discount="8000", levels=1)
    client = login(app.test_client(), w.manager, w.store)
    body = client.get(f"/sales/orders/{order.id}").get_data(as_text=True)
    figures = _text(body[body.index('data-testid="deal-figures"') :])
    assert "¥8,000.00（4.00%）" in figures
    assert oldest.vin[-8:] in figures and "¥180,000.00" in figures
    assert re.search(r"4[01] 天", figures)
    assert "¥12,000.00（6.25%）" in figures  # 192000 - 180000
    # 通过 asks first (htmx hx-confirm: an attribute, no script), naming discount and margin
    button = re.search(rf'<button[^>]*hx-post="/sales/orders/{order.id}/approve"[^>]*>', body).group(0)
    confirm = re.search(r'hx-confirm="([^"]+)"', button).group(1)
    assert "确认通过第 1 级审批" in confirm and "¥8,000.00" in confirm and "¥12,000.00" in confirm
    assert "onclick" not in body and "<script>" not in body


def test_a_consultant_does_not_see_the_cost(w, app):
    order = sf.order(w, status="submitted", discount="8000", levels=1)
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="deal-figures"' not in body and "车辆成本" not in body


def test_approval_queue_shows_discount_cost_days_and_margin(w, app):
    oldest = w.cars[0]
    _age(oldest, 100)
    oldest.cost = D("190000")
    sf.order(w, status="submitted", discount="12020", levels=2)
    client = login(app.test_client(), w.store_manager, w.store)
    body = client.get("/sales/approvals").get_data(as_text=True)
    row = _text(body[body.index('id="approval-queue"') :])
    assert "优惠 ¥12,020.00" in row and "6.01%" in row
    assert "成本 ¥190,000.00" in row and re.search(r"库龄 10[01] 天", row)
    # 200000 - 12020 - 190000 = -2020: sold below cost, shown as such
    assert "毛利 ¥-2,020.00（-1.07%）" in row


@pytest.mark.parametrize("paid, offered", [("200000", False), ("150000", True)])
def test_invoiced_fully_paid_order_does_not_offer_cancel(w, app, act, paid, offered):
    order = sf.order(w, status="invoiced", vehicle=w.cars[0], total="200000", paid=paid)
    client = login(app.test_client(), w.manager, w.store)
    body = client.get(f"/sales/orders/{order.id}").get_data(as_text=True)
    assert ("取消订单" in body) is offered
    assert ('data-testid="no-cancel"' in body) is not offered
    if offered:
        return
    # and the URL refuses it too, with the reason shown
    response = client.post(f"/sales/orders/{order.id}/cancel", data={"reason": "客户放弃"})
    assert response.status_code in (200, 302)
    db.session.expire_all()
    assert order.status == "invoiced"
    with act(w.manager, "store_manager"), pytest.raises(services.InvalidTransition, match="先登记尾款退款"):
        services.cancel_order(order.id, "客户放弃")
    # once the balance is refunded the order may be cancelled (the deposit is refunded after)
    with act(w.manager, "store_manager"):
        services.record_payment(order.id, kind="refund", method="transfer", amount="195000")
        services.cancel_order(order.id, "客户退车")
    assert order.status == "cancelled"


def test_refused_cancel_message_is_shown(w, app):
    order = sf.order(w, status="invoiced", vehicle=w.cars[0], total="200000", paid="200000")
    client = login(app.test_client(), w.manager, w.store)
    body = client.post(
        f"/sales/orders/{order.id}/cancel", data={"reason": "客户放弃"}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert "先登记尾款退款" in body


def test_other_stores_car_is_never_the_reference(w, in_store):
    other_store = factories.StoreFactory(org_id=w.store.org_id)
    foreign = factories.StockVehicleFactory(store=other_store, vehicle_model=w.model)
    foreign.arrival_date = local_today() - dt.timedelta(days=500)
    for car in w.cars:
        car.state = "in_transit"
    db.session.flush()
    order = sf.order(w, status="submitted", discount="8000", levels=1)
    with in_store(w.manager):
        assert services.deal_figures([order])[order.id].vehicle is None
