"""Reading repair orders: an RO by id (or 404) with what each page shows loaded up front,
a car's RO history, a car found by plate or VIN. Split from ``repair_orders`` (which
re-exports these) to keep the rules' file to one aggregate's changes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ... import tenancy
from ...customers.models import CustomerVehicle
from ...extensions import db
from ...validation import bounded_id
from ..models import RepairOrder
from .rules import ServiceError


def get_repair_order(repair_order_id: Any) -> RepairOrder:
    """An RO of the store (or of the roll-up's stores), or 404."""
    return tenancy.get_or_404(RepairOrder, repair_order_id)


def repair_order_for_page(repair_order_id: Any, *, full: bool = False) -> RepairOrder:
    """An RO (or 404) with what its page shows loaded up front: customer, car and advisor
    joined, the lines (with their technicians) in one more select. ``full`` (a refused form
    re-rendered with every panel inline) adds payments, photos and proposals, one select
    each; otherwise those panels load as fragments of their own."""
    from ..models import RepairOrderLine as Line

    ident = bounded_id(repair_order_id)
    if ident is None:
        abort(404)
    options = [
        joinedload(RepairOrder.customer),
        joinedload(RepairOrder.vehicle),
        joinedload(RepairOrder.advisor),
        selectinload(RepairOrder.lines).joinedload(Line.technician),
    ]
    if full:
        options += [
            selectinload(RepairOrder.payments),
            selectinload(RepairOrder.photos),
            selectinload(RepairOrder.proposals),
        ]
    stmt = tenancy.with_store_of(select(RepairOrder).where(RepairOrder.id == ident), RepairOrder)
    row = db.session.execute(stmt.options(*options)).one_or_none()
    if row is None:
        abort(404)
    tenancy.keep_stores_of(row)  # the page prints the store's name and rules
    return row[0]


def repair_order_for_statement(repair_order_id: Any) -> RepairOrder:
    """An RO (or 404) with what its printable statement shows, in one statement: customer,
    car, advisor, labour lines and payments (a few of each: their product is small)."""
    return tenancy.get_or_404(
        RepairOrder,
        repair_order_id,
        joinedload(RepairOrder.customer),
        joinedload(RepairOrder.vehicle),
        joinedload(RepairOrder.advisor),
        joinedload(RepairOrder.lines),
        joinedload(RepairOrder.payments),
    )


def repair_order_with(repair_order_id: Any, *collections: str) -> RepairOrder:
    """An RO (or 404) with the named collections (``payments``, ``photos``, ``proposals``)
    joined in the same statement: a panel of the RO page loaded on its own."""
    ident = bounded_id(repair_order_id)
    if ident is None:
        abort(404)
    stmt = tenancy.with_store_of(select(RepairOrder).where(RepairOrder.id == ident), RepairOrder)
    for name in collections:
        stmt = stmt.options(joinedload(getattr(RepairOrder, name)))
    row = db.session.execute(stmt).unique().one_or_none()
    if row is None:
        abort(404)
    tenancy.keep_stores_of(row)  # the panels print the store's name and rules
    return row[0]


def vehicle_for_history(customer_vehicle_id: Any) -> CustomerVehicle:
    """A car of the store (or 404) with its owner joined: the service history page."""
    return tenancy.get_or_404(CustomerVehicle, customer_vehicle_id, joinedload(CustomerVehicle.owner))


def find_vehicle(plate_or_vin: str) -> CustomerVehicle:
    """The store's car with this plate or VIN (the reception desk types either)."""
    value = "".join((plate_or_vin or "").split()).upper().replace("·", "").replace(".", "")[:17]
    if not value:
        raise ServiceError(_("请输入车牌号或车架号。"), "plate_or_vin")
    vehicle = db.session.execute(
        select(CustomerVehicle)
        .where(sa.or_(CustomerVehicle.plate == value, CustomerVehicle.vin == value))
        .order_by(CustomerVehicle.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if vehicle is None:
        raise ServiceError(_("本店没有车牌号或车架号为 %(v)s 的车辆，请先在客户档案中登记。", v=value), "plate_or_vin")
    if vehicle.owner_id is None:
        raise ServiceError(_("该车辆没有车主，请先在客户档案中登记车主。"), "plate_or_vin")
    return vehicle


def history_for_vehicle(vehicle_id: int, limit: int = 10, *, with_lines: bool = False) -> list[RepairOrder]:
    """The car's ROs in the store, newest first (``with_lines``: their work loaded too)."""
    stmt = (
        select(RepairOrder)
        .where(RepairOrder.vehicle_id == vehicle_id)
        .order_by(RepairOrder.opened_at.desc(), RepairOrder.id.desc())
        .limit(limit)
    )
    if with_lines:
        stmt = stmt.options(selectinload(RepairOrder.lines))
    return list(db.session.execute(stmt).scalars())
