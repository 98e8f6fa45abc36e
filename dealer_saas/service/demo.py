"""Demo service data for every demo store: the group's labour catalogue and packages, repair
orders in every state (with lines, work time, a rework, payments, a closed one that updated
its car, walk-around photos, extra work proposed to and answered by the customer), twelve
months of closed ROs as the cars' service history, the next-service rule per model, and
today's and tomorrow's appointments. Built through the services so the rows obey the rules
(the past ROs are written directly: the services only act now). Idempotent: a store with
repair orders is left alone."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import random
import struct
import zlib
from decimal import Decimal

from sqlalchemy import select

from .. import demo, tenancy
from ..customers.models import CustomerVehicle
from ..extensions import db
from ..tenancy import User
from ..timeutil import from_local, local_today, utcnow
from .models import Appointment, LabourOperation, RepairOrder, RepairOrderLine, ServicePackage
from .services import appointments, catalogue, photos, progress, repair_orders, work
from .settings import labour_rates, workshop

#: (code, name, category, body area, standard hours)
OPERATIONS = (
    ("M001", "更换机油及机滤", "maintenance", "engine", "0.50"),
    ("M002", "更换空气滤芯", "maintenance", "engine", "0.30"),
    ("M003", "更换空调滤芯", "maintenance", "interior", "0.30"),
    ("M004", "四轮定位", "maintenance", "chassis", "1.00"),
    ("M005", "更换刹车油", "maintenance", "chassis", "0.80"),
    ("R001", "更换前刹车片", "repair", "chassis", "1.20"),
    ("R002", "更换蓄电池", "repair", "electrical", "0.40"),
    ("R003", "发动机故障诊断", "repair", "engine", "1.00"),
    ("B001", "前保险杠钣金修复", "bodywork", "body", "2.50"),
    ("P001", "前保险杠喷漆", "paint", "body", "3.00"),
    ("W001", "保修：更换车窗升降器", "warranty", "electrical", "1.50"),
    ("D001", "新车PDI检查", "pdi", "body", "1.50"),
)
#: (code, name, price, operation codes)
PACKAGES = (
    ("PK10K", "10000公里保养套餐", "588.00", ("M001", "M002", "M003")),
    ("PK20K", "20000公里保养套餐", "1288.00", ("M001", "M002", "M003", "M004", "M005")),
)
#: the states demo repair orders end in (the first ones are made even at the smallest scale)
RO_PLAN = ("open", "in_progress", "quality_check", "ready", "settled", "closed", "cancelled", "closed", "in_progress")


@contextlib.contextmanager
def as_user(user: User | None):
    ctx = tenancy.current()
    with tenancy.use(dataclasses.replace(ctx, user_id=user.id if user else None)):
        yield


def seed_catalogue() -> None:
    """The group's operations and packages (once per organisation)."""
    if db.session.execute(select(LabourOperation.id).where(LabourOperation.code == "M001")).first() is None:
        for code, name, category, area, std_hours in OPERATIONS:
            catalogue.create_operation(
                {"code": code, "name": name, "category": category, "body_area": area, "standard_hours": std_hours}
            )
    if db.session.execute(select(ServicePackage.id).limit(1)).first() is None:
        by_code = {o.code: o.id for o in catalogue.operations()}
        for code, name, price, codes in PACKAGES:
            catalogue.create_package(
                {
                    "code": code,
                    "name": name,
                    "category": "maintenance",
                    "price": price,
                    "operation_ids": [by_code[c] for c in codes if c in by_code],
                }
            )


def _operation(code: str) -> LabourOperation:
    return db.session.execute(select(LabourOperation).where(LabourOperation.code == code)).scalar_one()


def _package(code: str) -> ServicePackage:
    return db.session.execute(select(ServicePackage).where(ServicePackage.code == code)).scalar_one()


def _repair_order(staff: demo.StoreStaff, rng: random.Random, vehicle: CustomerVehicle, state: str, n: int) -> None:
    advisor, tech = staff.first("service_advisor"), staff.first("technician")
    with as_user(advisor):
        promised = utcnow() + dt.timedelta(hours=rng.choice((2, 3, 5)))
        ro = repair_orders.open_repair_order(
            vehicle.id,
            {
                "mileage_in": (vehicle.mileage or 0) + rng.randrange(50, 3000),
                "fuel_level": rng.choice(("quarter", "half", "three_quarters", "full")),
                "complaints": rng.choice(("常规保养", "刹车有异响", "仪表盘故障灯亮", "前保险杠刮蹭", "空调不凉")),
                "walkaround_notes": rng.choice(("", "左后门轻微划痕", "右前轮毂有擦伤")),
                "promised_at": promised,
            },
        )
        repair_orders.add_package_line(
            ro.id, {"package_id": _package("PK10K").id, "payer": "customer", "technician_id": tech.id}
        )
        second = rng.choice(("R001", "R002", "B001", "W001"))
        repair_orders.add_labour_line(
            ro.id,
            {
                "operation_id": _operation(second).id,
                "payer": "warranty" if second == "W001" else rng.choice(("customer", "customer", "insurer")),
                "technician_id": tech.id,
                "discount": "20.00" if n % 3 == 0 else "0",
            },
        )
    if state in ("open", "in_progress"):
        with as_user(advisor):
            photos.add_photos(ro.id, [_photo(rng, n, k) for k in range(2)])
    if state == "cancelled":
        with as_user(advisor):
            repair_orders.change_state(ro.id, "cancel", reason="客户临时有事，改日再来")
        return
    if state == "open":
        return
    with as_user(tech):
        for line in ro.lines:
            work.work_on_line(line.id, "start")
        if state == "in_progress":
            ro.promised_at = utcnow() - dt.timedelta(minutes=rng.choice((20, 45)))  # overdue on the board
            db.session.flush()
            with as_user(advisor):
                proposal = progress.propose(
                    ro.id, {"operation_id": _operation("R003").id, "note": "仪表盘故障灯亮，建议检测"}
                )
                if n % 2:
                    progress.decide(ro, proposal.id, "approve", "203.0.113.8")
                progress.propose(ro.id, {"operation_id": _operation("M005").id, "note": "刹车油含水量偏高"})
            return
        for line in ro.lines:
            work.work_on_line(line.id, "finish")
            line.actual_minutes = int(line.hours * 60) + rng.randrange(-10, 25)
        db.session.flush()
    if state == "quality_check":
        return
    with as_user(advisor):
        first, *rest = ro.lines
        if n % 2:
            work.check_line(first.id, "fail", "机油液位偏低，请复查")
            with as_user(tech):
                work.work_on_line(first.id, "start")
                work.work_on_line(first.id, "finish")
            first.actual_minutes += 10
        work.check_line(first.id, "pass")
        for line in rest:
            work.check_line(line.id, "pass")
    if state == "ready":
        return
    with as_user(advisor):
        for payer, owed in repair_orders.outstanding_by_payer(ro).items():
            if owed > 0:
                repair_orders.record_payment(
                    ro.id, payer=payer, method=rng.choice(("wechat", "alipay", "card")), amount=owed
                )
        repair_orders.change_state(ro.id, "settle")
        if state == "closed":
            repair_orders.change_state(ro.id, "close")


def _appointments(staff: demo.StoreStaff, rng: random.Random, vehicles: list[CustomerVehicle]) -> None:
    """Tomorrow's bookings through the service (capacity checked); today's, past slots
    included, written directly so the day view and the tile show a day at work."""
    store = staff.store
    rule = workshop(store)
    advisor = staff.first("service_advisor")
    today = local_today(store.timezone)
    tomorrow_slots = appointments.slot_starts(today + dt.timedelta(days=1), store)
    with as_user(advisor):
        for n, vehicle in enumerate(vehicles[: max(2, int(8 * staff.scale))]):
            start = tomorrow_slots[(n * 2) % len(tomorrow_slots)]
            booked = appointments.book(
                {
                    "plate_or_vin": vehicle.plate or vehicle.vin,
                    "slot": start,
                    "service_type": rng.choice(("maintenance", "maintenance", "repair")),
                    "advisor_id": advisor.id if n == 0 else None,
                    "notes": rng.choice(("10000公里保养", "检查异响", "")),
                }
            )
            if n % 2:
                appointments.change_state(booked.id, "confirm")
    statuses = ("confirmed", "booked", "no_show", "cancelled", "booked")
    for n, vehicle in enumerate(vehicles[: max(3, int(10 * staff.scale))]):
        hour = rule.opens_hour + 1 + n
        if hour >= rule.closes_hour:
            break
        db.session.add(
            Appointment(
                customer_id=vehicle.owner_id,
                vehicle_id=vehicle.id,
                starts_at=from_local(dt.datetime.combine(today, dt.time(hour)), store.timezone),
                service_type="maintenance",
                advisor_id=advisor.id,
                status=statuses[n % len(statuses)],
                notes="定期保养",
                created_by_id=advisor.id,
            )
        )
    db.session.flush()


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A small solid-colour PNG (the demo has no camera and no imaging library)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _photo(rng: random.Random, n: int, k: int):
    from werkzeug.datastructures import FileStorage

    colour = rng.choice(((180, 40, 40), (40, 90, 170), (200, 200, 205), (30, 30, 30)))
    return FileStorage(io.BytesIO(_png(48, 32, colour)), filename=f"walkaround-{n}-{k}.png", content_type="image/png")


#: the next-service rule per model in the demo stores (the others keep the store default)
DEMO_INTERVALS = (
    {"model": "ID.4", "months": 12, "km": 15000},
    {"model": "帕萨特", "months": 6, "km": 7500},
    {"model": "A6L", "months": 12, "km": 10000},
)
#: months ago of the past visits, per car with history
PAST_MONTHS = (11, 8, 5, 2)


def _past_history(staff: demo.StoreStaff, rng: random.Random, vehicles: list[CustomerVehicle]) -> None:
    """Closed ROs over the last twelve months (a maintenance package and, now and then, a
    repair), so the cars' service history, the 360 timeline and the reports have a year."""
    store = staff.store
    advisor, tech = staff.first("service_advisor"), staff.first("technician")
    today = local_today(store.timezone)
    package = _package("PK10K")
    repair = _operation("R001")
    rates = labour_rates(store)
    seq = 900
    for vehicle in vehicles[: max(4, int(30 * staff.scale))]:
        current = vehicle.mileage or 20000
        for k, months in enumerate(PAST_MONTHS):
            day = repair_orders.add_months(today, -months) - dt.timedelta(days=rng.randrange(0, 20))
            opened = from_local(dt.datetime.combine(day, dt.time(9 + k)), store.timezone)
            mileage = max(0, current - (len(PAST_MONTHS) - k) * rng.randrange(2500, 4500))
            seq += 1
            ro = RepairOrder(
                number=f"RO-{day.strftime('%Y%m%d')}-{seq}",
                customer_id=vehicle.owner_id,
                vehicle_id=vehicle.id,
                advisor_id=advisor.id if advisor else None,
                status="closed",
                mileage_in=mileage,
                fuel_level="half",
                complaints=rng.choice(("常规保养", "常规保养", "刹车有异响", "更换轮胎咨询")),
                opened_at=opened,
                ready_at=opened + dt.timedelta(hours=3),
                settled_at=opened + dt.timedelta(hours=4),
                closed_at=opened + dt.timedelta(hours=4),
                next_due_date=repair_orders.add_months(day, 6),
                next_due_mileage=mileage + 5000,
            )
            lines = [
                RepairOrderLine(
                    package_id=package.id,
                    description=f"{package.code} {package.name}",
                    category="maintenance",
                    payer="customer",
                    technician_id=tech.id if tech else None,
                    hours=package.hours or Decimal("1.00"),
                    rate=package.price,
                    amount=package.price,
                    status="passed",
                    actual_minutes=int((package.hours or 1) * 60),
                )
            ]
            if k % 2:
                amount = (repair.standard_hours * rates["repair"]).quantize(Decimal("0.01"))
                lines.append(
                    RepairOrderLine(
                        operation_id=repair.id,
                        description=f"{repair.code} {repair.name}",
                        category="repair",
                        payer="customer",
                        technician_id=tech.id if tech else None,
                        hours=repair.standard_hours,
                        rate=rates["repair"],
                        amount=amount,
                        status="passed",
                        actual_minutes=int(repair.standard_hours * 60),
                    )
                )
            ro.lines.extend(lines)
            ro.total = ro.paid_total = sum((line.amount for line in lines), Decimal("0.00"))
            db.session.add(ro)
    db.session.flush()


@demo.seeder(60)
def seed_service(staff: demo.StoreStaff, rng: random.Random) -> None:
    if db.session.execute(select(RepairOrder.id).limit(1)).first() is not None:
        return
    seed_catalogue()
    vehicles = list(
        db.session.execute(
            select(CustomerVehicle).where(CustomerVehicle.owner_id.isnot(None)).order_by(CustomerVehicle.id).limit(40)
        ).scalars()
    )
    if not vehicles:
        return
    store = staff.store
    store.settings = {
        **(store.settings if isinstance(store.settings, dict) else {}),
        "service_intervals": list(DEMO_INTERVALS),
    }
    db.session.flush()
    _past_history(staff, rng, vehicles)
    count = max(len(RO_PLAN[:7]), int(len(RO_PLAN) * 3 * staff.scale))
    for n in range(count):
        _repair_order(staff, rng, vehicles[n % len(vehicles)], RO_PLAN[n % len(RO_PLAN)], n)
    _appointments(staff, rng, vehicles)
    db.session.flush()
