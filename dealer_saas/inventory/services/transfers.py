"""Transfers between stores of a group: sending an in-stock car, receiving it, the list.

A transfer moves the car itself into the receiving store and writes one row per side
(``out`` in the sender, ``in`` in the receiver) with a shared reference, so each store sees
exactly its own side and the sender keeps the VIN on its row after the car has left.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, pagination, tenancy
from ...domain import Transitions
from ...extensions import db
from ...i18n import N_
from ...tenancy import Store
from ...timeutil import utcnow
from ...validation import bounded_id
from ..models import TRANSFER_STATES, StockTransfer, StockVehicle
from .errors import InvalidStockTransition, InventoryError, StaleEdit, VehicleUnavailable
from .stock import change_state, lock_vehicle, state_label

#: a transfer row's states: each side is received, or called back by the sender, once (both
#: sides together); a received transfer can no longer be cancelled
TRANSFER_MOVES = Transitions(
    {"in_transit": {"received", "cancelled"}, "received": set(), "cancelled": set()},
    TRANSFER_STATES,
    attr="state",
    error=InvalidStockTransition,
    stale=StaleEdit,
    message=N_("该调拨单已处理。"),
)


def transfer_destinations() -> list[Store]:
    """The other active stores of the organisation a car may be sent to."""
    ctx = tenancy.current()
    return list(
        db.session.execute(
            select(Store)
            .where(Store.org_id == ctx.org_id, Store.is_active.is_(True), Store.id != ctx.store_id)
            .order_by(Store.code, Store.id)
        ).scalars()
    )


def _destination(dest_store_id: Any) -> Store:
    ctx = tenancy.current()
    dest_id = bounded_id(dest_store_id)
    if dest_id is None:
        raise InventoryError(_("请选择调入门店。"), "dest_store_id")
    dest = db.session.execute(select(Store).where(Store.id == dest_id)).scalar_one_or_none()
    # Another organisation's store is answered exactly like a store that does not exist.
    if dest is None or dest.org_id != ctx.org_id or not dest.is_active:
        raise InventoryError(_("找不到该门店。"), "dest_store_id")
    if dest.id == ctx.store_id:
        raise InventoryError(_("不能调拨到本店。"), "dest_store_id")
    return dest


#: what other modules say about a car leaving the store: ``check(vehicle) -> reason or None``
#: (the sales module refuses a demo car with test drives still booked)
TRANSFER_CHECKS: list[Callable[[StockVehicle], str | None]] = []


def transfer_check(check: Callable[[StockVehicle], str | None]) -> Callable[[StockVehicle], str | None]:
    """Register a reason a car may not be transferred (a decorator for other modules)."""
    TRANSFER_CHECKS.append(check)
    return check


def send_transfer(stock_vehicle_id: int, dest_store_id: Any, note: str = "") -> StockTransfer:
    """Send an in-stock car to another store of the group: the car moves (in transit) and each
    store gets its side of the transfer. Returns the ``out`` row. Raises InventoryError,
    VehicleUnavailable."""
    ctx = tenancy.current()
    vehicle = lock_vehicle(stock_vehicle_id)
    dest = _destination(dest_store_id)
    if vehicle.state != "in_stock":
        raise VehicleUnavailable(
            _("只有在库且未配车的车辆可以调拨（当前：%(state)s）。", state=state_label(vehicle.state))
        )
    for check in TRANSFER_CHECKS:
        reason = check(vehicle)
        if reason:
            raise VehicleUnavailable(reason)
    source_id = vehicle.store_id
    reference = f"DB{utcnow():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
    note = (note or "").strip()[:200]
    out_row = StockTransfer(
        reference=reference,
        direction="out",
        vehicle_id=vehicle.id,
        vin=vehicle.vin,
        other_store_id=dest.id,
        state="in_transit",
        note=note,
        requested_by_id=ctx.user_id,
    )
    db.session.add(out_row)
    db.session.flush()
    audit.record("create", out_row, after=audit.snapshot(out_row), summary=f"{reference} {vehicle.vin}")
    with tenancy.allow_writes_to(dest.id):
        before = audit.snapshot(vehicle, ["store_id", "location"])
        vehicle.store_id = dest.id
        vehicle.location = ""
        change_state(vehicle, "in_transit", summary=f"{reference} {vehicle.vin}")
        audit.record(
            "transfer",
            vehicle,
            before=before,
            after=audit.snapshot(vehicle, ["store_id", "location"]),
            summary=reference,
        )
        in_row = StockTransfer(
            store_id=dest.id,
            reference=reference,
            direction="in",
            vehicle_id=vehicle.id,
            vin=vehicle.vin,
            other_store_id=source_id,
            state="in_transit",
            note=note,
            requested_by_id=ctx.user_id,
        )
        db.session.add(in_row)
        db.session.flush()
        audit.record("create", in_row, after=audit.snapshot(in_row), summary=f"{reference} {vehicle.vin}")
    return out_row


def receive_transfer(stock_transfer_id: int) -> StockTransfer:
    """The receiving store takes delivery of a transferred car: it is in stock here and both
    sides of the transfer are received. Raises InventoryError."""
    row = tenancy.get_or_404(StockTransfer, stock_transfer_id)
    if row.direction != "in":
        raise InventoryError(_("只有调入门店可以接收车辆。"))
    TRANSFER_MOVES.check(row, "received")
    vehicle = lock_vehicle(row.vehicle_id)
    change_state(vehicle, "in_stock", summary=f"{row.reference} {vehicle.vin}")
    if vehicle.arrival_date is None:
        vehicle.arrival_date = tenancy.store_today()  # the receiving store's today
    now = utcnow()
    TRANSFER_MOVES.apply(row, "received", changes={"received_at": now}, summary=row.reference, checked=True)
    with tenancy.allow_writes_to(row.other_store_id):
        out_row = db.session.execute(
            select(StockTransfer).where(
                StockTransfer.reference == row.reference,
                StockTransfer.direction == "out",
                StockTransfer.store_id == row.other_store_id,
            )
        ).scalar_one_or_none()
        if out_row is not None:
            TRANSFER_MOVES.apply(out_row, "received", changes={"received_at": now}, summary=row.reference)
    return row


def cancel_transfer(stock_transfer_id: int) -> StockTransfer:
    """The sending store calls a transfer back before it is received: the car returns to the
    sending store, in stock, and both sides are cancelled. Raises InventoryError."""
    row = tenancy.get_or_404(StockTransfer, stock_transfer_id)
    if row.direction != "out":
        raise InventoryError(_("只有调出门店可以取消调拨。"))
    TRANSFER_MOVES.check(row, "cancelled")
    source_id = row.store_id
    with tenancy.allow_writes_to(row.other_store_id):
        vehicle = lock_vehicle(row.vehicle_id)
        in_row = db.session.execute(
            select(StockTransfer).where(
                StockTransfer.reference == row.reference,
                StockTransfer.direction == "in",
                StockTransfer.store_id == row.other_store_id,
            )
        ).scalar_one_or_none()
        if in_row is not None:
            TRANSFER_MOVES.apply(in_row, "cancelled", summary=row.reference)
        before = audit.snapshot(vehicle, ["store_id", "location"])
        vehicle.store_id = source_id
        change_state(vehicle, "in_stock", summary=f"{row.reference} {vehicle.vin}")
        audit.record(
            "transfer",
            vehicle,
            before=before,
            after=audit.snapshot(vehicle, ["store_id", "location"]),
            summary=_("%(ref)s 已取消", ref=row.reference),
        )
    TRANSFER_MOVES.apply(row, "cancelled", summary=row.reference)
    return row


TRANSFER_SORT = pagination.Sort("newest", (StockTransfer.created_at, StockTransfer.id), desc=True)


def list_transfers(direction: str, state: str, after: str | None, size: int = 30) -> pagination.Page:
    """This store's side of its transfers, newest first. Reads the VIN from the row: an
    ``out`` row's car now belongs to the other store and is not loaded."""
    stmt = select(StockTransfer).options(joinedload(StockTransfer.other_store))
    if direction in ("in", "out"):
        stmt = stmt.where(StockTransfer.direction == direction)
    if state in ("in_transit", "received", "cancelled"):
        stmt = stmt.where(StockTransfer.state == state)
    return pagination.keyset_page(stmt, TRANSFER_SORT, after, size)
