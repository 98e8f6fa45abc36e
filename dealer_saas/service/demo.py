"""Demo service data for every demo store: the group's labour catalogue and packages, repair
orders in every state (with lines, work time, a rework, payments, a closed one that updated
its car), and today's and tomorrow's appointments. Built through the services so the rows
obey the rules. Idempotent: a store with repair orders is left alone."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random

from sqlalchemy import select

from .. import demo, tenancy
from ..customers.models import CustomerVehicle
from ..extensions import db
from ..tenancy import User
from ..timeutil import from_local, local_today, utcnow
from .models import Appointment, LabourOperation, RepairOrder, ServicePackage
from .services import appointments, catalogue, repair_orders, work
from .settings import workshop

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
    count = max(len(RO_PLAN[:7]), int(len(RO_PLAN) * 3 * staff.scale))
    for n in range(count):
        _repair_order(staff, rng, vehicles[n % len(vehicles)], RO_PLAN[n % len(RO_PLAN)], n)
    _appointments(staff, rng, vehicles)
    db.session.flush()
