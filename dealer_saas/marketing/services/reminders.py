"""Customer reminders, sent by the daily job of each store: maintenance due (with the service
module's signed booking link), insurance renewal (each lead time before the issued policy's
expiry), birthday greeting, and the appointment day-before reminder. The appointment
confirmation goes out when the appointment is booked or moved (``confirm_appointment``, called
by the service module's appointment service in the booking's transaction). Each message has a
key naming its occasion
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
from ...messaging import services as messaging
from ...messaging.models import OutboundMessage
from ...sales.models import InsurancePolicy
from ...service.models import Appointment
from ...timeutil import as_utc, local, local_day_bounds
from .. import links
from ..settings import reminders as reminder_settings
from . import sending, templates

#: appointment states worth a reminder
LIVE_APPOINTMENTS = ("booked", "confirmed")
#: and a confirmation (a request through the public booking link is "pending")
CONFIRMED_APPOINTMENTS = ("pending", *LIVE_APPOINTMENTS)
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


def confirmation_key(appointment: Appointment) -> str:
    """One confirmation per appointment and slot: a booking moved to another time is
    confirmed again, a second save of the same slot sends nothing."""
    return f"reminder:appointment_confirm:{appointment.id}:{as_utc(appointment.starts_at):%Y%m%dT%H%M}"


def confirm_appointment(appointment: Appointment) -> OutboundMessage | None:
    """Queue the customer's confirmation of an appointment just booked or moved (a
    transactional message: the customer asked for it; idempotent key). Nothing when the
    store switched appointment messages off, or the customer has no usable mobile."""
    store = tenancy.writable_store()
    if not reminder_settings(store).appointments or appointment.status not in CONFIRMED_APPOINTMENTS:
        return None
    customer = tenancy.get_or_none(Customer, appointment.customer_id)
    if customer is None or customer.deleted_at is not None or not customer.mobile:
        return None
    vehicle = tenancy.get_or_none(CustomerVehicle, appointment.vehicle_id) if appointment.vehicle_id else None
    code, body = templates.body_for("appointment_confirm")
    values = (
        templates.store_values(store)
        | templates.customer_values(customer, vehicle)
        | {"预约时间": local(appointment.starts_at, store.timezone).strftime("%m-%d %H:%M")}
    )
    try:
        return messaging.queue_message(
            "sms",
            customer.mobile,
            templates.render(body, values),
            confirmation_key(appointment),
            customer.id,
            template=code,
            purpose="transactional",
        )
    except messaging.MessagingError:
        return None  # an unusable number: the booking stands, the message is not sent


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
