"""The customer's confirmation goes out when the appointment is booked (by the desk or
through the public booking link) or moved to another slot: one transactional message per
appointment and slot (idempotent key), in the booking's transaction; none when the store
switched appointment messages off; a customer without a usable mobile still gets booked.
The day-before reminder stays a job (tests/marketing/test_reminders.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dealer_saas import signed_links, tenancy
from dealer_saas.extensions import db
from dealer_saas.marketing import settings as marketing_settings
from dealer_saas.marketing.services.reminders import confirmation_key
from dealer_saas.messaging.models import OutboundMessage
from dealer_saas.service.models import Appointment
from dealer_saas.service.services import appointments
from dealer_saas.timeutil import local

from .. import factories


def _slots(store):
    with tenancy.enter(store.id):
        return appointments.slot_starts(tenancy.store_today() + dt.timedelta(days=1), store)


def _book(w, slot, plate=None):
    return appointments.book({"plate_or_vin": plate or w.vehicle.plate, "slot": slot, "service_type": "maintenance"})


def _confirmations() -> list[OutboundMessage]:
    return list(
        db.session.execute(
            sa.select(OutboundMessage)
            .where(OutboundMessage.idempotency_key.like("reminder:appointment_confirm:%"))
            .order_by(OutboundMessage.id)
        ).scalars()
    )


def test_a_desk_booking_confirms_at_once_and_a_move_confirms_the_new_time(w, in_store):
    slots = _slots(w.store)
    with in_store(w.advisor):
        booked = _book(w, slots[0])
        [first] = _confirmations()
        assert (first.purpose, first.customer_id, first.channel) == ("transactional", w.customer.id, "sms")
        assert first.idempotency_key == confirmation_key(booked) and str(booked.id) in first.idempotency_key
        assert "粤A12345" in first.body and local(slots[0], w.store.timezone).strftime("%m-%d %H:%M") in first.body
        assert first.status in ("queued", "deferred")  # transactional: no consent needed
        # saved again in the same slot (another advisor): nothing more to tell the customer
        appointments.reschedule(booked.id, booked.version, {"slot": local(slots[0], w.store.timezone).isoformat()})
        assert len(_confirmations()) == 1
        appointments.reschedule(booked.id, booked.version, {"slot": local(slots[2], w.store.timezone).isoformat()})
    first_again, moved = _confirmations()
    assert first_again.id == first.id and moved.idempotency_key == confirmation_key(booked)
    assert local(slots[2], w.store.timezone).strftime("%m-%d %H:%M") in moved.body


def test_a_booking_through_the_public_link_confirms_the_request(w, client):
    token = signed_links.issue("service_booking", w.store.id, w.vehicle.id)
    with tenancy.enter(w.store.id):
        slot = appointments.free_slots()[0][0]
    done = client.post(f"/service/book/{token}", data={"slot": slot, "service_type": "repair"})
    assert 'data-testid="public-booked"' in done.get_data(as_text=True)
    booked = db.session.execute(sa.select(Appointment)).scalar_one()
    [message] = _confirmations()
    assert booked.status == "pending" and message.idempotency_key == confirmation_key(booked)
    assert message.customer_id == w.customer.id and message.store_id == w.store.id


def test_no_confirmation_when_switched_off_or_without_a_mobile_and_the_booking_stands(w, in_store):
    slots = _slots(w.store)
    no_mobile = factories.CustomerVehicleFactory(
        store=w.store, owner=factories.CustomerFactory(store=w.store, mobile=None), plate="粤A77777"
    )
    with in_store(w.advisor):
        without = _book(w, slots[0], no_mobile.plate)
    assert without.id and _confirmations() == []
    w.store.settings = {**(w.store.settings or {}), marketing_settings.KEY: {"appointments": False}}
    db.session.flush()
    with in_store(w.advisor):
        switched_off = _book(w, slots[1])
    assert switched_off.id and _confirmations() == []
