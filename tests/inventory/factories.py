"""Helpers for stock tests: a catalogue model of a store's organisation and cars of it."""

from __future__ import annotations

import datetime as dt

from dealer_saas.extensions import db
from dealer_saas.inventory.models import ModelStockMinimum, StockVehicle, VehicleModel
from dealer_saas.timeutil import local_today

from ..factories import StockVehicleFactory, VehicleModelFactory, vin

__all__ = ["model_for", "car", "minimum", "vin"]


def model_for(store, **fields) -> VehicleModel:
    return VehicleModelFactory(org_id=store.org_id, **fields)


def car(store, model: VehicleModel | None = None, *, age: int | None = 10, **fields) -> StockVehicle:
    """A car of ``model`` in ``store``; ``age`` days since arrival (None: no arrival date),
    counted from the store's today (its zone), as the stock pages count it."""
    model = model or model_for(store)
    if "arrival_date" not in fields:
        today = local_today(store.timezone)
        fields["arrival_date"] = today - dt.timedelta(days=age) if age is not None else None
    return StockVehicleFactory(store=store, vehicle_model=model, **fields)


def minimum(store, model: VehicleModel, quantity: int) -> ModelStockMinimum:
    row = ModelStockMinimum(store_id=store.id, org_id=store.org_id, model_id=model.id, min_quantity=quantity)
    db.session.add(row)
    db.session.flush()
    return row
