"""Counter sales, stocktakes and transfers between the stores of a group."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.parts.models import CounterSale, PartStock, PartTransfer, StockMovement
from dealer_saas.parts.services import counter_sales, stock, stocktakes, transfers
from dealer_saas.parts.services.rules import NotEnoughStock, PartsError, PartsTransitionError

from .. import factories
from .factories import D


def test_a_counter_sale_to_a_walk_in_is_paid_and_issued(p):
    sale = counter_sales.sell(lines=[("OF0001", "2"), ("bp0001", 1)], method="cash", walk_in_name="张先生")
    assert sale.total == sale.paid == D("150.00") and sale.walk_in_name == "张先生"
    assert (p.oil.on_hand, p.pads.on_hand) == (D(8), D(2))
    kinds = db.session.execute(select(StockMovement.kind).where(StockMovement.reference == sale.number)).scalars()
    assert list(kinds) == ["sale", "sale"]


def test_a_counter_sale_to_a_customer_found_by_mobile(p, store):
    customer = factories.CustomerFactory(store=store, mobile="13912345678")
    sale = counter_sales.sell(lines=[("OF0001", 1)], method="wechat", customer_mobile="139 1234 5678")
    assert sale.customer_id == customer.id and sale.walk_in_name == ""
    with pytest.raises(PartsError, match="没有手机号"):
        counter_sales.sell(lines=[("OF0001", 1)], method="wechat", customer_mobile="13900000000")


def test_a_sale_that_cannot_be_served_sells_nothing(p):
    count = db.session.query(CounterSale).count()
    with pytest.raises(NotEnoughStock) as refused, db.session.begin_nested():
        counter_sales.sell(lines=[("OF0001", 1), ("BP0001", 5)], method="cash")
    assert refused.value.field == "qty_1"
    assert db.session.query(CounterSale).count() == count
    assert p.oil.on_hand == D(10)
    with pytest.raises(PartsError, match="售价"):
        p.plug.sale_price = D(0)
        stock.apply_movement(p.plug.id, "receipt", D(1), unit_cost=D(1))
        counter_sales.sell(lines=[("SP0001", 1)], method="cash")


def test_stocktake_posts_variances_as_adjustments_in_one_go(p):
    sheet = stocktakes.take_sheet("bin", "a-01")
    assert [line.stock.part.code for line in sheet.lines] == ["BP0001", "OF0001"]
    stocktakes.enter_count(sheet.id, "OF0001", "8")
    stocktakes.enter_count(sheet.id, "BP0001", "3")
    with pytest.raises(PartsError, match="不在这张盘点单上"):
        stocktakes.enter_count(sheet.id, "SP0001", "1")
    stocktakes.post(sheet.id)
    assert sheet.status == "posted" and (p.oil.on_hand, p.pads.on_hand) == (D(8), D(3))
    moves = db.session.execute(select(StockMovement).where(StockMovement.reference == sheet.number)).scalars()
    assert [(m.part_stock_id, m.kind, m.quantity) for m in moves] == [(p.oil.id, "stocktake", D(-2))]
    with pytest.raises(PartsTransitionError):
        stocktakes.post(sheet.id)
    with pytest.raises(PartsError):
        stocktakes.enter_count(sheet.id, "OF0001", "1")


def test_stocktake_is_refused_when_stock_moved_during_the_count_until_recounted(p):
    sheet = stocktakes.take_sheet("category", "filter")
    stocktakes.enter_count(sheet.id, "OF0001", "10")
    stock.apply_movement(p.oil.id, "sale", D(-1))  # sold while counting
    with pytest.raises(PartsError, match="OF0001"):
        stocktakes.post(sheet.id)
    assert p.oil.on_hand == D(9)
    moved = stocktakes.recount(sheet.id)
    assert [line.expected for line in moved] == [D(9)] and moved[0].counted is None
    stocktakes.enter_count(sheet.id, "OF0001", "9")
    stocktakes.post(sheet.id)
    assert p.oil.on_hand == D(9) and sheet.status == "posted"


def test_a_sheet_needs_a_scope_with_parts(p):
    with pytest.raises(PartsError):
        stocktakes.take_sheet("bin", "Z-99")
    with pytest.raises(PartsError):
        stocktakes.take_sheet("shelf", "A-01")


@pytest.fixture
def sister(p, store):
    other = factories.StoreFactory(organisation=store.organisation)
    return other


def test_a_transfer_is_seen_by_both_stores_and_received_into_the_other(p, store, sister):
    out_row = transfers.send(p.oil.id, sister.id, "4", "互调")
    assert p.oil.on_hand == D(6) and out_row.state == "in_transit"
    receiver = factories.user_with_role("parts_clerk", sister)
    with tenancy.enter(sister.id, user_id=receiver.id):
        in_row = db.session.execute(select(PartTransfer)).scalar_one()
        assert (in_row.direction, in_row.reference, in_row.quantity) == ("in", out_row.reference, D(4))
        with pytest.raises(PartsError):
            transfers.cancel(in_row.id)  # only the sender calls it back
        transfers.receive(in_row.id)
        received = db.session.execute(select(PartStock)).scalar_one()
        assert received.on_hand == D(4) and received.average_cost == D("20.00")
        with pytest.raises(PartsTransitionError):
            transfers.receive(in_row.id)
    db.session.refresh(out_row)
    assert out_row.state == "received"
    with pytest.raises(PartsTransitionError):
        transfers.cancel(out_row.id)


def test_the_sender_cancels_until_received_and_the_parts_come_back(p, sister):
    out_row = transfers.send(p.pads.id, sister.id, 2)
    with pytest.raises(NotEnoughStock):
        transfers.send(p.pads.id, sister.id, 2)
    transfers.cancel(out_row.id)
    assert p.pads.on_hand == D(3) and out_row.state == "cancelled"
    with tenancy.enter(sister.id):
        in_row = db.session.execute(select(PartTransfer)).scalar_one()
        assert in_row.state == "cancelled"
        with pytest.raises(PartsTransitionError):
            transfers.receive(in_row.id)


def test_a_transfer_goes_only_to_another_store_of_the_group(p, store):
    foreign = factories.StoreFactory()
    for target in (foreign.id, store.id, 99999999):
        with pytest.raises(PartsError):
            transfers.send(p.oil.id, target, 1)
    assert p.oil.on_hand == D(10)
