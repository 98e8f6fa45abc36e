"""Test-drive rules: the day's demo-car bookings, no overlapping booking of one car (the car
row is locked), the licence check and signed waiver before a drive is done, feedback after
it, and the booked -> done / cancelled / no_show table. A slot is booked from now on (never
in the past) and is marked done or no-show only once it has started. A demo car with drives still booked
cannot be transferred (an inventory transfer check).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, domain, pagination, tenancy, visibility
from ...extensions import db
from ...inventory import services as inventory
from ...inventory.models import StockVehicle
from ...timeutil import as_utc, local, local_day_bounds, utcnow
from ...validation import bounded_id
from ..models import TEST_DRIVE_STATUSES, TestDrive
from ._common import InvalidTransition, SalesError, StaleEdit, _ctx, _visible, card_for_customer, customer_for_sales

#: test drive states: booked -> done / cancelled / no_show
TEST_DRIVE_MOVES = domain.Transitions(
    {"booked": {"done", "cancelled", "no_show"}, "done": set(), "cancelled": set(), "no_show": set()},
    TEST_DRIVE_STATUSES,
    error=InvalidTransition,
    stale=StaleEdit,
)
TEST_DRIVE_TRANSITIONS = TEST_DRIVE_MOVES.moves


def test_drive_day(day: dt.date, tz: str | None) -> tuple[list[StockVehicle], dict[int, list[TestDrive]]]:
    """The demo cars and each car's bookings on a local day in ``tz`` (two queries); in the
    roll-up, every store's."""
    start, end = local_day_bounds(day, tz)
    cars = inventory.demo_cars()
    drives = (
        db.session.execute(
            select(TestDrive)
            .where(TestDrive.starts_at >= start, TestDrive.starts_at < end)
            .options(joinedload(TestDrive.customer), joinedload(TestDrive.consultant))
            .order_by(TestDrive.starts_at, TestDrive.id)
        )
        .scalars()
        .all()
    )
    by_car: dict[int, list[TestDrive]] = {c.id: [] for c in cars}
    for drive in drives:
        by_car.setdefault(drive.vehicle_id, []).append(drive)
    return cars, by_car


@inventory.transfer_check
def _no_booked_test_drives(vehicle: StockVehicle) -> str | None:
    """A demo car with test drives still booked stays until they are done or cancelled."""
    booked = db.session.execute(
        select(TestDrive.id).where(TestDrive.vehicle_id == vehicle.id, TestDrive.status == "booked").limit(1)
    ).scalar()
    if booked is not None:
        return _("该试驾车还有未完成的试驾预约，请先完成或取消预约再调拨。")
    return None


def my_upcoming_test_drives(limit: int = 20) -> list[TestDrive]:
    """The user's booked test drives from now on."""
    return list(
        db.session.execute(
            select(TestDrive)
            .where(
                TestDrive.consultant_id == _ctx().user_id,
                TestDrive.status == "booked",
                TestDrive.starts_at >= utcnow() - dt.timedelta(hours=2),
            )
            .options(
                joinedload(TestDrive.customer), joinedload(TestDrive.vehicle).joinedload(StockVehicle.vehicle_model)
            )
            .order_by(TestDrive.starts_at)
            .limit(limit)
        ).scalars()
    )


def get_test_drive(test_drive_id: Any) -> TestDrive:
    return _visible(
        TestDrive,
        test_drive_id,
        joinedload(TestDrive.customer),
        joinedload(TestDrive.vehicle).joinedload(StockVehicle.vehicle_model),
        joinedload(TestDrive.consultant),
    )


def book_test_drive(
    *,
    customer_id: int,
    vehicle_id: Any,
    starts_at: dt.datetime,
    duration_minutes: int,
    licence_number: str = "",
    card_id: int | None = None,
) -> TestDrive:
    """Book a demo car for a slot. The car row is locked first, so two bookings of one car
    cannot overlap even at the same instant. Raises SalesError (field-tagged)."""
    customer = customer_for_sales(customer_id)
    card = card_for_customer(card_id, customer)
    if not duration_minutes or duration_minutes < 10 or duration_minutes > 240:
        raise SalesError(_("试驾时长应在 10 到 240 分钟之间。"), "duration_minutes")
    try:
        car = inventory.lock_vehicle(bounded_id(vehicle_id) or -1)
    except inventory.VehicleUnavailable:
        raise SalesError(_("请选择试驾车。"), "vehicle_id") from None
    if not car.is_demo or car.state == "delivered":
        raise SalesError(_("该车辆不是试驾车。"), "vehicle_id")
    starts_at = as_utc(starts_at)
    # the form has minute precision: the current minute is not the past
    if starts_at < utcnow().replace(second=0, microsecond=0):
        now = local(utcnow(), tenancy.store_timezone()).strftime("%Y-%m-%d %H:%M")
        raise SalesError(_("不能预约过去的时间：试驾开始时间须晚于现在（%(now)s）。", now=now), "starts_at")
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    clash = db.session.execute(
        select(TestDrive)
        .where(
            TestDrive.vehicle_id == car.id,
            TestDrive.status == "booked",
            TestDrive.starts_at < ends_at,
            TestDrive.ends_at > starts_at,
        )
        .order_by(TestDrive.starts_at)
        .limit(1)
    ).scalar_one_or_none()
    if clash is not None:
        tz = tenancy.store_timezone()
        raise SalesError(
            _(
                "该试驾车在 %(a)s–%(b)s 已有预约，请换一个时间或车辆。",
                a=local(clash.starts_at, tz).strftime("%H:%M"),
                b=local(clash.ends_at, tz).strftime("%H:%M"),
            ),
            "starts_at",
        )
    drive = TestDrive(
        customer_id=customer.id,
        card_id=card.id if card else None,
        vehicle_id=car.id,
        consultant_id=_ctx().user_id,
        starts_at=starts_at,
        ends_at=ends_at,
        licence_number=(licence_number or "").strip().upper(),
    )
    db.session.add(drive)
    db.session.flush()
    audit.record("create", drive, after=audit.snapshot(drive), summary=f"{customer.name} {car.vin}")
    return drive


def check_in_test_drive(
    test_drive_id: Any, *, licence_number: str, licence_checked: bool, waiver_signed: bool
) -> TestDrive:
    """Record the driving licence and the signed waiver before the drive (booked only)."""
    drive = get_test_drive(test_drive_id)
    if drive.status != "booked":
        raise SalesError(_("只有已预约的试驾可以登记驾照。"))
    licence_number = (licence_number or "").strip().upper()
    if licence_checked and not licence_number:
        raise SalesError(_("请填写驾驶证号。"), "licence_number")
    fields = ["licence_number", "licence_checked", "waiver_signed"]
    before = audit.snapshot(drive, fields)
    drive.licence_number, drive.licence_checked, drive.waiver_signed = licence_number, licence_checked, waiver_signed
    db.session.flush()
    audit.record("update", drive, before=before, after=audit.snapshot(drive, fields))
    return drive


def change_test_drive_state(test_drive_id: Any, new_state: str) -> TestDrive:
    """booked -> done (only once the slot has started, with the licence checked and the
    waiver signed), cancelled, or no_show (once the slot has started). Raises
    InvalidTransition / SalesError."""
    drive = get_test_drive(test_drive_id)
    if new_state in ("done", "no_show") and drive.status == "booked" and utcnow() < as_utc(drive.starts_at):
        starts = local(drive.starts_at, tenancy.store_timezone()).strftime("%m-%d %H:%M")
        raise SalesError(
            _(
                "试驾时段 %(t)s 尚未开始，不能标记为“%(s)s”。",
                t=starts,
                s=TEST_DRIVE_STATUSES[new_state],
            )
        )
    if new_state == "done" and drive.status == "booked":
        if not (drive.licence_checked and drive.licence_number):
            raise SalesError(_("试驾前须核验驾驶证。"))
        if not drive.waiver_signed:
            raise SalesError(_("试驾前须签署试驾协议。"))
    TEST_DRIVE_MOVES.apply(drive, new_state)
    return drive


def record_test_drive_feedback(test_drive_id: Any, *, rating: int | None, feedback: str) -> TestDrive:
    """The customer's feedback and a 1-5 rating, after the drive (done only)."""
    drive = get_test_drive(test_drive_id)
    if drive.status != "done":
        raise SalesError(_("试驾完成后才能填写反馈。"))
    if rating is not None and not 1 <= rating <= 5:
        raise SalesError(_("评分应为 1 到 5。"), "rating")
    before = audit.snapshot(drive, ["rating", "feedback"])
    drive.rating, drive.feedback = rating, (feedback or "").strip()
    db.session.flush()
    audit.record("update", drive, before=before, after=audit.snapshot(drive, ["rating", "feedback"]))
    return drive


def test_drives_today_count() -> int:
    """Drives booked or done today (a consultant's own). In the roll-up: every store's,
    "today" in the default zone (there is no single store)."""
    start, end = local_day_bounds(tenancy.store_today(), tenancy.store_timezone())
    stmt = select(TestDrive.id).where(
        TestDrive.starts_at >= start, TestDrive.starts_at < end, TestDrive.status.in_(("booked", "done"))
    )
    stmt = visibility.restrict(stmt, visibility.mine(TestDrive.consultant_id))
    return pagination.count_upto(stmt, 999)[0]
