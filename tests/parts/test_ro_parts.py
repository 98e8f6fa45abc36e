"""The parts lines of repair orders, through the service module: reserved when added,
issued when work starts, given back or returned when removed, released when the RO is
cancelled; their amounts count in the RO's total and in its totals per payer."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.parts.models import StockMovement
from dealer_saas.parts.services.rules import NotEnoughStock, PartsError
from dealer_saas.service.services import parts_lines, repair_orders, work
from dealer_saas.service.services.rules import ServiceError

from ..service import factories as service_factories
from .factories import D, part


@pytest.fixture
def w(store, in_store):
    world = service_factories.world(store)
    with in_store(world.advisor):
        world.filter = part("OF0001", on_hand=5, cost="20.00", sale_price="58.00")
        yield world


def _kinds(ro):
    return list(db.session.execute(select(StockMovement.kind).where(StockMovement.reference == ro.number)).scalars())


def test_a_parts_line_reserves_then_is_issued_when_work_starts(w):
    ro = service_factories.ro(w, status="open", lines=1)
    line = parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": "2", "payer": "customer", "discount": "6"})
    assert line.status == "reserved" and line.amount == D("110.00")
    assert (w.filter.on_hand, w.filter.reserved) == (D(5), D(2))
    assert ro.total == D("310.00") and _kinds(ro) == []
    with tenancy.use(dataclasses.replace(tenancy.current(), user_id=w.tech.id)):
        work.work_on_line(ro.lines[0].id, "start")
    assert ro.status == "in_progress" and line.status == "issued"
    assert (w.filter.on_hand, w.filter.reserved) == (D(3), D(0)) and _kinds(ro) == ["issue"]


def test_a_line_added_after_work_started_is_issued_at_once_and_returned_when_removed(w):
    ro = service_factories.ro(w, status="in_progress", lines=1)
    line = parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 1, "payer": "insurer"})
    assert line.status == "issued" and w.filter.on_hand == D(4)
    parts_lines.remove_part_line(line.id)
    assert w.filter.on_hand == D(5) and _kinds(ro) == ["issue", "return"]
    assert ro.total == D("200.00")


def test_removing_a_reserved_line_gives_the_reservation_back(w):
    ro = service_factories.ro(w, status="open")
    line = parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 3, "payer": "customer"})
    parts_lines.remove_part_line(line.id)
    assert (w.filter.on_hand, w.filter.reserved) == (D(5), D(0)) and _kinds(ro) == []


def test_cancelling_the_ro_releases_its_reservations(w):
    ro = service_factories.ro(w, status="open")
    parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 3, "payer": "customer"})
    repair_orders.change_state(ro.id, "cancel", reason="客户改期")
    assert w.filter.reserved == D(0) and parts_lines.ro_parts.lines_for(ro.id) == []


def test_parts_lines_are_refused_beyond_stock_and_after_work_is_done(w):
    ro = service_factories.ro(w, status="open")
    with pytest.raises(NotEnoughStock):
        parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 6, "payer": "customer"})
    with pytest.raises(PartsError, match="结算方"):
        parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 1, "payer": "nobody"})
    with pytest.raises(PartsError, match="优惠"):
        parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 1, "payer": "customer", "discount": "59"})
    ready = service_factories.ro(w, status="ready")
    with pytest.raises(ServiceError):
        parts_lines.add_part_line(ready.id, {"code": "OF0001", "quantity": 1, "payer": "customer"})


def test_settlement_totals_per_payer_include_parts(w):
    ro = service_factories.ro(w, status="in_progress", lines=1)  # labour 200 for the customer
    parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 2, "payer": "customer"})  # 116
    parts_lines.add_part_line(ro.id, {"code": "OF0001", "quantity": 1, "payer": "warranty"})  # 58
    assert dict(repair_orders.totals_by_payer(ro)) == {"customer": D("316.00"), "warranty": D("58.00")}
    assert ro.total == D("374.00")
    ro.status = "ready"
    db.session.flush()
    with pytest.raises(ServiceError, match="超过"):
        repair_orders.record_payment(ro.id, payer="customer", method="cash", amount="316.01")
    repair_orders.record_payment(ro.id, payer="customer", method="cash", amount="200.00")
    with pytest.raises(ServiceError, match="116.00"):
        repair_orders.change_state(ro.id, "settle")
    repair_orders.record_payment(ro.id, payer="customer", method="cash", amount="116.00")
    repair_orders.change_state(ro.id, "settle")
    assert ro.status == "settled"
