"""Purchase orders: ``draft -> sent -> partially received -> received`` or ``cancelled`` (in
draft or sent, before anything arrived), receiving against an order (partial quantities;
each receipt is a stock movement at the line's cost, which moves the average cost), and the
suggested order: every part at or below its reorder point, grouped by its preferred
supplier, up to its maximum less what is already on order."""

from __future__ import annotations

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
from ...extensions import db, one_of
from ...timeutil import utcnow
from ..models import PO_STATUSES, QZERO, Part, PartStock, PurchaseOrder, PurchaseOrderLine, Supplier
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
    """One low part of the suggestion, as plain values (the page lists hundreds: no ORM
    rows to build for them)."""

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

    @property
    def value(self) -> Decimal:
        """What the suggested quantity costs at the part's average cost."""
        return (self.quantity * self.average_cost).quantize(Decimal("0.01"))


def on_order(part_stock_ids: list[int]) -> dict[int, Decimal]:
    """What open orders still wait for, per stock row."""
    if not part_stock_ids:
        return {}
    rows = db.session.execute(
        select(PurchaseOrderLine.part_stock_id, sa.func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(PurchaseOrder.status.in_(OPEN_STATES), one_of(PurchaseOrderLine.part_stock_id, part_stock_ids))
        .group_by(PurchaseOrderLine.part_stock_id)
    ).all()
    return {stock_id: Decimal(total or 0) for stock_id, total in rows}


def suggested_order(limit: int = 500) -> OrderedDict[int | None, list[Suggestion]]:
    """Every low part of the store (on hand - reserved <= reorder point, the ``is_low``
    index's rows) with the quantity that brings it up to its maximum (at least above its
    reorder point) less what is on order, grouped by preferred supplier id (None: no
    supplier set yet), the suppliers' groups first; two statements (the low rows with their
    part and supplier, and what is on order)."""
    store = tenancy.writable_store()
    # code and name by primary key per low row (a join hashed the whole master: 3 ms more)
    master = sa.orm.aliased(Part)
    code = select(master.code).where(master.id == PartStock.part_id).scalar_subquery().label("code")
    low = db.session.execute(
        select(
            PartStock.id,
            code,
            select(master.name).where(master.id == PartStock.part_id).scalar_subquery().label("name"),
            PartStock.on_hand,
            PartStock.reserved,
            PartStock.reorder_point,
            PartStock.maximum,
            PartStock.average_cost,
            PartStock.supplier_id,
            Supplier.name.label("supplier_name"),
        )
        .outerjoin(Supplier, Supplier.id == PartStock.supplier_id)
        .where(PartStock.store_id == store.id, PartStock.is_low == sa.true())
        .order_by(PartStock.supplier_id.is_(None), PartStock.supplier_id, code)
        .limit(limit)
    ).all()
    ordered = on_order([row[0] for row in low])
    groups: OrderedDict[int | None, list[Suggestion]] = OrderedDict()
    # rows unpacked (a store has hundreds of low parts: attribute access by name cost more)
    for stock_id, code, name, on_hand, reserved, reorder_point, maximum, cost, supplier_id, supplier in low:
        available = on_hand - reserved
        pending = ordered.get(stock_id, QZERO)
        qty = (maximum if maximum > reorder_point else reorder_point + 1) - available - pending
        if qty <= 0:
            continue
        groups.setdefault(supplier_id, []).append(
            Suggestion(
                stock_id, code, name, reorder_point, maximum, cost, supplier_id, supplier or "", available, pending, qty
            )
        )
    return groups


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
