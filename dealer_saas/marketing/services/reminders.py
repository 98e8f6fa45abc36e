"""Customer reminders, sent by the daily job of each store: maintenance due (with the service
module's signed booking link), insurance renewal (each lead time before the issued policy's
expiry), birthday greeting, and the appointment day-before reminder; the hourly job sends the
appointment confirmation. Each message has a key naming its occasion
(``reminder:maintenance:<vehicle>:<due date>``), so a rerun, or a run after a crash
halfway, sends each one exactly once. Selects are set-based (one per occasion, bounded by
the occasion's date window); the messaging policy decides consent and quiet hours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select

from ... import tenancy
from ...customers.models import Customer, CustomerVehicle
from ...extensions import db
from ...sales.models import InsurancePolicy
from ...service.models import Appointment
from ...timeutil import local, local_day_bounds, utcnow
from .. import links
from ..settings import reminders as reminder_settings
from . import sending, templates

#: appointments booked this far back still get their confirmation (a missed hourly run)
CONFIRM_WITHIN = dt.timedelta(days=2)
#: appointment states worth a confirmation or a reminder
LIVE_APPOINTMENTS = ("booked", "confirmed")
#: how many messages one queueing call takes
BATCH = 500


def _live_customer() -> sa.ColumnElement[bool]:
    return sa.and_(Customer.deleted_at.is_(None), Customer.mobile.isnot(None))


def _send(occasion: str, rows: Iterator[dict[str, Any]], purpose: str) -> dict[str, int]:
    code, body = templates.body_for(occasion)
    store = tenancy.writable_store()
    shared = templates.store_values(store)
    totals = {"queued": 0, "deferred": 0, "suppressed": 0, "existing": 0}
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        for name, value in sending.queue_rows(batch, purpose).items():
            totals[name] = totals.get(name, 0) + value
        batch.clear()

    for row in rows:
        values = shared | row.pop("values")
        batch.append(row | {"channel": "sms", "body": templates.render(body, values), "template": code})
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return totals


def maintenance_rows(today: dt.date) -> Iterator[dict[str, Any]]:
    settings = reminder_settings(tenancy.writable_store())
    until = today + dt.timedelta(days=settings.maintenance_days)
    stmt = (
        select(CustomerVehicle, Customer)
        .join(Customer, Customer.id == CustomerVehicle.owner_id)
        .where(_live_customer(), CustomerVehicle.next_service_date.between(today, until))
        .order_by(CustomerVehicle.id)
    )
    store_id = tenancy.current().store_id
    for vehicle, customer in db.session.execute(stmt).all():
        yield {
            "recipient": customer.mobile,
            "customer_id": customer.id,
            "key": f"reminder:maintenance:{vehicle.id}:{vehicle.next_service_date.isoformat()}",
            "values": templates.customer_values(customer, vehicle)
            | {"到期日": vehicle.next_service_date.isoformat(), "预约链接": links.booking_url(store_id, vehicle.id)},
        }


def insurance_lead(days_left: int, leads: tuple[int, ...]) -> int | None:
    """The lead time a policy ``days_left`` from expiry is due for: the smallest lead that is
    at least ``days_left`` (a policy 20 days out is due for its 30-day message, not the 60)."""
    due = [lead for lead in leads if lead >= days_left]
    return min(due) if due else None


def insurance_rows(today: dt.date) -> Iterator[dict[str, Any]]:
    leads = reminder_settings(tenancy.writable_store()).insurance_days
    vehicle = sa.orm.aliased(CustomerVehicle)
    stmt = (
        select(InsurancePolicy, Customer, vehicle)
        .join(Customer, Customer.id == InsurancePolicy.customer_id)
        .outerjoin(vehicle, sa.and_(vehicle.vin == InsurancePolicy.vin, vehicle.owner_id == Customer.id))
        .where(
            _live_customer(),
            InsurancePolicy.status == "issued",
            InsurancePolicy.expires_on.between(today, today + dt.timedelta(days=max(leads))),
        )
        .order_by(InsurancePolicy.id)
    )
    for policy, customer, car in db.session.execute(stmt).all():
        lead = insurance_lead((policy.expires_on - today).days, leads)
        if lead is None:
            continue
        values = templates.customer_values(customer, car) | {"到期日": policy.expires_on.isoformat()}
        if car is None:
            values["车牌"] = policy.vin
        yield {
            "recipient": customer.mobile,
            "customer_id": customer.id,
            "key": f"reminder:insurance:{policy.id}:{lead}",
            "values": values,
        }


def birthday_rows(today: dt.date) -> Iterator[dict[str, Any]]:
    stmt = (
        select(Customer)
        .where(
            _live_customer(),
            sa.extract("month", Customer.birthday) == today.month,
            sa.extract("day", Customer.birthday) == today.day,
        )
        .order_by(Customer.id)
    )
    for customer in db.session.execute(stmt).scalars().all():
        yield {
            "recipient": customer.mobile,
            "customer_id": customer.id,
            "key": f"reminder:birthday:{customer.id}:{today.year}",
            "values": templates.customer_values(customer),
        }


def _appointment_rows(stmt: sa.Select, occasion: str) -> Iterator[dict[str, Any]]:
    tz = tenancy.store_timezone()
    for appointment, customer, vehicle in db.session.execute(stmt).all():
        yield {
            "recipient": customer.mobile,
            "customer_id": customer.id,
            "key": f"reminder:{occasion}:{appointment.id}",
            "values": templates.customer_values(customer, vehicle)
            | {"预约时间": local(appointment.starts_at, tz).strftime("%m-%d %H:%M")},
        }


def _appointments() -> sa.Select:
    return (
        select(Appointment, Customer, CustomerVehicle)
        .join(Customer, Customer.id == Appointment.customer_id)
        .outerjoin(CustomerVehicle, CustomerVehicle.id == Appointment.vehicle_id)
        .where(_live_customer(), Appointment.status.in_(LIVE_APPOINTMENTS))
        .order_by(Appointment.id)
    )


def day_before_rows(today: dt.date) -> Iterator[dict[str, Any]]:
    start, end = local_day_bounds(today + dt.timedelta(days=1), tenancy.store_timezone())
    stmt = _appointments().where(Appointment.starts_at >= start, Appointment.starts_at < end)
    return _appointment_rows(stmt, "appointment_reminder")


def confirmation_rows(now: dt.datetime) -> Iterator[dict[str, Any]]:
    stmt = _appointments().where(Appointment.starts_at > now, Appointment.created_at >= now - CONFIRM_WITHIN)
    return _appointment_rows(stmt, "appointment_confirm")


def send_daily(today: dt.date | None = None) -> dict[str, dict[str, int]]:
    """The daily reminders of the current store for ``today`` (store-local), as its
    settings switch them on; per occasion, the counts of what the policy did."""
    store = tenancy.writable_store()
    today = today or tenancy.store_today()
    settings = reminder_settings(store)
    done: dict[str, dict[str, int]] = {}
    if settings.maintenance:
        done["maintenance"] = _send("maintenance", maintenance_rows(today), "service")
    if settings.insurance:
        done["insurance"] = _send("insurance", insurance_rows(today), "service")
    if settings.birthday:
        done["birthday"] = _send("birthday", birthday_rows(today), "service")
    if settings.appointments:
        done["appointment_reminder"] = _send("appointment_reminder", day_before_rows(today), "service")
    return done


def send_confirmations(now: dt.datetime | None = None) -> dict[str, int]:
    """Confirm every live appointment booked in the last 2 days that is still ahead (a
    transactional message: the customer asked for the appointment)."""
    if not reminder_settings(tenancy.writable_store()).appointments:
        return {}
    return _send("appointment_confirm", confirmation_rows(now or utcnow()), "transactional")
