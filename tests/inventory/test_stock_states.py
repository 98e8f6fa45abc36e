"""The stock state machine and the allocation services the sales module relies on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dealer_saas import audit, tenancy
from dealer_saas.extensions import db
from dealer_saas.inventory import services
from dealer_saas.inventory.services import InvalidStockTransition, VehicleUnavailable

from .factories import car, model_for


def _audit_rows(vehicle):
    return (
        db.session.execute(
            select(audit.AuditLog).where(
                audit.AuditLog.entity == "stock_vehicles", audit.AuditLog.entity_id == vehicle.id
            )
        )
        .scalars()
        .all()
    )


def test_illegal_transitions_are_refused(store, in_store):
    vehicle = car(store, state="in_transit", age=None)
    with in_store():
        with pytest.raises(InvalidStockTransition) as error:
            services.change_state(vehicle, "delivered")
        assert "在途" in str(error.value) and "已交车" in str(error.value)
        assert vehicle.state == "in_transit"
        services.change_state(vehicle, "in_stock")
    assert vehicle.state == "in_stock"
    rows = _audit_rows(vehicle)
    assert [(r.action, r.before, r.after) for r in rows] == [
        ("transition", {"state": "in_transit"}, {"state": "in_stock"})
    ]


def test_delivered_is_final(store, in_store):
    vehicle = car(store, state="delivered")
    with in_store():
        for target in ("in_stock", "allocated", "in_transit"):
            with pytest.raises(InvalidStockTransition):
                services.change_state(vehicle, target)


def test_allocate_takes_an_in_stock_car_of_the_order_model(store, in_store):
    model = model_for(store)
    vehicle = car(store, model)
    with in_store():
        allocated = services.allocate_to_order(vehicle.id, model.id)
    assert allocated is vehicle and vehicle.state == "allocated"


@pytest.mark.parametrize(
    "case, message",
    [
        ("demo", "试驾车"),
        ("other_model", "车型与订单不一致"),
        ("in_transit", "不在库"),
        ("allocated", "不在库"),
    ],
)
def test_allocate_refuses(store, in_store, case, message):
    model = model_for(store)
    fields = {
        "demo": {"is_demo": True},
        "in_transit": {"state": "in_transit", "age": None},
        "allocated": {"state": "allocated"},
    }.get(case, {})
    vehicle = car(store, model, **fields)
    before = vehicle.state
    order_model = model_for(store) if case == "other_model" else model
    with in_store():
        with pytest.raises(VehicleUnavailable) as error:
            services.allocate_to_order(vehicle.id, order_model.id)
    assert message in str(error.value)
    assert vehicle.state == before


def test_allocate_an_unknown_or_foreign_car_is_unavailable(two_tenants, in_store):
    foreign = car(two_tenants.a2)
    with in_store(target=two_tenants.a1):
        with pytest.raises(VehicleUnavailable):
            services.allocate_to_order(foreign.id, foreign.model_id)
    assert foreign.state == "in_stock"


def test_release_puts_the_car_back_and_delivery_closes_it(store, in_store):
    model = model_for(store)
    vehicle = car(store, model)
    with in_store():
        services.allocate_to_order(vehicle.id, model.id)
        services.release_from_order(vehicle)
        assert vehicle.state == "in_stock"
        assert services.available_for_model(model.id) == [vehicle]
        services.allocate_to_order(vehicle.id, model.id)
        services.mark_delivered(vehicle)
        assert vehicle.state == "delivered"
        assert services.available_for_model(model.id) == []
        with pytest.raises(InvalidStockTransition):
            services.release_from_order(vehicle)


def test_available_for_model_lists_oldest_first_without_demo_cars(store, in_store):
    model = model_for(store)
    newer, older = car(store, model, age=5), car(store, model, age=50)
    car(store, model, is_demo=True, age=80)
    car(store, model, state="in_transit", age=None)
    with in_store():
        assert services.available_for_model(model.id) == [older, newer]
        assert [v.is_demo for v in services.demo_cars()] == [True]


def test_arrival_moves_an_in_transit_car_into_stock_today(store, in_store):
    vehicle = car(store, state="in_transit", age=None)
    with in_store():
        services.receive_at_store(vehicle.id)
        assert vehicle.state == "in_stock"
        assert vehicle.arrival_date == tenancy.store_today()
        with pytest.raises(InvalidStockTransition):
            services.receive_at_store(vehicle.id)
