"""The service module's benchmark data: about 3 repair orders per customer (6 per car, as
every second customer has one), each with 2 lines, over the last year (the newest few still
in the workshop, so the board has work on it), and the coming week's appointments, every
slot of every store booked to its capacity (the store's default workshop settings, as the
booking rule allows: 7 days x 10 slots x 3). Set-based: INSERT ... SELECT from the cars,
secondary indexes built after."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa

from .data import _h, build_indexes, drop_secondary_indexes, insert_select

#: repair orders per car (every second customer has a car: about 3 per customer)
ROS_PER_CAR = 6
#: one car in LIVE_EVERY has its newest RO still in the workshop
LIVE_EVERY = 200
TABLES = ("repair_orders", "repair_order_lines", "service_appointments")
OPERATIONS = (
    ("BM001", "更换机油及机滤", "maintenance", "0.50"),
    ("BR001", "更换前刹车片", "repair", "1.20"),
    ("BR002", "发动机故障诊断", "repair", "1.00"),
    ("BB001", "前保险杠钣金修复", "bodywork", "2.50"),
)


def load(connection, org_id: int, echo) -> dict[str, int]:
    from ..service.models import LabourOperation, RepairOrder, RepairOrderLine

    step = time.perf_counter()
    definitions = drop_secondary_indexes(connection, TABLES)
    operation_ids = [
        connection.execute(
            sa.insert(LabourOperation.__table__)
            .values(created_at=sa.func.now())
            .returning(LabourOperation.__table__.c.id),
            {
                "org_id": org_id,
                "code": code,
                "name": name,
                "category": category,
                "body_area": "engine",
                "applicable_models": "",
                "standard_hours": hours,
                "is_active": True,
            },
        ).scalar_one()
        for code, name, category, hours in OPERATIONS
    ]
    counts: dict[str, Any] = {}
    # k = 0 is the newest visit; the newest of one car in LIVE_EVERY is still in the workshop
    live = f"(k = 0 AND {_h(40, 'v.id')} % {LIVE_EVERY} = 0)"
    live_state = f"(ARRAY['open','in_progress','quality_check','ready'])[1 + {_h(41, 'v.id')} % 4]"
    opened = (
        f"CASE WHEN {live} THEN now() - make_interval(mins => {_h(42, 'v.id')} % 1200) "
        f"ELSE now() - make_interval(hours => k * 1440 + {_h(42, 'v.id')} % 1440 + 72) END"
    )
    counts["repair_orders"] = insert_select(
        connection,
        RepairOrder.__table__,
        {
            "org_id": "v.org_id",
            "store_id": "v.store_id",
            "number": "'RO-B' || lpad((v.id * 8 + k)::text, 10, '0')",
            "customer_id": "v.owner_id",
            "vehicle_id": "v.id",
            "status": f"CASE WHEN {live} THEN {live_state} ELSE 'closed' END",
            "mileage_in": "greatest(0, coalesce(v.mileage, 0) - k * 5000)",
            "fuel_level": "'half'",
            "complaints": f"(ARRAY['常规保养','刹车有异响','仪表盘故障灯亮','空调不凉'])[1 + {_h(43, 'v.id')} % 4]",
            "walkaround_notes": "''",
            "promised_at": f"CASE WHEN {live} THEN now() + make_interval(mins => {_h(44, 'v.id')} % 600 - 120) END",
            "opened_at": opened,
            "ready_at": f"CASE WHEN {live} THEN NULL ELSE {opened} + interval '3 hours' END",
            "settled_at": f"CASE WHEN {live} THEN NULL ELSE {opened} + interval '4 hours' END",
            "closed_at": f"CASE WHEN {live} THEN NULL ELSE {opened} + interval '4 hours' END",
            "total": "CAST(:total AS numeric)",
            "paid_total": f"CASE WHEN {live} THEN 0 ELSE CAST(:total AS numeric) END",
            "created_at": opened,
        },
        f"FROM customer_vehicles v CROSS JOIN generate_series(0, {ROS_PER_CAR - 1}) AS k "
        "WHERE v.org_id = :o AND v.owner_id IS NOT NULL",
        o=org_id,
        total="570.00",
    )
    # two lines per RO: the package-like maintenance line and a repair
    line_state = (
        "CASE r.status WHEN 'open' THEN 'pending' WHEN 'in_progress' THEN 'working' "
        "WHEN 'quality_check' THEN 'done' ELSE 'passed' END"
    )
    counts["repair_order_lines"] = 0
    for op_id, (code, name, category, hours), amount in (
        (operation_ids[0], OPERATIONS[0], "90.00"),
        (operation_ids[1], OPERATIONS[1], "480.00"),
    ):
        counts["repair_order_lines"] += insert_select(
            connection,
            RepairOrderLine.__table__,
            {
                "org_id": "r.org_id",
                "store_id": "r.store_id",
                "repair_order_id": "r.id",
                "operation_id": ":op",
                "description": ":description",
                "category": ":category",
                "payer": "'customer'",
                "hours": "CAST(:hours AS numeric)",
                "rate": "CAST(:amount AS numeric) / CAST(:hours AS numeric)",
                "discount": "0",
                "amount": "CAST(:amount AS numeric)",
                "status": line_state,
                "actual_minutes": f"CASE WHEN r.status IN ('open') THEN 0 ELSE {int(float(hours) * 60)} END",
                "technician_id": "t.user_id",
                "created_at": "r.opened_at",
            },
            # the store's technicians numbered 0..n-1, one drawn per RO by a hash
            "FROM repair_orders r LEFT JOIN ("
            "  SELECT m.store_id, m.user_id,"
            "         row_number() OVER (PARTITION BY m.store_id ORDER BY m.user_id) - 1 AS n,"
            "         count(*) OVER (PARTITION BY m.store_id) AS of"
            "  FROM memberships m JOIN roles ro ON ro.id = m.role_id"
            "  WHERE m.org_id = :o AND ro.code = 'technician'"
            f") t ON t.store_id = r.store_id AND t.n = {_h(45, 'r.id')} % t.of "
            "WHERE r.org_id = :o",
            o=org_id,
            op=op_id,
            description=f"{code} {name}",
            category=category,
            hours=hours,
            amount=amount,
        )
    counts["service_appointments"] = load_appointments(connection, org_id)
    build_indexes(connection, definitions)
    echo(
        f"  {counts['repair_orders']} repair orders, {counts['repair_order_lines']} lines, "
        f"{counts['service_appointments']} appointments (INSERT ... SELECT) in {time.perf_counter() - step:.1f} s"
    )
    return counts


def load_appointments(connection, org_id: int) -> int:
    """Today's and the next six days' appointments of every store, each slot of the default
    workshop rule (opening hours, slot length) booked to its capacity, by cars of the store
    drawn by a hash; the slot's local start in the store's zone (Asia/Shanghai)."""
    from ..service.models import Appointment
    from ..service.settings import Workshop

    rule = Workshop()
    slots = (rule.closes_hour - rule.opens_hour) * 60 // rule.slot_minutes
    per_store = 7 * slots * rule.capacity
    return insert_select(
        connection,
        Appointment.__table__,
        {
            "org_id": "v.org_id",
            "store_id": "v.store_id",
            "customer_id": "v.owner_id",
            "vehicle_id": "v.id",
            # n % 7: the day; (n / 7) % slots: the slot of that day (each slot gets capacity rows)
            "starts_at": "date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'"
            " + make_interval(days => CAST(v.n % 7 AS integer),"
            " mins => CAST(:opens * 60 + ((v.n / 7) % :slots) * :length AS integer))",
            "service_type": "'maintenance'",
            "status": "(ARRAY['booked','confirmed','pending'])[1 + CAST(v.n / (7 * :slots) AS integer) % 3]",
            "notes": "''",
            "created_at": "now()",
        },
        f"""FROM (
            SELECT c.*, row_number() OVER (PARTITION BY c.store_id ORDER BY {_h(48, "c.id")}, c.id) - 1 AS n
            FROM customer_vehicles c WHERE c.org_id = :o AND c.owner_id IS NOT NULL
        ) v WHERE v.n < :per_store""",
        o=org_id,
        opens=rule.opens_hour,
        slots=slots,
        length=rule.slot_minutes,
        per_store=per_store,
    )
