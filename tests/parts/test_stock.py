"""Every quantity change is a movement; on hand and reserved stay consistent; the moving
average cost on receipt; low and over stock flags and the below-reorder-point query."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dealer_saas.extensions import db
from dealer_saas.parts.models import StockMovement
from dealer_saas.parts.services import stock
from dealer_saas.parts.services.rules import NotEnoughStock, PartsError

from .factories import D, part


def _movements(row):
    return list(db.session.execute(select(StockMovement).where(StockMovement.part_stock_id == row.id)).scalars())


def test_on_hand_is_the_sum_of_the_movements(p):
    stock.apply_movement(p.oil.id, "sale", D(-2), reference="S1")
    stock.apply_movement(p.oil.id, "adjustment", D(1), note="找到")
    stock.apply_movement(p.oil.id, "return", D("0.5"), reference="RO")
    moves = _movements(p.oil)
    assert [m.kind for m in moves] == ["receipt", "sale", "adjustment", "return"]
    assert sum(m.quantity for m in moves) == p.oil.on_hand == D("9.5")
    assert moves[-1].on_hand_after == D("9.5")


def test_a_movement_never_takes_on_hand_below_zero(p):
    with pytest.raises(NotEnoughStock):
        stock.apply_movement(p.pads.id, "adjustment", D(-4), note="x")
    assert p.pads.on_hand == D(3)
    assert len(_movements(p.pads)) == 1


def test_a_sale_never_takes_what_is_reserved(p):
    stock.reserve(p.pads.id, D(2))
    with pytest.raises(NotEnoughStock, match="预留"):
        stock.apply_movement(p.pads.id, "sale", D(-2))
    stock.apply_movement(p.pads.id, "sale", D(-1))
    assert (p.pads.on_hand, p.pads.reserved) == (D(2), D(2))


def test_reserving_more_than_available_is_refused(p):
    stock.reserve(p.pads.id, D(2))
    with pytest.raises(NotEnoughStock):
        stock.reserve(p.pads.id, D(2))
    stock.release(p.pads.id, D(2))
    assert p.pads.reserved == D(0)


def test_an_issue_consumes_its_reservation(p):
    stock.reserve(p.oil.id, D(3))
    stock.apply_movement(p.oil.id, "issue", D(-3), consume_reserved=D(3))
    assert (p.oil.on_hand, p.oil.reserved) == (D(7), D(0))


def test_receipt_moves_the_average_cost_weighted_by_quantity(p):
    # 10 at 20.00, then 5 at 26.00 -> (200 + 130) / 15 = 22.00
    stock.apply_movement(p.oil.id, "receipt", D(5), unit_cost=D("26.00"))
    assert p.oil.average_cost == D("22.00")
    # 15 at 22.00, then 1 at 30.00 -> 360 / 16 = 22.50
    stock.apply_movement(p.oil.id, "receipt", D(1), unit_cost=D("30.00"))
    assert p.oil.average_cost == D("22.50")
    # going out does not change it
    stock.apply_movement(p.oil.id, "sale", D(-4))
    assert p.oil.average_cost == D("22.50")


def test_the_first_receipt_sets_the_cost(p):
    stock.apply_movement(p.plug.id, "receipt", D(3), unit_cost=D("41.333"))
    assert p.plug.average_cost == D("41.33")


def test_low_and_over_flags_follow_every_change(p):
    assert not p.oil.is_low
    stock.reserve(p.oil.id, D(5))  # 10 - 5 = 5 <= 5
    assert p.oil.is_low
    stock.release(p.oil.id, D(5))
    assert not p.oil.is_low
    stock.apply_movement(p.oil.id, "receipt", D(11), unit_cost=D("20.00"))
    assert p.oil.is_over
    assert not p.plug.is_low  # no reorder point: never "low"


def test_below_reorder_point_answers_the_rows_the_alert_job_needs(p, store):
    stock.apply_movement(p.pads.id, "sale", D(-1))  # 2 <= 2
    rows = stock.below_reorder_point(store.id)
    assert [(r.code, r.on_hand, r.reserved, r.reorder_point, r.maximum) for r in rows] == [
        ("BP0001", D(2), D(0), D(2), D(8))
    ]
    assert rows[0].part_id == p.pads.part_id and rows[0].name == p.pads.part.name
    assert stock.below_reorder_point(store.id, limit=0) == []


def test_adjustment_needs_a_reason_and_is_a_movement(p):
    with pytest.raises(PartsError, match="原因"):
        stock.adjust(p.oil.id, "-1", "")
    stock.adjust(p.oil.id, "-1", "损坏")
    assert _movements(p.oil)[-1].kind == "adjustment" and p.oil.on_hand == D(9)


def test_search_by_code_name_or_barcode_prefix(p):
    part("OF0002", name="机油滤清器加长")
    assert [r.part.code for r in stock.stock_page(q="of").items] == ["OF0001", "OF0002"]
    assert [r.part.code for r in stock.stock_page(q="690000").items] == ["SP0001"]
    assert [r.part.code for r in stock.stock_page(q="机油").items] == ["OF0002"]
    first = stock.stock_page(size=2)
    assert len(first.items) == 2 and first.has_more
    rest = stock.stock_page(size=2, after=first.next_token)
    assert {r.part.code for r in first.items + rest.items} == {"BP0001", "OF0001", "OF0002", "SP0001"}
    assert db.session.execute(select(func.count(StockMovement.id))).scalar() == 2
