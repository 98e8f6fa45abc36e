"""The customers module's own 360-timeline sources: the customer record and its cars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import tenancy
from ..extensions import db
from ..timeutil import DEFAULT_TZ, as_utc, local
from .models import Customer, VehicleOwnership
from .timeline import TimelineEntry, timeline_source


def _has_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def _day_start(day: dt.date, tz: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def _last_day_before(before: dt.datetime, tz: str) -> dt.date:
    """The latest calendar day whose start (local midnight) is strictly before ``before``."""
    day = local(before, tz).date()
    return day if _day_start(day, tz) < as_utc(before) else day - dt.timedelta(days=1)


@timeline_source("customers.created")
def customer_created(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    stmt = select(Customer.id, Customer.created_at, Customer.source).where(Customer.id.in_(customer_ids))
    if before is not None:
        stmt = stmt.where(Customer.created_at < before)
    rows = db.session.execute(stmt.order_by(Customer.created_at.desc()).limit(limit)).all()
    return [
        TimelineEntry(at=as_utc(at), kind="customer", title=_("建档"), icon="👤", key=f"customer:{cid}")
        for cid, at, _source in rows
    ]


@timeline_source("customers.vehicles")
def vehicle_ownerships(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """Cars coming to (started) and leaving (ended) the customers; dates show at the start
    of the day in the store's time zone (in the roll-up, which has no single store, in the
    default zone)."""
    tz = tenancy.store_timezone() or DEFAULT_TZ
    entries: list[TimelineEntry] = []
    for column, title, icon in (
        (VehicleOwnership.started_on, _("车辆登记/转入"), "🚙"),
        (VehicleOwnership.ended_on, _("车辆过户转出"), "↪"),
    ):
        stmt = (
            select(VehicleOwnership)
            .where(VehicleOwnership.customer_id.in_(customer_ids), column.isnot(None))
            .options(joinedload(VehicleOwnership.vehicle))
        )
        if before is not None:
            stmt = stmt.where(column <= _last_day_before(before, tz))
        for row in db.session.execute(stmt.order_by(column.desc()).limit(limit)).scalars():
            day = getattr(row, column.key)
            vehicle = row.vehicle
            entries.append(
                TimelineEntry(
                    at=_day_start(day, tz),
                    kind="vehicle",
                    title=title,
                    icon=icon,
                    detail=" ".join(p for p in (vehicle.plate, vehicle.brand, vehicle.model, vehicle.vin) if p),
                    url=url_for("customers.vehicle_edit", customer_vehicle_id=vehicle.id) if _has_request() else None,
                    key=f"ownership:{row.id}:{column.key}",
                )
            )
    return entries
