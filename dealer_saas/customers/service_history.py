"""The customers module's service for what a workshop visit changes on a customer's car:
the mileage reading and the next service due. Other modules (service's repair orders) call
this instead of writing ``CustomerVehicle`` themselves (DESIGN section 4a)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from .. import audit, tenancy
from ..domain import DomainError, flush_or_stale
from .models import CustomerVehicle

MAX_MILEAGE = 2_000_000


class MileageError(DomainError):
    """A mileage reading the car's history refuses."""


def check_mileage(vehicle: CustomerVehicle, mileage: Any, field: str = "mileage") -> int:
    """A mileage reading for ``vehicle``: a whole number of km, never below the last one."""
    try:
        value = int(mileage)
    except (TypeError, ValueError):
        raise MileageError(_("请输入里程（公里）。"), field) from None
    if not 0 <= value <= MAX_MILEAGE:
        raise MileageError(_("里程需在 0 到 2000000 公里之间。"), field)
    if vehicle.mileage is not None and value < vehicle.mileage:
        raise MileageError(
            _("里程不能小于该车上次记录的 %(km)s 公里。", km=f"{vehicle.mileage:,}"),
            field,
        )
    return value


def record_service_visit(
    vehicle_id: int,
    *,
    mileage: Any,
    serviced_on: dt.date,
    next_due_date: dt.date | None,
    next_due_mileage: int | None,
) -> CustomerVehicle:
    """A workshop visit of a car of the store: its mileage reading (never backwards:
    MileageError) and the next service due (date after the visit, mileage above it)."""
    vehicle = tenancy.get_or_404(CustomerVehicle, vehicle_id)
    reading = check_mileage(vehicle, mileage)
    if next_due_date is not None and next_due_date <= serviced_on:
        raise MileageError(_("下次保养日期须晚于本次保养日期。"), "next_due_date")
    if next_due_mileage is not None and next_due_mileage <= reading:
        raise MileageError(_("下次保养里程须大于本次里程。"), "next_due_mileage")
    fields = ["mileage", "next_service_date", "next_service_mileage"]
    before = audit.snapshot(vehicle, fields)
    vehicle.mileage = reading
    vehicle.next_service_date = next_due_date
    vehicle.next_service_mileage = next_due_mileage
    flush_or_stale()
    audit.record(
        "update",
        vehicle,
        before=before,
        after=audit.snapshot(vehicle, fields),
        summary=_("维修保养 %(d)s", d=serviced_on.isoformat()),
    )
    return vehicle
