"""The customers service other modules call when they hand a customer a car: the car joins
the customer's vehicles (the customers module's own VIN rules: normalised, check digit,
unique per store), its first owner-history row opens, and the customer becomes an owner.

A module writes another module's rows only through that module's services (README,
layout): sales delivery calls :func:`attach_delivered_vehicle` and
:func:`mark_customer_owner` and builds no customer rows itself.
"""

from __future__ import annotations

import datetime as dt

from ... import audit, tenancy
from ...extensions import db
from ..models import Customer, CustomerVehicle, VehicleOwnership

# the module's own VIN rules, reused: _clean_vehicle normalises and validates, _vin_taken is
# the duplicate check, _flush_vehicle turns the unique index's refusal into DuplicateVin
from .vehicles import _clean_vehicle, _flush_vehicle, _vin_taken

#: the level of a customer who bought a car here
OWNER_LEVEL = "owner"


def attach_delivered_vehicle(
    customer_id: int,
    *,
    vin: str,
    delivered_on: dt.date,
    plate: str = "",
    brand: str = "",
    model: str = "",
    trim: str = "",
    colour: str = "",
    model_id: int | None = None,
    mileage: int | None = None,
    sales_order_id: int | None = None,
) -> CustomerVehicle:
    """Register a car handed over to the customer on ``delivered_on``: VIN rules as
    ``services.add_vehicle`` (a FieldError for a bad VIN, DuplicateVin when the store already
    has it), owner from that day on, flushed and audit-logged."""
    customer = tenancy.get_or_404(Customer, customer_id)
    values = _clean_vehicle(
        {
            "vin": vin,
            "plate": plate,
            "brand": brand,
            "model": model,
            "trim": trim,
            "colour": colour,
            "purchase_date": delivered_on,
            "mileage": mileage,
        }
    )
    _vin_taken(values["vin"], None)
    vehicle = CustomerVehicle(owner_id=customer.id, model_id=model_id, sales_order_id=sales_order_id, **values)
    vehicle.ownerships.append(VehicleOwnership(customer_id=customer.id, started_on=delivered_on))
    db.session.add(vehicle)
    _flush_vehicle(values["vin"])
    audit.record("create", vehicle, after=audit.snapshot(vehicle), summary=vehicle.vin)
    return vehicle


def mark_customer_owner(customer_id: int, *, summary: str = "owner after delivery") -> Customer:
    """The customer bought a car here: their level becomes "owner" (audit-logged; nothing
    happens when it already is)."""
    customer = tenancy.get_or_404(Customer, customer_id)
    if customer.level != OWNER_LEVEL:
        before = audit.snapshot(customer, ["level"])
        customer.level = OWNER_LEVEL
        db.session.flush()
        audit.record("update", customer, before=before, after=audit.snapshot(customer, ["level"]), summary=summary)
    return customer
