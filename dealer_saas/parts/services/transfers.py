"""Parts transfers between the stores of a group: the sender's stock goes out at once
(``transfer_out``, at its average cost), the receiver takes it in when it arrives
(``transfer_in``, which moves its average cost), and the sender may cancel until then (the
parts come back). One row per side (``out`` in the sender, ``in`` in the receiver) with a
shared reference, as the vehicle transfers of ``inventory`` do: each store sees its own."""

from __future__ import annotations

import uuid
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
from ..models import QZERO, TRANSFER_STATES, PartStock, PartTransfer
from . import stock as stock_service
from .rules import PartsError, PartsStale, PartsTransitionError, quantity, user_id

TRANSFER_MOVES = Transitions(
    {"in_transit": {"received", "cancelled"}, "received": set(), "cancelled": set()},
    TRANSFER_STATES,
    attr="state",
    audit_fields=("done_at",),
    error=PartsTransitionError,
    stale=PartsStale,
    message=N_("该调拨单已处理。"),
)
TRANSFER_SORT = pagination.Sort("new", (PartTransfer.created_at, PartTransfer.id), desc=True)


def get_transfer(part_transfer_id: Any) -> PartTransfer:
    return tenancy.get_or_404(PartTransfer, part_transfer_id)


def transfer_page(*, after: str | None = None, size: int = 20) -> pagination.Page:
    stmt = select(PartTransfer).options(joinedload(PartTransfer.part))
    return pagination.keyset_page(stmt, TRANSFER_SORT, after, size)


def destinations() -> list[Store]:
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
    dest = db.session.execute(select(Store).where(Store.id == dest_id)).scalar_one_or_none() if dest_id else None
    if dest is None or dest.org_id != ctx.org_id or not dest.is_active:
        raise PartsError(_("请选择调入门店。"), "dest_store_id")
    if dest.id == ctx.store_id:
        raise PartsError(_("不能调拨到本店。"), "dest_store_id")
    return dest


def _other_side(row: PartTransfer) -> PartTransfer:
    other = "in" if row.direction == "out" else "out"
    with tenancy.allow_writes_to(row.other_store_id):
        return db.session.execute(
            select(PartTransfer).where(PartTransfer.reference == row.reference, PartTransfer.direction == other)
        ).scalar_one()


def send(part_stock_id: Any, dest_store_id: Any, qty: Any, note: str = "") -> PartTransfer:
    """Send parts to another store of the group: out of stock now (never what is reserved),
    in transit until the receiver takes them in. Returns the ``out`` row."""
    tenancy.writable_store()
    stock = stock_service.get_stock(part_stock_id)
    dest = _destination(dest_store_id)
    amount = quantity(qty, "quantity")
    reference = f"PT{utcnow():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
    stock_service.apply_movement(stock.id, "transfer_out", -amount, reference=reference)
    common = {
        "reference": reference,
        "part_id": stock.part_id,
        "quantity": amount,
        "unit_cost": stock.average_cost,
        "note": (note or "").strip()[:200],
        "created_by_id": user_id(),
    }
    out_row = PartTransfer(direction="out", other_store_id=dest.id, **common)
    db.session.add(out_row)
    with tenancy.allow_writes_to(dest.id):
        db.session.add(PartTransfer(direction="in", other_store_id=stock.store_id, store_id=dest.id, **common))
        db.session.flush()
    audit.record("create", out_row, after=audit.snapshot(out_row), summary=f"{reference} {stock.part.code}")
    return out_row


def receive(part_transfer_id: Any) -> PartTransfer:
    """The receiving store takes the parts in (a stock row is opened for a part it did not
    stock yet); both sides become received."""
    row = get_transfer(part_transfer_id)
    if row.direction != "in":
        raise PartsError(_("只有调入门店可以接收。"))
    TRANSFER_MOVES.check(row, "received")
    store = tenancy.writable_store()
    target = db.session.execute(select(PartStock).where(PartStock.part_id == row.part_id)).scalar_one_or_none()
    if target is None:
        target = PartStock(part_id=row.part_id, store_id=store.id, on_hand=QZERO, reserved=QZERO)
        db.session.add(target)
        db.session.flush()
    stock_service.apply_movement(
        target.id, "transfer_in", row.quantity, unit_cost=row.unit_cost, reference=row.reference
    )
    _close(row, "received")
    return row


def cancel(part_transfer_id: Any) -> PartTransfer:
    """The sender calls the parts back before they are received; they return to its stock."""
    row = get_transfer(part_transfer_id)
    if row.direction != "out":
        raise PartsError(_("只有调出门店可以取消调拨。"))
    TRANSFER_MOVES.check(row, "cancelled")
    stock = db.session.execute(select(PartStock).where(PartStock.part_id == row.part_id)).scalar_one()
    stock_service.apply_movement(
        stock.id, "transfer_in", row.quantity, unit_cost=row.unit_cost, reference=row.reference, note=_("调拨取消")
    )
    _close(row, "cancelled")
    return row


def _close(row: PartTransfer, state: str) -> None:
    other = _other_side(row)
    if other.state != "in_transit":
        raise PartsStale()
    now = utcnow()
    TRANSFER_MOVES.apply(row, state, changes={"done_at": now}, summary=row.reference)
    with tenancy.allow_writes_to(other.store_id):
        TRANSFER_MOVES.apply(other, state, changes={"done_at": now}, summary=row.reference)
