"""The service module's entries on the customer 360 timeline: repair orders (opened, with
their state) and appointments. Shown to whoever may read service history (consultants
included, read-only)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import tenancy
from ..customers.models import CustomerVehicle
from ..customers.timeline import TimelineEntry, key, row, timeline_source
from ..timeutil import as_utc
from .models import APPOINTMENT_STATUSES, RO_STATUSES, Appointment, RepairOrder


def _link(endpoint: str, **values: int) -> str | None:
    ctx = tenancy.current()
    return url_for(endpoint, **values) if ctx.can("service.view") else None


def _repair_order_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="repair_order",
        icon="🛠",
        title=_("维修工单 %(n)s（%(s)s）", n=r.t1, s=RO_STATUSES.get(r.t2, r.t2)),
        detail=" ".join(p for p in (r.t3 or "", f"{r.num:,} km", (r.t4 or "")[:60]) if p),
        url=_link("service.repair_order_detail", repair_order_id=r.id),
        key=r.key,
    )


@timeline_source("service.repair_orders", render=_repair_order_entry, permission="service.history")
def repair_order_entries(customer_ids: Sequence[int]):
    ro = RepairOrder
    return (
        select(
            *row(
                ro.opened_at,
                key("ro", ro.id),
                id=ro.id,
                t1=ro.number,
                t2=ro.status,
                t3=CustomerVehicle.plate,
                num=ro.mileage_in,
                t4=ro.complaints,
            )
        )
        .outerjoin(CustomerVehicle, CustomerVehicle.id == ro.vehicle_id)
        .where(ro.customer_id.in_(customer_ids))
    )


def _appointment_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="service_appointment",
        icon="📅",
        title=_("售后预约（%(s)s）", s=APPOINTMENT_STATUSES.get(r.t1, r.t1)),
        detail=(r.t2 or "")[:80],
        url=_link("service.appointment_detail", appointment_id=r.id),
        key=r.key,
    )


@timeline_source("service.appointments", render=_appointment_entry, permission="service.history")
def appointment_entries(customer_ids: Sequence[int]):
    a = Appointment
    return select(*row(a.created_at, key("sa", a.id), id=a.id, t1=a.status, t2=a.notes)).where(
        a.customer_id.in_(customer_ids)
    )
