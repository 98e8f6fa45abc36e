"""Appointments: slots from the store settings, a booking never overfills a slot, the
advisor's own slot, the transition table, rescheduling, and arrival opening the RO."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.service import settings
from dealer_saas.service.models import APPOINTMENT_STATUSES, Appointment, RepairOrder
from dealer_saas.service.services import appointments
from dealer_saas.service.services.rules import APPOINTMENT_MOVES, ServiceError, ServiceTransitionError
from dealer_saas.timeutil import as_utc

from .. import factories


def _tomorrow_slots(store):
    with tenancy.enter(store.id):
        return appointments.slot_starts(tenancy.store_today() + dt.timedelta(days=1), store)


def _book(w, slot, plate=None, **extra):
    return appointments.book(
        {"plate_or_vin": plate or w.vehicle.plate, "slot": slot, "service_type": "maintenance", **extra}
    )


def test_slots_follow_the_store_settings(w):
    w.store.settings = {"service_workshop": {"slot_minutes": 90, "opens_hour": 9, "closes_hour": 15, "bays": 2}}
    starts = _tomorrow_slots(w.store)
    assert [s.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%H:%M") for s in starts] == [
        "09:00",
        "10:30",
        "12:00",
        "13:30",
    ]
    assert settings.workshop(w.store).capacity == 2  # two bays, three advisors


def test_a_booking_never_overfills_a_slot(w, in_store):
    w.store.settings = {"service_workshop": {"bays": 2, "advisors": 5}}
    slot = _tomorrow_slots(w.store)[1]
    cars = [factories.CustomerVehicleFactory(store=w.store, owner=w.customer) for _ in range(3)]
    with in_store(w.advisor):
        _book(w, slot, cars[0].plate)
        second = _book(w, slot, cars[1].plate)
        with pytest.raises(ServiceError) as full:
            _book(w, slot, cars[2].plate)
        assert full.value.field == "slot" and "约满" in str(full.value)
        appointments.change_state(second.id, "cancel")  # a cancelled booking frees its place
        _book(w, slot, cars[2].plate)
    live = db.session.execute(
        sa.select(sa.func.count(Appointment.id)).where(Appointment.status.in_(("booked", "confirmed")))
    ).scalar()
    assert live == 2


def test_the_chosen_advisor_takes_one_car_per_slot(w, in_store):
    slot = _tomorrow_slots(w.store)[0]
    other = factories.CustomerVehicleFactory(store=w.store, owner=w.customer)
    with in_store(w.advisor):
        _book(w, slot, advisor_id=w.advisor.id, technician_id=w.tech.id)
        with pytest.raises(ServiceError) as busy:
            _book(w, slot, other.plate, advisor_id=w.advisor.id)
    assert busy.value.field == "advisor_id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"slot": "garbage"}, "slot"),
        ({"slot": "2020-01-01T09:00"}, "slot"),
        ({"service_type": "tuning"}, "service_type"),
        ({"plate_or_vin": "粤Z00000"}, "plate_or_vin"),
        ({"plate_or_vin": ""}, "plate_or_vin"),
        ({"advisor_id": "424242"}, "advisor_id"),
        ({"technician_id": "not a number"}, "technician_id"),
    ],
)
def test_bad_bookings_are_refused_and_nothing_saved(w, in_store, change, field):
    slot = _tomorrow_slots(w.store)[0]
    data = {"plate_or_vin": w.vehicle.plate, "slot": slot, "service_type": "maintenance", **change}
    with in_store(w.advisor), pytest.raises(ServiceError) as refused:
        appointments.book(data)
    assert refused.value.field == field
    assert db.session.execute(sa.select(Appointment.id)).first() is None


def test_a_time_between_slots_is_refused(w, in_store):
    slot = _tomorrow_slots(w.store)[0] + dt.timedelta(minutes=13)
    with in_store(w.advisor), pytest.raises(ServiceError) as refused:
        _book(w, slot)
    assert refused.value.field == "slot"


ACTIONS = ("confirm", "no_show", "cancel")


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (s, a)
        for s in APPOINTMENT_STATUSES
        for a in (*ACTIONS, "reschedule", "arrive")
        if (s, a) not in APPOINTMENT_MOVES.actions
    ],
)
def test_every_illegal_appointment_move_is_refused(w, in_store, state, action):
    slots = _tomorrow_slots(w.store)
    with in_store(w.advisor):
        booked = _book(w, slots[0])
        booked.status = state
        db.session.flush()
        with pytest.raises(ServiceTransitionError):
            if action == "reschedule":
                appointments.reschedule(booked.id, None, {"slot": slots[1]})
            elif action == "arrive":
                appointments.arrive(booked.id)
            else:
                appointments.change_state(booked.id, action)
    assert booked.status == state


def test_reschedule_moves_and_books_again(w, in_store):
    slots = _tomorrow_slots(w.store)
    with in_store(w.advisor):
        booked = _book(w, slots[0])
        appointments.change_state(booked.id, "confirm")
        appointments.reschedule(booked.id, booked.version, {"slot": slots[2], "advisor_id": w.advisor.id})
    assert (booked.status, booked.advisor_id) == ("booked", w.advisor.id)
    assert as_utc(booked.starts_at) == slots[2]


def test_reschedule_into_a_full_slot_is_refused(w, in_store):
    w.store.settings = {"service_workshop": {"bays": 1}}
    slots = _tomorrow_slots(w.store)
    other = factories.CustomerVehicleFactory(store=w.store, owner=w.customer)
    with in_store(w.advisor):
        _book(w, slots[1], other.plate)
        mine = _book(w, slots[0])
        with pytest.raises(ServiceError):
            appointments.reschedule(mine.id, None, {"slot": slots[1]})
        appointments.reschedule(mine.id, None, {"slot": slots[0]})  # its own slot stays its own


def test_arrival_opens_the_repair_order_in_one_tap(w, in_store):
    with in_store(w.advisor):
        booked = _book(w, _tomorrow_slots(w.store)[0], notes="刹车异响", advisor_id=w.advisor.id)
        ro = appointments.arrive(booked.id)
    assert booked.status == "arrived" and booked.repair_order_id == ro.id
    assert (ro.vehicle_id, ro.customer_id, ro.mileage_in, ro.complaints, ro.advisor_id) == (
        w.vehicle.id,
        w.customer.id,
        20000,
        "刹车异响",
        w.advisor.id,
    )
    assert db.session.execute(sa.select(sa.func.count(RepairOrder.id))).scalar() == 1


def test_day_view_puts_bookings_in_their_slots(w, in_store):
    slots = _tomorrow_slots(w.store)
    with in_store(w.advisor):
        _book(w, slots[3])
        day = tenancy.store_today() + dt.timedelta(days=1)
        view, loose, cut = appointments.day_view(day)
        free = dict(appointments.free_slots())
    assert [s.booked for s in view][:5] == [0, 0, 0, 1, 0] and not loose and not cut
    assert len(view) == 10 and view[3].capacity == 3
    assert any("余 2" in label for label in free.values())


def test_the_week_view_shows_how_full_each_slot_is(w, in_store, app):
    slots = _tomorrow_slots(w.store)
    other = factories.CustomerVehicleFactory(store=w.store, owner=w.customer)
    with in_store(w.advisor):
        _book(w, slots[0])
        _book(w, slots[0], other.plate)
        today = tenancy.store_today()
        week = appointments.week_view(today)
    assert [d.day for d in week] == [today + dt.timedelta(days=n) for n in range(7)]
    tomorrow = week[1]
    assert tomorrow.slots[0][1:] == (2, 3) and tomorrow.booked == 2 and tomorrow.capacity == 30
    from ..conftest import login

    client = login(app.test_client(), w.tech, w.store)
    body = client.get(f"/service/appointments/week?day={today.isoformat()}").get_data(as_text=True)
    assert f'data-testid="week-day-{(today + dt.timedelta(days=1)).isoformat()}"' in body and "2/3" in body


def test_the_day_rows_show_the_car_customer_advisor_and_hide_a_deleted_customers_name(w, in_store, app):
    from dealer_saas.customers.models import DELETED_NAME

    slots = _tomorrow_slots(w.store)
    other = factories.CustomerVehicleFactory(store=w.store)
    with in_store(w.advisor):
        kept = _book(w, slots[1], advisor_id=w.advisor.id)
        gone = _book(w, slots[2], other.plate)
        other.owner.deleted_at = dt.datetime.now(dt.UTC)
        db.session.flush()
        day = tenancy.store_today() + dt.timedelta(days=1)
        view, _loose, _cut = appointments.day_view(day)
    rows = {r.id: r for slot in view for r in slot.appointments}
    assert (rows[kept.id].plate, rows[kept.id].customer, rows[kept.id].advisor) == (
        w.vehicle.plate,
        w.customer.name,
        w.advisor.name,
    )
    assert (rows[gone.id].plate, rows[gone.id].customer, rows[gone.id].advisor) == (other.plate, str(DELETED_NAME), "")
    assert other.owner.name not in rows[gone.id].customer


def test_the_day_statement_built_once_binds_each_day_and_store(w, in_store):
    """``_day_select`` is one statement per process: the day's bounds and the tenant's store
    are bound each time it runs (tomorrow's booking is not today's; the roll-up's paged day
    binds them on the same statement)."""
    slots = _tomorrow_slots(w.store)
    sibling = factories.StoreFactory(organisation=w.store.organisation)
    with in_store(w.advisor):
        booked = _book(w, slots[4])
        today = tenancy.store_today()
        tomorrow = today + dt.timedelta(days=1)
        on_the_day = [r.id for slot in appointments.day_view(tomorrow)[0] for r in slot.appointments]
        the_day_before = [r.id for slot in appointments.day_view(today)[0] for r in slot.appointments]
    with in_store(target=sibling):
        elsewhere = [r.id for slot in appointments.day_view(tomorrow)[0] for r in slot.appointments]
    assert on_the_day == [booked.id] and the_day_before == [] and elsewhere == []
    assert appointments._day_select() is appointments._day_select()
    with in_store(w.advisor):
        assert [r.id for r in appointments.rollup_day(tomorrow).items] == [booked.id]
        assert appointments.rollup_day(today).items == []
