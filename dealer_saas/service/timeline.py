"""The service module's entries on the customer 360 timeline: repair orders (opened, with
their state) and appointments. Shown to whoever may read service history (consultants
included, read-only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import tenancy
from ..customers.timeline import TimelineEntry, timeline_source
from ..extensions import db
from .models import APPOINTMENT_STATUSES, RO_STATUSES, Appointment, RepairOrder


def _may_read() -> bool:
    ctx = tenancy.maybe_current()
    return ctx is not None and ctx.can("service.history")


def _link(endpoint: str, **values: int) -> str | None:
    ctx = tenancy.current()
    return url_for(endpoint, **values) if ctx.can("service.view") else None


@timeline_source("service.repair_orders")
def repair_order_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    if not _may_read():
        return []
    stmt = select(RepairOrder).where(RepairOrder.customer_id.in_(customer_ids)).options(joinedload(RepairOrder.vehicle))
    if before is not None:
        stmt = stmt.where(RepairOrder.opened_at < before)
    rows = db.session.execute(stmt.order_by(RepairOrder.opened_at.desc()).limit(limit)).scalars()
    return [
        TimelineEntry(
            at=ro.opened_at,
            kind="repair_order",
            icon="🛠",
            title=_("维修工单 %(n)s（%(s)s）", n=ro.number, s=RO_STATUSES.get(ro.status, ro.status)),
            detail=" ".join(
                p for p in (ro.vehicle.plate if ro.vehicle else "", f"{ro.mileage_in:,} km", ro.complaints[:60]) if p
            ),
            url=_link("service.repair_order_detail", repair_order_id=ro.id),
            key=f"ro{ro.id}",
        )
        for ro in rows
    ]


@timeline_source("service.appointments")
def appointment_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    if not _may_read():
        return []
    stmt = select(Appointment).where(Appointment.customer_id.in_(customer_ids))
    if before is not None:
        stmt = stmt.where(Appointment.created_at < before)
    rows = db.session.execute(stmt.order_by(Appointment.created_at.desc()).limit(limit)).scalars()
    return [
        TimelineEntry(
            at=a.created_at,
            kind="service_appointment",
            icon="📅",
            title=_("售后预约（%(s)s）", s=APPOINTMENT_STATUSES.get(a.status, a.status)),
            detail=a.notes[:80],
            url=_link("service.appointment_detail", appointment_id=a.id),
            key=f"sa{a.id}",
        )
        for a in rows
    ]
