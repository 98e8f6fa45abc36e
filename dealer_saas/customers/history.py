"""The customers module's own 360-timeline sources: the customer record and its cars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import tenancy
from ..timeutil import DEFAULT_TZ, as_utc
from .models import Customer, CustomerVehicle, VehicleOwnership
from .timeline import TimelineEntry, day_start, key, row, timeline_source, utc_offset_minutes


def _has_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def _day_start(day: dt.date, tz: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def _created_entry(r) -> TimelineEntry:
    return TimelineEntry(at=as_utc(r.at), kind="customer", title=_("建档"), icon="👤", key=r.key)


@timeline_source("customers.created", render=_created_entry)
def customer_created(customer_ids: Sequence[int]):
    return select(*row(Customer.created_at, key("customer:", Customer.id))).where(Customer.id.in_(customer_ids))


_OWNERSHIP = {
    "started_on": ("🚙", lambda: _("车辆登记/转入")),
    "ended_on": ("↪", lambda: _("车辆过户转出")),
}


def _ownership_entry(r) -> TimelineEntry:
    """A car coming to (started) or leaving (ended) the customer: at the start of the day in
    the store's time zone (in the roll-up, which has no single store, in the default zone)."""
    icon, title = _OWNERSHIP[r.kind]
    tz = tenancy.store_timezone() or DEFAULT_TZ
    return TimelineEntry(
        at=_day_start(dt.date.fromisoformat(r.t5[:10]), tz),
        kind="vehicle",
        title=title(),
        icon=icon,
        detail=" ".join(p for p in (r.t1, r.t2, r.t3, r.t4) if p),
        url=url_for("customers.vehicle_edit", customer_vehicle_id=r.id) if _has_request() else None,
        key=r.key,
    )


def _zone_minutes() -> int:
    return utc_offset_minutes(tenancy.store_timezone() or DEFAULT_TZ)


@timeline_source("customers.vehicles", render=_ownership_entry, variant=_zone_minutes)
def vehicle_ownerships(customer_ids: Sequence[int]):
    """Cars coming to and leaving the customers (one branch each)."""
    minutes = _zone_minutes()
    selects = []
    for column in (VehicleOwnership.started_on, VehicleOwnership.ended_on):
        selects.append(
            select(
                *row(
                    day_start(column, minutes),
                    key("ownership:", VehicleOwnership.id) + f":{column.key}",
                    kind=column.key,
                    id=CustomerVehicle.id,
                    t1=CustomerVehicle.plate,
                    t2=CustomerVehicle.brand,
                    t3=CustomerVehicle.model,
                    t4=CustomerVehicle.vin,
                    t5=column,
                )
            )
            .join(CustomerVehicle, CustomerVehicle.id == VehicleOwnership.vehicle_id)
            .where(VehicleOwnership.customer_id.in_(customer_ids), column.isnot(None))
        )
    return selects
