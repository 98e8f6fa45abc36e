"""Purchase orders: ``draft -> sent -> partially received -> received`` or ``cancelled`` (in
draft or sent, before anything arrived), receiving against an order (partial quantities;
each receipt is a stock movement at the line's cost, which moves the average cost), and the
suggested order: every part at or below its reorder point, grouped by its preferred
supplier, up to its maximum less what is already on order."""

from __future__ import annotations

import functools
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, pagination, tenancy
from ...domain import Transitions
from ...extensions import db
from ...timeutil import utcnow
from ..models import PO_STATUSES, Part, PartStock, PurchaseOrder, PurchaseOrderLine, Supplier
from . import stock as stock_service
from .rules import PartsError, PartsStale, PartsTransitionError, money, next_number, quantity, user_id

#: the purchase order's one table; receiving moves a sent order on by what arrived
PO_MOVES = Transitions(
    {
        "draft": {"sent", "cancelled"},
        "sent": {"partially_received", "received", "cancelled"},
        "partially_received": {"partially_received", "received"},
        "received": set(),
        "cancelled": set(),
    },
    PO_STATUSES,
    actions={("draft", "send"): "sent", ("draft", "cancel"): "cancelled", ("sent", "cancel"): "cancelled"},
    action_labels={"send": _l("发送给供应商"), "cancel": _l("取消采购单")},
    audit_fields=("sent_at", "received_at", "cancelled_at"),
    error=PartsTransitionError,
    stale=PartsStale,
)
#: orders whose outstanding quantities count as "on order"
OPEN_STATES = ("draft", "sent", "partially_received")
RECEIVABLE_STATES = ("sent", "partially_received")
PO_SORT = pagination.Sort("new", (PurchaseOrder.created_at, PurchaseOrder.id), desc=True)


def get_po(purchase_order_id: Any) -> PurchaseOrder:
    return tenancy.get_or_404(PurchaseOrder, purchase_order_id)


def po_page(*, status: str | None = None, after: str | None = None, size: int = 20) -> pagination.Page:
    stmt = select(PurchaseOrder).options(joinedload(PurchaseOrder.supplier))
    if status in PO_STATUSES:
        stmt = stmt.where(PurchaseOrder.status == status)
    return pagination.keyset_page(stmt, PO_SORT, after, size)


def _supplier(supplier_id: Any) -> Supplier:
    supplier = tenancy.get_or_none(Supplier, supplier_id)
    if supplier is None or not supplier.is_active:
        raise PartsError(_("请选择本店的供应商。"), "supplier_id")
    return supplier


def _recompute(po: PurchaseOrder) -> None:
    po.total = sum(((line.quantity * line.unit_cost).quantize(Decimal("0.01")) for line in po.lines), Decimal("0.00"))


def create_po(supplier_id: Any, lines: list[tuple[int, Decimal, Decimal]] = (), note: str = "") -> PurchaseOrder:
    """A draft order to a supplier with (part_stock_id, quantity, unit cost) lines."""
    tenancy.writable_store()
    supplier = _supplier(supplier_id)
    po = PurchaseOrder(
        number=next_number(PurchaseOrder, "PO"),
        supplier_id=supplier.id,
        note=(note or "").strip()[:200],
        created_by_id=user_id(),
    )
    db.session.add(po)
    for part_stock_id, qty, cost in lines:
        po.lines.append(PurchaseOrderLine(part_stock_id=part_stock_id, quantity=qty, unit_cost=cost))
    db.session.flush()
    _recompute(po)
    db.session.flush()
    audit.record("create", po, after=audit.snapshot(po), summary=f"{po.number} {supplier.name}")
    return po


def add_line(purchase_order_id: Any, code: str, qty: Any, unit_cost: Any) -> PurchaseOrderLine:
    """A line on a draft order (a part of the store, by code or barcode)."""
    po = get_po(purchase_order_id)
    if po.status != "draft":
        raise PartsError(_("只有草稿采购单可以修改。"))
    stock = stock_service.find_by_code(code, "code")
    qty = quantity(qty, "quantity")
    cost = money(unit_cost, "unit_cost") if unit_cost not in (None, "") else stock.average_cost
    if any(line.part_stock_id == stock.id for line in po.lines):
        raise PartsError(_("该配件已在采购单上。"), "code")
    line = PurchaseOrderLine(part_stock_id=stock.id, quantity=qty, unit_cost=cost)
    po.lines.append(line)
    db.session.flush()
    _recompute(po)
    db.session.flush()
    audit.record("create", line, after=audit.snapshot(line), summary=po.number)
    return line


def remove_line(purchase_order_line_id: Any) -> PurchaseOrder:
    line = tenancy.get_or_404(PurchaseOrderLine, purchase_order_line_id)
    po = line.order
    if po.status != "draft":
        raise PartsError(_("只有草稿采购单可以修改。"))
    audit.record("delete", line, before=audit.snapshot(line), summary=po.number)
    po.lines.remove(line)
    db.session.delete(line)
    db.session.flush()
    _recompute(po)
    db.session.flush()
    return po


def change_po(purchase_order_id: Any, action: str) -> PurchaseOrder:
    """send (a draft with lines) or cancel (a draft, or a sent order nothing arrived for)."""
    po = get_po(purchase_order_id)
    target = PO_MOVES.target_of(po, action)
    changes: dict[str, Any] = {}
    if action == "send":
        if not po.lines:
            raise PartsError(_("采购单没有配件，不能发送。"))
        changes = {"sent_at": utcnow()}
    elif action == "cancel":
        changes = {"cancelled_at": utcnow()}
    PO_MOVES.apply(po, target, changes=changes, summary=po.number, checked=True)
    return po


def receive(purchase_order_id: Any, quantities: dict[int, Any]) -> PurchaseOrder:
    """Receive against a sent order: ``{line id: quantity arrived}`` (blank or 0 lines are
    skipped; never more than a line still waits for). Each receipt is a stock movement at
    the line's cost; the order becomes partially received or received."""
    po = get_po(purchase_order_id)
    if po.status not in RECEIVABLE_STATES:
        PO_MOVES.check(po, "received")
    lines = {line.id: line for line in po.lines}
    arrived: list[tuple[PurchaseOrderLine, Decimal]] = []
    for line_id, raw in quantities.items():
        line = lines.get(line_id)
        if line is None or raw in (None, "", 0, "0"):
            continue
        qty = quantity(raw, f"qty_{line_id}", allow_zero=True)
        if qty == 0:
            continue
        if qty > line.outstanding:
            raise PartsError(
                _("%(code)s 最多还可收 %(n)s。", code=line.stock.part.code, n=stock_service._qty(line.outstanding)),
                f"qty_{line_id}",
            )
        arrived.append((line, qty))
    if not arrived:
        raise PartsError(_("请填写到货数量。"))
    for line, qty in arrived:
        stock_service.apply_movement(line.part_stock_id, "receipt", qty, unit_cost=line.unit_cost, reference=po.number)
        line.received = line.received + qty
    done = all(line.outstanding <= 0 for line in po.lines)
    PO_MOVES.apply(
        po,
        "received" if done else "partially_received",
        changes={"received_at": utcnow()} if done else {},
        summary=po.number,
    )
    return po


# --------------------------------------------------------------------------- suggestion


@dataclass
class Suggestion:
    """One low part of the suggestion, as plain values (a store has hundreds: no ORM rows
    to build for them)."""

    part_stock_id: int
    code: str
    name: str
    reorder_point: Decimal
    maximum: Decimal
    average_cost: Decimal
    supplier_id: int | None
    supplier_name: str
    available: Decimal
    on_order: Decimal
    quantity: Decimal


@dataclass
class SuggestionGroup:
    """One supplier's part of the suggestion page: its first rows (by part code), how many
    parts it suggests in all and what they cost at their average cost."""

    supplier_id: int | None
    supplier_name: str
    count: int
    value: Decimal
    rows: list[Suggestion]

    @property
    def hidden(self) -> int:
        return self.count - len(self.rows)


def _suggested() -> sa.Subquery:
    """The store's low rows (the ``is_low`` index; the store is the bound parameter
    ``store_id``) with what open orders still wait for and the quantity that brings each up
    to its maximum (at least above its reorder point), only where that quantity is
    positive: the suggestion's one rule, in SQL, so the page and the drafts read the same
    figures. Its statements are built once per process (3-4 ms of Python a request); the
    tenant's criteria are added when they run."""
    store_id = sa.bindparam("store_id")
    master = sa.orm.aliased(Part)
    waiting = (
        select(
            PurchaseOrderLine.part_stock_id.label("part_stock_id"),
            sa.func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received).label("pending"),
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(PurchaseOrderLine.store_id == store_id, PurchaseOrder.status.in_(OPEN_STATES))
        .group_by(PurchaseOrderLine.part_stock_id)
        .subquery("waiting")
    )
    qty_type = PartStock.on_hand.type
    pending = sa.type_coerce(sa.func.coalesce(waiting.c.pending, 0), qty_type)
    available = sa.type_coerce(PartStock.on_hand - PartStock.reserved, qty_type)
    target = sa.case(
        (PartStock.maximum > PartStock.reorder_point, PartStock.maximum), else_=PartStock.reorder_point + 1
    )
    wanted = sa.type_coerce(target - available - pending, qty_type)
    low = (
        select(
            PartStock.id.label("part_stock_id"),
            # code and name by primary key per low row (a join hashed the whole master: 3 ms more)
            select(master.code).where(master.id == PartStock.part_id).scalar_subquery().label("code"),
            select(master.name).where(master.id == PartStock.part_id).scalar_subquery().label("name"),
            PartStock.reorder_point,
            PartStock.maximum,
            PartStock.average_cost,
            PartStock.supplier_id,
            sa.func.coalesce(Supplier.name, "").label("supplier_name"),
            available.label("available"),
            pending.label("on_order"),
            wanted.label("quantity"),
        )
        .outerjoin(Supplier, Supplier.id == PartStock.supplier_id)
        .outerjoin(waiting, waiting.c.part_stock_id == PartStock.id)
        .where(PartStock.store_id == store_id, PartStock.is_low == sa.true())
        .subquery("low")
    )
    return select(low).where(low.c.quantity > 0).subquery("suggested")


def _row(values: Any) -> Suggestion:
    return Suggestion(*values[:11])


#: the rows' columns, in :class:`Suggestion`'s order (read by position: a store has hundreds
#: of low rows, and access by name cost more); the page's statement adds rank, count, value
_COLUMNS = (
    "part_stock_id code name reorder_point maximum average_cost supplier_id supplier_name available on_order quantity"
).split()


def _in_order(rows: sa.Subquery) -> tuple:
    """Suppliers' groups first (by id), parts without a supplier last; by code within."""
    return rows.c.supplier_id.is_(None), rows.c.supplier_id, rows.c.code


@functools.cache
def _every_row() -> sa.Select:
    rows = _suggested()
    return select(*(rows.c[name] for name in _COLUMNS)).order_by(*_in_order(rows)).limit(sa.bindparam("limit"))


@functools.cache
def _first_rows() -> sa.Select:
    """Each group's first ``shown`` rows (bound parameter), with the group's count and value
    (each row's value to the cent)."""
    rows = _suggested()
    group = (rows.c.supplier_id,)
    value = sa.func.round(rows.c.quantity * rows.c.average_cost, 2)
    ranked = select(
        *(rows.c[name] for name in _COLUMNS),
        sa.func.row_number().over(partition_by=group, order_by=rows.c.code).label("rank"),
        sa.func.count().over(partition_by=group).label("count"),
        sa.type_coerce(sa.func.sum(value).over(partition_by=group), PartStock.average_cost.type).label("value"),
    ).subquery("ranked")
    return select(ranked).where(ranked.c.rank <= sa.bindparam("shown")).order_by(*_in_order(ranked))


def suggested_order(limit: int = 500) -> OrderedDict[int | None, list[Suggestion]]:
    """Every part to order for the store with its quantity, grouped by preferred supplier
    id (None: no supplier set yet), the suppliers' groups first: what the drafts are made
    of; one statement."""
    groups: OrderedDict[int | None, list[Suggestion]] = OrderedDict()
    for values in db.session.execute(_every_row(), {"store_id": tenancy.writable_store().id, "limit": limit}):
        groups.setdefault(values[6], []).append(_row(values))
    return groups


def suggestion_page(shown: int) -> list[SuggestionGroup]:
    """The suggestion page: each supplier's first ``shown`` parts, with the group's count
    and value (at average cost, each row to the cent) from window functions, so a store
    with hundreds of low parts reads a few dozen rows; one statement."""
    groups: dict[int | None, SuggestionGroup] = {}
    for values in db.session.execute(_first_rows(), {"store_id": tenancy.writable_store().id, "shown": shown}):
        supplier_id = values[6]  # then the supplier's name; 12 and 13: the group's count and value
        found = groups.get(supplier_id)
        if found is None:
            found = groups[supplier_id] = SuggestionGroup(supplier_id, values[7], values[12], values[13], [])
        found.rows.append(_row(values))
    return list(groups.values())


def create_suggested_orders() -> list[PurchaseOrder]:
    """One draft order per supplier from the suggestion (parts without a supplier stay out),
    at each part's average cost."""
    orders = []
    for supplier_id, rows in suggested_order().items():
        if supplier_id is None:
            continue
        orders.append(create_po(supplier_id, [(s.part_stock_id, s.quantity, s.average_cost) for s in rows]))
    if not orders:
        raise PartsError(_("没有可以生成的采购建议（或相关配件未设置供应商）。"))
    return orders


def po_with_lines(purchase_order_id: Any) -> PurchaseOrder:
    """The order with its lines, their stock and parts (one query for the detail page)."""
    return tenancy.get_or_404(
        PurchaseOrder,
        purchase_order_id,
        joinedload(PurchaseOrder.supplier),
        joinedload(PurchaseOrder.lines).joinedload(PurchaseOrderLine.stock).joinedload(PartStock.part),
        fresh=True,
    )
