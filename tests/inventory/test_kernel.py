"""Inventory on the rules kernel: its errors are domain errors, the one table of stock moves
is what ``change_state`` applies, and a transfer row is received once through its own table."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from dealer_saas import domain, tenancy
from dealer_saas.extensions import db
from dealer_saas.inventory import services
from dealer_saas.inventory.models import STOCK_STATES, StockTransfer

from .factories import car


def test_inventory_errors_are_domain_errors():
    assert issubclass(services.InventoryError, domain.DomainError)
    for name in ("VehicleUnavailable", "InvalidStockTransition", "DuplicateVin", "StaleEdit"):
        assert issubclass(getattr(services, name), services.InventoryError)
    assert issubclass(services.InvalidStockTransition, domain.InvalidTransition)
    assert issubclass(services.StaleEdit, domain.StaleEdit)
    assert services.DuplicateVin("x", existing_id=3).field == "vin"


def test_change_state_applies_exactly_the_table(store, in_store):
    """For every pair of states the table's answer and the service's agree."""
    with in_store():
        for source, target in itertools.product(STOCK_STATES, STOCK_STATES):
            vehicle = car(store, state=source)
            if services.STOCK_MOVES.can(vehicle, target):
                services.change_state(vehicle, target)
                assert vehicle.state == target
            else:
                with pytest.raises(services.InvalidStockTransition, match="车辆状态不能从"):
                    services.change_state(vehicle, target)
                assert vehicle.state == source
    assert services.STOCK_MOVES.is_final("delivered")


def test_a_transfer_is_received_once(two_tenants):
    t = two_tenants
    vehicle = car(t.a1)
    with tenancy.enter(t.a1.id):
        services.send_transfer(vehicle.id, t.a2.id)
    with tenancy.enter(t.a2.id):
        incoming = db.session.execute(select(StockTransfer).where(StockTransfer.direction == "in")).scalar_one()
        services.receive_transfer(incoming.id)
        assert incoming.state == "received" and incoming.received_at is not None
        with pytest.raises(services.InventoryError, match="该调拨单已处理。"):
            services.receive_transfer(incoming.id)
    with tenancy.system():
        sides = db.session.execute(select(StockTransfer.direction, StockTransfer.state)).all()
    assert sorted(sides) == [("in", "received"), ("out", "received")]
