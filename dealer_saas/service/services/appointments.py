"""Workshop appointments: the day's slots from the store settings, booking that never
overfills a slot (counted under the store row lock, inside the transaction), confirm,
reschedule, no-show, cancel, and arrival turning the booking into a repair order."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from ... import audit, pagination, tenancy
from ...customers.models import Customer, CustomerVehicle, shown_name
from ...extensions import db
from ...tenancy import User
from ...timeutil import DEFAULT_TZ, as_utc, from_local, local, local_day_bounds, utcnow
from .. import settings
from ..models import CATEGORIES, Appointment, RepairOrder
from . import repair_orders
from .rules import (
    APPOINTMENT_MOVES,
    LIVE_APPOINTMENT_STATES,
    ServiceError,
    ServiceStale,
    advisors,
    check_staff,
    ctx,
    lock_store,
    technicians,
)

#: how far ahead the desk may book
MAX_DAYS_AHEAD = 90


@dataclass
class Slot:
    starts_at: dt.datetime
    label: str
    capacity: int
    appointments: list[DayRow] = field(default_factory=list)

    @property
    def booked(self) -> int:
        return sum(1 for a in self.appointments if a.status in LIVE_APPOINTMENT_STATES)

    @property
    def is_full(self) -> bool:
        return self.booked >= self.capacity

    @property
    def is_past(self) -> bool:
        return self.starts_at < utcnow()


def slot_starts(day: dt.date, store: Any) -> list[dt.datetime]:
    """The UTC starts of a store's slots on a local day (opening hours, slot length)."""
    rule = settings.workshop(store)
    first = dt.datetime.combine(day, dt.time(rule.opens_hour))
    last = dt.datetime.combine(day, dt.time.min) + dt.timedelta(hours=rule.closes_hour)
    starts, at = [], first
    while at + dt.timedelta(minutes=rule.slot_minutes) <= last:
        starts.append(from_local(at, store.timezone))
        at += dt.timedelta(minutes=rule.slot_minutes)
    return starts


#: at most this many appointments on a day's page of a store (a store's slots hold far
#: fewer: ten slots of three by default)
DAY_LIMIT = 300
#: the roll-up's day (every store's bookings, the earliest first) comes this many at a
#: time, with "more" (a group manager looks at the next hours of the group, or switches to
#: one store for its slots)
ROLLUP_DAY_PAGE = 100
ROLLUP_DAY_SORT = pagination.Sort("time", (Appointment.starts_at, Appointment.id))


@dataclass
class DayRow:
    """One booking on the day's page, read as columns (no ORM rows: the roll-up's
    bookings with their customers, cars and advisors cost more to build than to query),
    its local time formatted here with the page's one time zone."""

    id: int
    starts_at: dt.datetime
    time: str
    status: str
    service_type: str
    store_id: int
    plate: str
    customer: str
    advisor: str


@functools.cache
def _day_select() -> sa.Select:
    """The bookings between ``:day_start`` and ``:day_end``, built once per process (the
    statement's construction cost more Python than its rows); the bounds bound per request."""
    advisor = aliased(User)
    starts_at = Appointment.__table__.c.starts_at.type
    return (
        select(
            Appointment.id,
            Appointment.starts_at,
            Appointment.status,
            Appointment.service_type,
            Appointment.store_id,
            CustomerVehicle.plate,
            shown_name(),
            advisor.name.label("advisor"),
        )
        .outerjoin(Customer, Customer.id == Appointment.customer_id)
        .outerjoin(CustomerVehicle, CustomerVehicle.id == Appointment.vehicle_id)
        .outerjoin(advisor, advisor.id == Appointment.advisor_id)
        .where(
            Appointment.starts_at >= sa.bindparam("day_start", type_=starts_at),
            Appointment.starts_at < sa.bindparam("day_end", type_=starts_at),
        )
    )


@functools.cache
def _day_in_order(limit: int) -> sa.Select:
    return _day_select().order_by(Appointment.starts_at, Appointment.id).limit(limit)


def _day_bounds(day: dt.date, tz: str | None) -> dict[str, dt.datetime]:
    start, end = local_day_bounds(day, tz)
    return {"day_start": start, "day_end": end}


def _day_rows(rows: Any, tz: str | None) -> list[DayRow]:
    """DayRows of the rows (or tuples) of :func:`_day_select`."""
    zone = ZoneInfo(tz or DEFAULT_TZ)
    return [
        DayRow(
            id=ident,
            starts_at=starts_at,
            time=as_utc(starts_at).astimezone(zone).strftime("%H:%M"),
            status=status,
            service_type=service_type,
            store_id=store_id,
            plate=plate or "",
            customer=name,
            advisor=advisor or "",
        )
        for ident, starts_at, status, service_type, store_id, plate, name, advisor in rows
    ]


def _day_appointments(day: dt.date, tz: str | None, limit: int) -> list[DayRow]:
    return _day_rows(db.session.execute(_day_in_order(limit), _day_bounds(day, tz)).all(), tz)


def rollup_day(day: dt.date, after: str | None = None) -> pagination.Page[DayRow]:
    """Every store's bookings of the day in the roll-up, :data:`ROLLUP_DAY_PAGE` at a
    time, the earliest first (keyset on the start and id: ``(org_id, starts_at, id)``)."""
    page = pagination.keyset_page(
        _day_select().params(_day_bounds(day, None)), ROLLUP_DAY_SORT, after, ROLLUP_DAY_PAGE, scalars=False
    )
    page.items = _day_rows(page.items, None)
    return page


def day_view(day: dt.date) -> tuple[list[Slot], list[DayRow], bool]:
    """The active store's slots of the day with their appointments; in the roll-up there
    are no slots (each store has its own), only every store's appointments of the day
    (the page uses :func:`rollup_day`, a page at a time). At most :data:`DAY_LIMIT`
    appointments, the earliest; the flag tells there were more."""
    store = tenancy.current_store()
    rows = _day_appointments(day, store.timezone if store else None, DAY_LIMIT + 1)
    cut = len(rows) > DAY_LIMIT
    rows = rows[:DAY_LIMIT]
    if store is None:
        return [], rows, cut
    rule = settings.workshop(store)
    slots = [
        Slot(start, local(start, store.timezone).strftime("%H:%M"), rule.capacity) for start in slot_starts(day, store)
    ]
    length = dt.timedelta(minutes=rule.slot_minutes)
    loose = []
    for row in rows:
        at = as_utc(row.starts_at)
        slot = next((s for s in slots if s.starts_at <= at < s.starts_at + length), None)
        (slot.appointments if slot else loose).append(row)
    return slots, loose, cut


def get_appointment(appointment_id: Any) -> Appointment:
    return tenancy.get_or_404(Appointment, appointment_id)


def appointment_for_page(appointment_id: Any) -> Appointment:
    """An appointment (or 404) with the customer, the car and the chosen staff joined in
    the same statement, read fresh (the page is drawn again after a change)."""
    return tenancy.get_or_404(
        Appointment,
        appointment_id,
        joinedload(Appointment.customer),
        joinedload(Appointment.vehicle),
        joinedload(Appointment.advisor),
        joinedload(Appointment.technician),
        fresh=True,
    )


def _check_slot(store: Any, starts_at: dt.datetime, *, advisor_id: int | None, exclude_id: int | None) -> None:
    """The slot exists, is not past, and has room (and the chosen advisor is free in it).
    Counted after taking the store lock, so two bookings cannot both take the last place."""
    starts_at = as_utc(starts_at)
    if starts_at not in slot_starts(local(starts_at, store.timezone).date(), store):
        raise ServiceError(_("请选择营业时间内的预约时段。"), "slot")
    if starts_at < utcnow():
        raise ServiceError(_("该时段已过，请选择之后的时段。"), "slot")
    if starts_at > utcnow() + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ServiceError(_("最多可预约 %(n)s 天以内。", n=MAX_DAYS_AHEAD), "slot")
    rule = settings.workshop(store)
    lock_store(store)
    live = select(func.count(Appointment.id)).where(
        Appointment.starts_at == starts_at, Appointment.status.in_(LIVE_APPOINTMENT_STATES)
    )
    if exclude_id is not None:
        live = live.where(Appointment.id != exclude_id)
    if db.session.execute(live).scalar_one() >= rule.capacity:
        raise ServiceError(_("该时段已约满，请选择其他时段。"), "slot")
    if advisor_id is not None:
        busy = db.session.execute(live.where(Appointment.advisor_id == advisor_id)).scalar_one()
        if busy:
            raise ServiceError(_("该服务顾问在此时段已有预约。"), "advisor_id")


def _parse_slot(value: Any, tz: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return from_local(value, tz) if value.tzinfo is None else as_utc(value)
    try:
        return from_local(dt.datetime.fromisoformat(str(value)), tz)
    except (TypeError, ValueError):
        raise ServiceError(_("请选择预约时段。"), "slot") from None


#: called with every appointment just booked (by staff or through the public booking link)
#: or moved to another slot, inside the booking's transaction: the marketing module queues
#: the customer's confirmation there (``marketing.services.reminders.confirm_appointment``)
ON_BOOKED: list[Callable[[Appointment], None]] = []


def _booked(appointment: Appointment) -> None:
    db.session.flush()
    for hook in ON_BOOKED:
        hook(appointment)


def book(data: dict[str, Any]) -> Appointment:
    """Book a car (by plate or VIN) into a slot for a service type, with an optional
    advisor and technician. ``data["slot"]`` is the slot's local start."""
    store = tenancy.writable_store()
    vehicle: CustomerVehicle = repair_orders.find_vehicle(data.get("plate_or_vin") or "")
    if data.get("service_type") not in CATEGORIES:
        raise ServiceError(_("请选择服务类型。"), "service_type")
    advisor_id = check_staff(data.get("advisor_id"), advisors(), "advisor_id", _("请选择本店的服务顾问。"))
    technician_id = check_staff(data.get("technician_id"), technicians(), "technician_id", _("请选择本店的技师。"))
    starts_at = _parse_slot(data.get("slot"), store.timezone)
    _check_slot(store, starts_at, advisor_id=advisor_id, exclude_id=None)
    appointment = Appointment(
        customer_id=vehicle.owner_id,
        vehicle_id=vehicle.id,
        starts_at=starts_at,
        service_type=data["service_type"],
        advisor_id=advisor_id,
        technician_id=technician_id,
        notes=(data.get("notes") or "").strip()[:500],
        created_by_id=ctx().user_id,
    )
    db.session.add(appointment)
    db.session.flush()
    audit.record("create", appointment, after=audit.snapshot(appointment), summary=vehicle.plate or vehicle.vin)
    _booked(appointment)
    return appointment


#: the public booking page offers this many days ahead
PUBLIC_DAYS = 14


def book_from_link(vehicle_id: int, data: dict[str, Any]) -> Appointment:
    """The customer books their own car through a signed link: a pending appointment in
    a free slot of the next 14 days of the link's store, and nothing else."""
    store = tenancy.writable_store()
    vehicle = tenancy.get_or_none(CustomerVehicle, vehicle_id)
    if vehicle is None or vehicle.owner_id is None:
        raise ServiceError(_("该链接已失效。"))
    if data.get("service_type") not in CATEGORIES:
        raise ServiceError(_("请选择服务类型。"), "service_type")
    starts_at = _parse_slot(data.get("slot"), store.timezone)
    if starts_at > utcnow() + dt.timedelta(days=PUBLIC_DAYS):
        raise ServiceError(_("请选择预约时段。"), "slot")
    _check_slot(store, starts_at, advisor_id=None, exclude_id=None)
    appointment = Appointment(
        customer_id=vehicle.owner_id,
        vehicle_id=vehicle.id,
        starts_at=starts_at,
        service_type=data["service_type"],
        status="pending",
        notes=(data.get("notes") or "").strip()[:500],
    )
    db.session.add(appointment)
    db.session.flush()
    audit.record("create", appointment, after=audit.snapshot(appointment), summary=_("客户自助预约"))
    _booked(appointment)
    return appointment


def change_state(appointment_id: Any, action: str) -> Appointment:
    """confirm, no_show or cancel, as the table allows."""
    if action not in ("confirm", "no_show", "cancel"):
        raise ServiceError(_("未知操作。"))
    appointment = get_appointment(appointment_id)
    APPOINTMENT_MOVES.apply_action(appointment, action)
    return appointment


def reschedule(appointment_id: Any, version: Any, data: dict[str, Any]) -> Appointment:
    """Move a booking to another slot (it is booked again, to be confirmed again)."""
    store = tenancy.writable_store()
    appointment = get_appointment(appointment_id)
    if version not in (None, "") and str(version) != str(appointment.version):
        raise ServiceStale()
    target = APPOINTMENT_MOVES.target_of(appointment, "reschedule")
    advisor_id = check_staff(data.get("advisor_id"), advisors(), "advisor_id", _("请选择本店的服务顾问。"))
    technician_id = check_staff(data.get("technician_id"), technicians(), "technician_id", _("请选择本店的技师。"))
    starts_at = _parse_slot(data.get("slot"), store.timezone)
    _check_slot(store, starts_at, advisor_id=advisor_id, exclude_id=appointment.id)
    APPOINTMENT_MOVES.apply(
        appointment,
        target,
        changes={"starts_at": starts_at, "advisor_id": advisor_id, "technician_id": technician_id},
        checked=True,
    )
    _booked(appointment)
    return appointment


def arrive(appointment_id: Any) -> RepairOrder:
    """The customer is here: one tap opens the repair order (the car's last mileage, the
    booking's notes as the complaint, its advisor) and marks the booking arrived."""
    appointment = get_appointment(appointment_id)
    target = APPOINTMENT_MOVES.target_of(appointment, "arrive")
    if appointment.vehicle_id is None:
        raise ServiceError(_("预约没有登记车辆，请从接车开单。"))
    vehicle = appointment.vehicle
    ro = repair_orders.open_repair_order(
        vehicle.id,
        {
            "mileage_in": vehicle.mileage or 0,
            "fuel_level": "half",
            "complaints": appointment.notes or str(CATEGORIES[appointment.service_type]),
            "advisor_id": appointment.advisor_id,
        },
    )
    APPOINTMENT_MOVES.apply(appointment, target, changes={"repair_order_id": ro.id}, checked=True)
    return ro


def today_count() -> int:
    """Live appointments today (the store's, or every store's in the roll-up)."""
    store = tenancy.current_store()
    start, end = local_day_bounds(tenancy.store_today(), store.timezone if store else None)
    return db.session.execute(
        select(func.count(Appointment.id)).where(
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
            Appointment.status.in_(LIVE_APPOINTMENT_STATES),
        )
    ).scalar_one()


def free_slots(days: int = 14, *, keep: dt.datetime | None = None) -> list[tuple[str, str]]:
    """(local ISO start, label) of the active store's slots with room in the next ``days``
    days, for the booking and rescheduling forms (one count query). ``keep`` stays listed
    (the slot a form was already filled with). Empty in the roll-up."""
    store = tenancy.current_store()
    if store is None:
        return []
    rule = settings.workshop(store)
    today = tenancy.store_today()
    starts = [s for n in range(days) for s in slot_starts(today + dt.timedelta(days=n), store) if s > utcnow()]
    if not starts:
        return []
    counts = dict(
        db.session.execute(
            select(Appointment.starts_at, func.count(Appointment.id))
            .where(
                Appointment.starts_at >= starts[0],
                Appointment.starts_at <= starts[-1],
                Appointment.status.in_(LIVE_APPOINTMENT_STATES),
            )
            .group_by(Appointment.starts_at)
        ).all()
    )
    booked = {as_utc(at): n for at, n in counts.items()}
    keep = as_utc(keep) if keep is not None else None
    result = []
    for start in starts:
        left = rule.capacity - booked.get(start, 0)
        if left > 0 or start == keep:
            at = local(start, store.timezone)
            result.append(
                (
                    at.replace(tzinfo=None).isoformat(timespec="minutes"),
                    _("%(t)s（余 %(n)s）", t=at.strftime("%m-%d %H:%M"), n=max(left, 0)),
                )
            )
    return result


@dataclass
class DayLoad:
    day: dt.date
    slots: list[tuple[str, int, int]]  # (local start "HH:MM", booked, capacity)

    @property
    def booked(self) -> int:
        return sum(n for _label, n, _cap in self.slots)

    @property
    def capacity(self) -> int:
        return sum(cap for _label, _n, cap in self.slots)


def week_view(first_day: dt.date) -> list[DayLoad]:
    """Seven days from ``first_day``: each slot's bookings against its capacity (one
    grouped count). Empty in the roll-up (every store has its own slots)."""
    store = tenancy.current_store()
    if store is None:
        return []
    rule = settings.workshop(store)
    days = [first_day + dt.timedelta(days=n) for n in range(7)]
    start, _ = local_day_bounds(days[0], store.timezone)
    _, end = local_day_bounds(days[-1], store.timezone)
    counts = {
        as_utc(at): n
        for at, n in db.session.execute(
            select(Appointment.starts_at, func.count(Appointment.id))
            .where(
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status.in_(LIVE_APPOINTMENT_STATES),
            )
            .group_by(Appointment.starts_at)
        ).all()
    }
    return [
        DayLoad(
            day,
            [
                (local(s, store.timezone).strftime("%H:%M"), counts.get(s, 0), rule.capacity)
                for s in slot_starts(day, store)
            ],
        )
        for day in days
    ]
