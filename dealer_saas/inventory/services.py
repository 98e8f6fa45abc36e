"""Vehicle stock rules: states, allocation to orders (row-locked), transfers, minimums.

Allocation is the rule other modules rely on: a car goes to at most one live order. The
database enforces it (unique ``sales_orders.stock_vehicle_id``) and the service takes a row
lock on the car first, so two consultants allocating the same VIN at once cannot both win.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from .models import StockVehicle

#: allowed state changes of a stock vehicle
STOCK_TRANSITIONS = {
    "in_transit": {"in_stock"},
    "in_stock": {"allocated", "in_transit"},
    "allocated": {"in_stock", "delivered"},
    "delivered": set(),
}


class VehicleUnavailable(Exception):
    """The car cannot be used for this (wrong state, demo car, other model); message is safe."""


class InvalidStockTransition(Exception):
    """A stock state change the table does not allow."""


def lock_vehicle(stock_vehicle_id: int) -> StockVehicle:
    """The car, row-locked for the rest of the transaction (scoped to the store)."""
    vehicle = db.session.execute(
        select(StockVehicle).where(StockVehicle.id == stock_vehicle_id).with_for_update()
    ).scalar_one_or_none()
    if vehicle is None:
        raise VehicleUnavailable(_("找不到该车辆。"))
    return vehicle


def change_state(vehicle: StockVehicle, new_state: str, *, summary: str = "") -> None:
    """Move a car to ``new_state`` if the table allows it; audit-logged."""
    if new_state not in STOCK_TRANSITIONS.get(vehicle.state, set()):
        raise InvalidStockTransition(_("车辆状态不能从“%(a)s”变为“%(b)s”。", a=vehicle.state, b=new_state))
    before = audit.snapshot(vehicle, ["state"])
    vehicle.state = new_state
    db.session.flush()
    audit.record("transition", vehicle, before=before, after=audit.snapshot(vehicle, ["state"]), summary=summary)


def allocate_to_order(stock_vehicle_id: int, model_id: int) -> StockVehicle:
    """Reserve an in-stock, non-demo car of the order's model. Raises VehicleUnavailable."""
    vehicle = lock_vehicle(stock_vehicle_id)
    if vehicle.is_demo:
        raise VehicleUnavailable(_("试驾车不能配给订单。"))
    if vehicle.model_id != model_id:
        raise VehicleUnavailable(_("该车辆车型与订单不一致。"))
    if vehicle.state != "in_stock":
        raise VehicleUnavailable(_("该车辆当前不在库（%(state)s），不能配车。", state=vehicle.state))
    change_state(vehicle, "allocated", summary=vehicle.vin)
    return vehicle


def release_from_order(vehicle: StockVehicle) -> None:
    """Put an allocated car back in stock (order cancelled)."""
    lock_vehicle(vehicle.id)
    change_state(vehicle, "in_stock", summary=vehicle.vin)


def mark_delivered(vehicle: StockVehicle) -> None:
    """The car has been handed over."""
    lock_vehicle(vehicle.id)
    change_state(vehicle, "delivered", summary=vehicle.vin)


def available_for_model(model_id: int, limit: int = 50) -> list[StockVehicle]:
    """In-stock cars of a model that can be sold, oldest arrival first (sell aged stock)."""
    return list(db.session.execute(
        select(StockVehicle)
        .where(StockVehicle.model_id == model_id, StockVehicle.state == "in_stock", StockVehicle.is_demo.is_(False))
        .order_by(StockVehicle.arrival_date.asc().nulls_last(), StockVehicle.id)
        .limit(limit)
    ).scalars())


def demo_cars() -> list[StockVehicle]:
    """The store's demo cars (for test drives)."""
    return list(db.session.execute(
        select(StockVehicle).where(StockVehicle.is_demo.is_(True), StockVehicle.state != "delivered")
        .order_by(StockVehicle.id)
    ).scalars())
