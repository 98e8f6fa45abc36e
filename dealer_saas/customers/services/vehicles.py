"""Customers' cars: VINs with their check digit and unique per store (DuplicateVin), edits
over a version (StaleVehicle), the owner history (VehicleOwnership) and transfers between
customers of the store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ... import audit, tenancy, visibility
from ...extensions import db
from ...validation import InvalidValue, normalise_mobile, normalise_plate, normalise_vin
from ..models import CustomerVehicle, VehicleOwnership
from ._common import DuplicateVin, FieldError, StaleVehicle, find_by_mobile, get_customer, is_visible


def get_vehicle(customer_vehicle_id: Any) -> CustomerVehicle:
    """A vehicle whose owner the current user may see, or 404 (a car without an owner only
    for those who see the whole store)."""
    from flask import abort

    vehicle = tenancy.get_or_404(CustomerVehicle, customer_vehicle_id)
    if vehicle.owner_id is None:
        if not visibility.sees_whole_store():
            abort(404)
    else:
        get_customer(vehicle.owner_id)  # 404 unless the owner is visible
    return vehicle


_VEHICLE_TEXT = ("brand", "model", "trim", "colour")
_VEHICLE_OTHER = ("purchase_date", "mileage", "insurance_expiry", "next_service_date", "next_service_mileage")


def _clean_vehicle(data: dict[str, Any]) -> dict[str, Any]:
    try:
        vin = normalise_vin(data.get("vin") or "")
    except InvalidValue as error:
        raise FieldError("vin", str(error)) from None
    values: dict[str, Any] = {"vin": vin, "plate": normalise_plate(data.get("plate") or "")[:12]}
    for key in _VEHICLE_TEXT:
        values[key] = (data.get(key) or "").strip()
    for key in _VEHICLE_OTHER:
        value = data.get(key)
        if key in ("mileage", "next_service_mileage") and value is not None and value < 0:
            raise FieldError(key, _("里程不能为负数。"))
        values[key] = value
    return values


def _vin_taken(vin: str, vehicle_id: int | None) -> None:
    existing = db.session.execute(select(CustomerVehicle).where(CustomerVehicle.vin == vin)).scalar_one_or_none()
    if existing is not None and existing.id != vehicle_id:
        raise DuplicateVin(existing)


def _flush_vehicle(vin: str) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DuplicateVin(
            db.session.execute(select(CustomerVehicle).where(CustomerVehicle.vin == vin)).scalar_one_or_none()
        ) from None
    except StaleDataError:
        raise StaleVehicle() from None


def add_vehicle(customer_id: int, data: dict[str, Any]) -> CustomerVehicle:
    """Register a customer's car: valid VIN with its check digit, unique per store
    (DuplicateVin); opens the first owner-history row."""
    customer = get_customer(customer_id)
    values = _clean_vehicle(data)
    _vin_taken(values["vin"], None)
    vehicle = CustomerVehicle(owner_id=customer.id, **values)
    today = values.get("purchase_date") or tenancy.store_today()
    vehicle.ownerships.append(VehicleOwnership(customer_id=customer.id, started_on=today))
    db.session.add(vehicle)
    _flush_vehicle(values["vin"])
    audit.record("create", vehicle, after=audit.snapshot(vehicle), summary=f"{customer.name} {vehicle.vin}")
    return vehicle


def update_vehicle(customer_vehicle_id: int, data: dict[str, Any], expected_version: int | None) -> CustomerVehicle:
    """Edit a car over the version it was loaded from (FieldError when stale); VIN rules as
    :func:`add_vehicle`."""
    vehicle = get_vehicle(customer_vehicle_id)
    if expected_version is not None and vehicle.version != expected_version:
        raise StaleVehicle()
    values = _clean_vehicle(data)
    _vin_taken(values["vin"], vehicle.id)
    before = audit.snapshot(vehicle)
    for key, value in values.items():
        setattr(vehicle, key, value)
    _flush_vehicle(values["vin"])
    audit.record("update", vehicle, before=before, after=audit.snapshot(vehicle), summary=vehicle.vin)
    return vehicle


def transfer_vehicle(customer_vehicle_id: int, new_owner_mobile: str, on: dt.date | None = None) -> CustomerVehicle:
    """Change a car's owner to another customer of the store, found by mobile (FieldError
    when unknown or the same): closes the open owner-history row and opens a new one."""
    vehicle = get_vehicle(customer_vehicle_id)
    try:
        mobile = normalise_mobile(new_owner_mobile)
    except InvalidValue as error:
        raise FieldError("mobile", str(error)) from None
    target = find_by_mobile(mobile)
    if target is None or not is_visible(target):
        raise FieldError("mobile", _("本店没有此手机号的客户，请先新建客户。"))
    if target.id == vehicle.owner_id:
        raise FieldError("mobile", _("该车已属于此客户。"))
    on = on or tenancy.store_today()
    before = audit.snapshot(vehicle)
    for row in vehicle.ownerships:
        if row.ended_on is None:
            row.ended_on = on
    vehicle.ownerships.append(VehicleOwnership(customer_id=target.id, started_on=on))
    vehicle.owner_id = target.id
    _flush_vehicle(vehicle.vin)
    audit.record(
        "transfer",
        vehicle,
        before=before,
        after=audit.snapshot(vehicle),
        summary=_("过户给 %(name)s", name=target.name),
    )
    return vehicle


def vehicles_of(customer_id: int) -> list[CustomerVehicle]:
    """A customer's cars with their owner history (two statements)."""
    return list(
        db.session.execute(
            select(CustomerVehicle)
            .where(CustomerVehicle.owner_id == customer_id)
            .options(selectinload(CustomerVehicle.ownerships).joinedload(VehicleOwnership.customer))
            .order_by(CustomerVehicle.id)
        ).scalars()
    )
