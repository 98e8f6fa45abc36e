"""Customer reminders: each occasion found from its own data (maintenance due with the signed
booking link, insurance lead times, birthday, day-before), and idempotency:
a second run, or a run after a crash halfway, sends nothing more."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa

from dealer_saas import signed_links
from dealer_saas.extensions import db
from dealer_saas.jobs import run_job_now
from dealer_saas.marketing.services import reminders
from dealer_saas.messaging.models import OutboundMessage
from dealer_saas.sales.models import InsurancePolicy
from dealer_saas.service.models import Appointment
from dealer_saas.timeutil import local_day_bounds, local_today, utcnow

from .. import factories


def _messages() -> dict[str, OutboundMessage]:
    return {m.idempotency_key: m for m in db.session.execute(sa.select(OutboundMessage)).scalars()}


def _policy(store, customer, *, expires_on, status="issued", vin=""):
    row = InsurancePolicy(
        store_id=store.id,
        org_id=store.org_id,
        customer_id=customer.id,
        vin=vin,
        insurer="平安",
        premium=decimal.Decimal("4000.00"),
        starts_on=expires_on - dt.timedelta(days=365),
        expires_on=expires_on,
        status=status,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_maintenance_due_within_the_lead_time_carries_a_booking_link(store, in_store):
    today = local_today(store.timezone)
    due = factories.CustomerVehicleFactory(
        store=store, plate="粤A77777", next_service_date=today + dt.timedelta(days=5)
    )
    factories.CustomerVehicleFactory(store=store, next_service_date=today + dt.timedelta(days=30))  # later
    factories.CustomerVehicleFactory(store=store, next_service_date=today - dt.timedelta(days=1))  # past
    with in_store():
        done = reminders.send_daily(today)
    assert done["maintenance"]["queued"] + done["maintenance"].get("deferred", 0) == 1
    (message,) = [m for k, m in _messages().items() if k.startswith("reminder:maintenance:")]
    assert message.idempotency_key == f"reminder:maintenance:{due.id}:{(today + dt.timedelta(days=5)).isoformat()}"
    assert "粤A77777" in message.body and "/service/book/" in message.body
    token = message.body.split("/service/book/")[1].split()[0]
    link = signed_links.read("service_booking", token)
    assert (link.store_id, link.record_id) == (store.id, due.id)


def test_insurance_is_reminded_once_per_lead_time(store, in_store):
    today = local_today(store.timezone)
    customer = factories.CustomerFactory(store=store)
    far = _policy(store, customer, expires_on=today + dt.timedelta(days=55))
    near = _policy(store, factories.CustomerFactory(store=store), expires_on=today + dt.timedelta(days=20))
    _policy(store, customer, expires_on=today + dt.timedelta(days=20), status="quoted")  # not issued
    later = _policy(store, customer, expires_on=today + dt.timedelta(days=90))  # beyond the largest lead
    with in_store():
        reminders.send_daily(today)
        keys = {k for k in _messages() if k.startswith("reminder:insurance:")}
        assert keys == {f"reminder:insurance:{far.id}:60", f"reminder:insurance:{near.id}:30"}
        # 30 days later the far policy is due for its 30-day message, the later one for its 60
        reminders.send_daily(today + dt.timedelta(days=30))
    keys = {k for k in _messages() if k.startswith("reminder:insurance:")}
    assert keys == {
        f"reminder:insurance:{far.id}:60",
        f"reminder:insurance:{near.id}:30",
        f"reminder:insurance:{far.id}:30",
        f"reminder:insurance:{later.id}:60",
    }


def test_the_lead_time_rule():
    assert reminders.insurance_lead(55, (60, 30)) == 60
    assert reminders.insurance_lead(30, (60, 30)) == 30
    assert reminders.insurance_lead(1, (60, 30)) == 30
    assert reminders.insurance_lead(61, (60, 30)) is None


def test_birthdays_and_appointments(store, in_store):
    today = local_today(store.timezone)
    born = factories.CustomerFactory(store=store, birthday=today.replace(year=1990))
    factories.CustomerFactory(store=store, birthday=(today + dt.timedelta(days=1)).replace(year=1990))
    factories.CustomerFactory(store=store, birthday=today.replace(year=1985), mobile=None)  # no mobile
    car = factories.CustomerVehicleFactory(store=store, plate="粤B12121")
    start, _end = local_day_bounds(today + dt.timedelta(days=1), store.timezone)
    tomorrow = Appointment(
        store_id=store.id,
        org_id=store.org_id,
        customer_id=car.owner_id,
        vehicle_id=car.id,
        starts_at=start + dt.timedelta(hours=10),
        status="booked",
    )
    cancelled = Appointment(
        store_id=store.id,
        org_id=store.org_id,
        customer_id=car.owner_id,
        vehicle_id=car.id,
        starts_at=start + dt.timedelta(hours=11),
        status="cancelled",
    )
    db.session.add_all([tomorrow, cancelled])
    db.session.flush()
    with in_store():
        reminders.send_daily(today)
    keys = set(_messages())
    assert f"reminder:birthday:{born.id}:{today.year}" in keys
    assert len([k for k in keys if k.startswith("reminder:birthday:")]) == 1
    assert f"reminder:appointment_reminder:{tomorrow.id}" in keys
    assert not any(str(cancelled.id) == k.rsplit(":", 1)[1] for k in keys if "appointment" in k)
    assert "粤B12121" in _messages()[f"reminder:appointment_reminder:{tomorrow.id}"].body
    assert not any(k.startswith("reminder:appointment_confirm:") for k in keys)  # sent at booking, not by a job


def test_a_store_template_is_used_and_a_switched_off_occasion_is_not_sent(store, in_store):
    from . import factories as mk

    mk.template(store, code="bd", occasion="birthday", body="{门店}祝{客户姓名}生日快乐")
    today = local_today(store.timezone)
    born = factories.CustomerFactory(store=store, name="冯二", birthday=today.replace(year=1991))
    with in_store():
        reminders.send_daily(today)
    message = _messages()[f"reminder:birthday:{born.id}:{today.year}"]
    assert message.body == f"{store.name}祝冯二生日快乐" and message.template == "bd"
    store.settings = {"marketing_reminders": {"birthday": False, "insurance_days": [60, 30]}}
    db.session.flush()
    with in_store():
        assert "birthday" not in reminders.send_daily(today)


def test_running_the_job_twice_or_after_a_crash_sends_each_once(store, in_store, monkeypatch):
    today = local_today(store.timezone)
    cars = [
        factories.CustomerVehicleFactory(store=store, next_service_date=today + dt.timedelta(days=n % 5))
        for n in range(7)
    ]
    # a crash after the 3rd message: the run's work rolls back... or is partly there; either
    # way the rerun completes the set and never doubles it
    monkeypatch.setattr(reminders, "BATCH", 3)
    calls = {"n": 0}
    real = reminders.sending.queue_rows

    def crash_on_second_batch(rows, purpose):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(rows, purpose)

    monkeypatch.setattr(reminders.sending, "queue_rows", crash_on_second_batch)
    try:
        run_job_now("marketing.reminders", store.id)
    except RuntimeError:
        pass
    monkeypatch.setattr(reminders.sending, "queue_rows", real)
    first = run_job_now("marketing.reminders", store.id)
    second = run_job_now("marketing.reminders", store.id)
    keys = [k for k in _messages() if k.startswith("reminder:maintenance:")]
    assert sorted(keys) == sorted(f"reminder:maintenance:{c.id}:{c.next_service_date.isoformat()}" for c in cars)
    assert second["maintenance"]["existing"] == 7 and second["maintenance"]["queued"] == 0
    assert first["maintenance"]["queued"] + first["maintenance"].get("deferred", 0) == 7
    assert utcnow()
