"""The one place a store's quantities change: every change of on hand is a movement row
written here, under a row lock on the stock row (``SELECT ... FOR UPDATE`` on PostgreSQL;
on SQLite every writing request already holds the database with ``BEGIN IMMEDIATE``), so
concurrent issues never take on hand below zero nor into what is reserved for repair
orders. Also the low and over stock queries and the stock lists."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, pagination, tenancy
from ...extensions import db
from ...timeutil import utcnow
from ...validation import bounded_id
from ..models import MOVEMENT_KINDS, QZERO, Part, PartStock, StockMovement, Supplier
from .rules import CENT, NotEnoughStock, PartsError, user_id

#: movements that take stock out and may not touch what is reserved for repair orders
TAKES_AVAILABLE = ("sale", "transfer_out")
#: movements whose unit cost enters the moving average
COSTED_IN = ("receipt", "transfer_in")
#: no movement for this long: overstock (dead stock)
DEAD_AFTER_DAYS = 180

STOCK_SORTS = {"code": pagination.Sort("code", (Part.code, PartStock.id))}


# --------------------------------------------------------------------------- reading


def get_stock(part_stock_id: Any) -> PartStock:
    """A stock row of the store (or of the roll-up's stores), or 404."""
    return tenancy.get_or_404(PartStock, part_stock_id)


def stock_for_page(part_stock_id: Any) -> PartStock:
    """A stock row (or 404) with its part and supplier joined: one statement for the page."""
    ident = bounded_id(part_stock_id)
    row = (
        db.session.execute(
            select(PartStock)
            .where(PartStock.id == ident)
            .options(joinedload(PartStock.part), joinedload(PartStock.supplier))
        ).scalar_one_or_none()
        if ident is not None
        else None
    )
    if row is None:
        abort(404)
    return row


def lock_stock(part_stock_id: int) -> PartStock:
    """The stock row, locked until the commit and read fresh (another transaction may have
    changed it since this session last saw it)."""
    stock = db.session.execute(
        select(PartStock)
        .where(PartStock.id == part_stock_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if stock is None:
        raise PartsError(_("找不到该配件。"), "part_stock_id")
    return stock


def find_by_code(code: str, field: str = "code") -> PartStock:
    """The store's stock row of the part with this code or barcode (what a scanner types)."""
    value = (code or "").strip().upper()[:40]
    if not value:
        raise PartsError(_("请输入配件编码或条码。"), field)
    row = db.session.execute(
        select(PartStock)
        .join(Part, Part.id == PartStock.part_id)
        .where(sa.or_(Part.code == value, Part.barcode == value))
        .options(joinedload(PartStock.part))
        .limit(1)
    ).scalar_one_or_none()
    if row is None:
        raise PartsError(_("本店没有编码或条码为 %(c)s 的配件。", c=value), field)
    return row


def stock_page(*, q: str = "", category: str | None = None, after: str | None = None, size: int = 20):
    """The store's parts by code; ``q`` a code, name or barcode prefix (index-served)."""
    stmt = select(PartStock).join(Part, Part.id == PartStock.part_id).options(joinedload(PartStock.part))
    q = (q or "").strip()[:40]
    if q:
        like = q.replace("\\", "").replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(sa.or_(Part.code.like(like.upper()), Part.name.like(like), Part.barcode.like(like)))
    if category:
        stmt = stmt.where(Part.category == category)
    return pagination.keyset_page(stmt, STOCK_SORTS["code"], after, size)


def movements(part_stock_id: int, limit: int = 50) -> list[StockMovement]:
    """The stock row's movements, newest first."""
    return list(
        db.session.execute(
            select(StockMovement)
            .where(StockMovement.part_stock_id == part_stock_id)
            .options(joinedload(StockMovement.by_user))
            .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
            .limit(limit)
        ).scalars()
    )


def below_reorder_point(store_id: int, limit: int | None = None) -> list[Any]:
    """The store's parts whose on hand minus reserved is at or below their reorder point
    (``is_low``, kept by :func:`refresh_flags`; an index range read on
    ``ix_part_stocks_store_low``). Rows carry part_stock_id, part_id, code, name, on_hand,
    reserved, reorder_point, maximum, supplier_id. Used by the low-stock alert job."""
    # code and name by primary key per low row: a hash join would read the whole master
    master = sa.orm.aliased(Part)
    stmt = (
        select(
            PartStock.id.label("part_stock_id"),
            PartStock.part_id.label("part_id"),
            select(master.code).where(master.id == PartStock.part_id).scalar_subquery().label("code"),
            select(master.name).where(master.id == PartStock.part_id).scalar_subquery().label("name"),
            PartStock.on_hand,
            PartStock.reserved,
            PartStock.reorder_point,
            PartStock.maximum,
            PartStock.supplier_id,
        )
        .where(PartStock.store_id == store_id, PartStock.is_low == sa.true())
        .order_by(PartStock.part_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).all())


class StockLine(NamedTuple):
    """One row of the low / over stock lists, read as columns (no ORM rows: the page only
    shows them, and 150 stock rows with their parts and suppliers cost more to build than
    to query)."""

    id: int
    store_id: int
    code: str
    name: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    reorder_point: Decimal
    maximum: Decimal
    last_moved_at: dt.datetime | None
    supplier: str | None


@functools.cache
def _stock_lines(*, supplier: bool = False) -> sa.Select:
    """The stock lines' columns, built once per process (statements are immutable: each
    list adds its condition to a copy; the tenant's criteria are added when executed)."""
    columns = [
        PartStock.id,
        PartStock.store_id,
        Part.code,
        Part.name,
        PartStock.on_hand,
        PartStock.reserved,
        (PartStock.on_hand - PartStock.reserved).label("available"),
        PartStock.reorder_point,
        PartStock.maximum,
        PartStock.last_moved_at,
        (Supplier.name if supplier else sa.null()).label("supplier"),
    ]
    stmt = select(*columns).join(Part, Part.id == PartStock.part_id)
    return stmt.outerjoin(Supplier, Supplier.id == PartStock.supplier_id) if supplier else stmt


#: the stock alert lists, each its own page: at or below the reorder point, above the
#: maximum, and no movement for DEAD_AFTER_DAYS with stock left
ALERT_VIEWS = ("low", "over", "dead")


@functools.cache
def _alert_list(view: str) -> tuple[sa.Select, pagination.Sort]:
    """One alert list's statement and its order (each on its index: ``ix_part_stocks_*_low``,
    ``_over``, ``_moved``), built once per process; the dead-stock cut-off is a bound
    parameter and the tenant's criteria are added when it runs."""
    lines = _stock_lines(supplier=True)
    by_part = pagination.Sort("part", (PartStock.part_id, PartStock.id))
    if view == "low":
        return lines.where(PartStock.is_low == sa.true()), by_part
    if view == "over":
        return lines.where(PartStock.is_over == sa.true()), by_part
    dead_before = sa.bindparam("dead_before", type_=PartStock.__table__.c.last_moved_at.type)
    dead = lines.where(PartStock.last_moved_at < dead_before, PartStock.on_hand > 0)
    return dead, pagination.Sort("moved", (PartStock.last_moved_at, PartStock.id))


def stock_alert_page(view: str, *, after: str | None = None, size: int = 50) -> pagination.Page[StockLine]:
    """One page of an alert list (:data:`ALERT_VIEWS`) of the store, or of the roll-up's
    stores: low stock by part, over stock by part, dead stock the longest unmoved first."""
    if view not in ALERT_VIEWS:
        raise ValueError(view)
    stmt, sort = _alert_list(view)
    if view == "dead":
        stmt = stmt.params(dead_before=utcnow() - dt.timedelta(days=DEAD_AFTER_DAYS))
    page = pagination.keyset_page(stmt, sort, after, size, scalars=False)
    page.items = [StockLine._make(row) for row in page.items]
    return page


# --------------------------------------------------------------------------- changing


def refresh_flags(stock: PartStock) -> None:
    """Keep ``is_low`` and ``is_over`` true to the quantities (every change comes here)."""
    reorder, maximum = stock.reorder_point or QZERO, stock.maximum or QZERO
    on_hand, reserved = stock.on_hand or QZERO, stock.reserved or QZERO
    stock.is_low = bool(reorder > 0 and on_hand - reserved <= reorder)
    stock.is_over = bool(maximum > 0 and on_hand > maximum)


def moving_average(on_hand: Decimal, average: Decimal, quantity: Decimal, unit_cost: Decimal) -> Decimal:
    """The moving weighted average after receiving ``quantity`` at ``unit_cost`` (the
    receipt's cost alone when nothing was in stock)."""
    if on_hand <= 0:
        return unit_cost.quantize(CENT, rounding=ROUND_HALF_UP)
    value = on_hand * average + quantity * unit_cost
    return (value / (on_hand + quantity)).quantize(CENT, rounding=ROUND_HALF_UP)


def apply_movement(
    part_stock_id: int,
    kind: str,
    quantity: Decimal,
    *,
    unit_cost: Decimal | None = None,
    reference: str = "",
    note: str = "",
    consume_reserved: Decimal = QZERO,
) -> StockMovement:
    """Apply one signed movement to a stock row under its lock: on hand never below zero;
    a sale or a transfer out never takes what is reserved; an issue to a repair order
    consumes its reservation (``consume_reserved``); a receipt or transfer in moves the
    average cost. Raises NotEnoughStock."""
    if kind not in MOVEMENT_KINDS:
        raise PartsError(_("未知的库存变动类型。"))
    stock = lock_stock(part_stock_id)
    new_on_hand = stock.on_hand + quantity
    new_reserved = stock.reserved - consume_reserved
    if new_on_hand < 0 or new_reserved < 0:
        raise NotEnoughStock(
            _("%(code)s 库存不足：现有 %(n)s。", code=stock.part.code, n=_qty(stock.on_hand)), "quantity"
        )
    if kind in TAKES_AVAILABLE and new_on_hand < new_reserved:
        raise NotEnoughStock(
            _(
                "%(code)s 可用库存不足：现有 %(n)s，其中 %(r)s 已为工单预留。",
                code=stock.part.code,
                n=_qty(stock.on_hand),
                r=_qty(stock.reserved),
            ),
            "quantity",
        )
    cost = stock.average_cost if unit_cost is None else unit_cost
    if kind in COSTED_IN and quantity > 0:
        stock.average_cost = moving_average(stock.on_hand, stock.average_cost, quantity, cost)
    stock.on_hand = new_on_hand
    stock.reserved = new_reserved
    stock.last_moved_at = utcnow()
    refresh_flags(stock)
    movement = StockMovement(
        part_stock_id=stock.id,
        part_id=stock.part_id,
        kind=kind,
        quantity=quantity,
        unit_cost=cost,
        on_hand_after=new_on_hand,
        reference=(reference or "")[:60],
        note=(note or "")[:200],
        by_user_id=user_id(),
    )
    db.session.add(movement)
    db.session.flush()
    return movement


def reserve(part_stock_id: int, quantity: Decimal, reference: str = "") -> PartStock:
    """Reserve available stock for a repair order (reserved += quantity); never more than
    on hand minus what is already reserved. Raises NotEnoughStock."""
    stock = lock_stock(part_stock_id)
    if stock.on_hand - stock.reserved < quantity:
        raise NotEnoughStock(
            _(
                "%(code)s 可用库存不足：可用 %(n)s。",
                code=stock.part.code,
                n=_qty(stock.on_hand - stock.reserved),
            ),
            "quantity",
        )
    stock.reserved = stock.reserved + quantity
    refresh_flags(stock)
    db.session.flush()
    return stock


def release(part_stock_id: int, quantity: Decimal) -> PartStock:
    """Give a reservation back (the line was removed before its parts were issued)."""
    stock = lock_stock(part_stock_id)
    stock.reserved = max(QZERO, stock.reserved - quantity)
    refresh_flags(stock)
    db.session.flush()
    return stock


def adjust(part_stock_id: Any, counted_change: Any, note: str) -> StockMovement:
    """A manual adjustment (damage, found stock) with a reason; audit-logged."""
    from .rules import quantity as parse_quantity

    stock = get_stock(part_stock_id)
    change = parse_quantity(counted_change, "quantity", signed=True)
    if change == 0:
        raise PartsError(_("调整数量不能为 0。"), "quantity")
    note = (note or "").strip()
    if not note:
        raise PartsError(_("请填写调整原因。"), "note")
    movement = apply_movement(stock.id, "adjustment", change, note=note)
    audit.record("adjust", stock, after={"quantity": str(change), "note": note[:200]}, summary=stock.part.code)
    return movement


def _qty(value: Decimal) -> str:
    """A quantity as people write it (2, 1.5)."""
    return format(Decimal(value).normalize(), "f")


def set_opening_balance(
    part_stock_id: int, on_hand: Decimal | None, average_cost: Decimal | None, note: str
) -> StockMovement | None:
    """Bring a stock row to the on hand and average cost another system counted (an import
    from the old system): one ``adjustment`` movement of the difference at that cost, the
    average cost set as given; audit-logged. Never below what is reserved for repair orders.
    Raises NotEnoughStock."""
    stock = lock_stock(part_stock_id)
    movement = None
    if on_hand is not None and on_hand != stock.on_hand:
        if on_hand < stock.reserved:
            raise NotEnoughStock(
                _("%(code)s 已为工单预留 %(r)s，库存不能少于此数。", code=stock.part.code, r=_qty(stock.reserved)),
                "on_hand",
            )
        movement = apply_movement(stock.id, "adjustment", on_hand - stock.on_hand, unit_cost=average_cost, note=note)
    cost_changed = average_cost is not None and average_cost != stock.average_cost
    if cost_changed:
        stock.average_cost = average_cost
        db.session.flush()
    if movement is not None or cost_changed:
        audit.record(
            "adjust",
            stock,
            after={
                "on_hand": str(stock.on_hand),
                "average_cost": str(stock.average_cost),
                "note": (note or "")[:200],
            },
            summary=stock.part.code,
        )
    return movement
