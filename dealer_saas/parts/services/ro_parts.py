"""The parts lines of repair orders, called by the service module (which never writes parts
rows itself): a line reserves its parts when added, the parts are issued (a movement) when
the RO's work starts, a removed line gives its reservation back or returns issued parts to
stock, and the totals per payer feed the RO's settlement."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, tenancy
from ...extensions import db
from ..models import PartStock, RepairOrderPart
from . import stock as stock_service
from .rules import CENT, PartsError, money, quantity

#: who may pay a parts line: the same payers as the RO's labour lines
PAYERS = ("customer", "insurer", "warranty", "internal")


def lines_for(repair_order_id: int) -> list[RepairOrderPart]:
    return list(
        db.session.execute(
            select(RepairOrderPart)
            .where(RepairOrderPart.repair_order_id == repair_order_id)
            .options(joinedload(RepairOrderPart.stock).joinedload(PartStock.part))
            .order_by(RepairOrderPart.id)
        ).scalars()
    )


def get_line(repair_order_part_id: Any) -> RepairOrderPart:
    return tenancy.get_or_404(RepairOrderPart, repair_order_part_id)


def add_line(repair_order_id: int, data: dict[str, Any], *, reference: str, issue_now: bool) -> RepairOrderPart:
    """Reserve ``quantity`` of the part (code or barcode) for the RO at the store's sale
    price less a discount, for a payer; issued at once when work has started
    (``issue_now``). Raises PartsError, NotEnoughStock."""
    stock = stock_service.find_by_code(data.get("code") or "", "code")
    qty = quantity(data.get("quantity"), "quantity")
    payer = data.get("payer") or ""
    if payer not in PAYERS:
        raise PartsError(_("请选择结算方。"), "payer")
    discount = money(data.get("discount"), "discount")
    gross = (qty * stock.sale_price).quantize(CENT)
    if discount > gross:
        raise PartsError(_("优惠不能超过配件金额 %(a)s。", a=f"¥{gross:,.2f}"), "discount")
    stock_service.reserve(stock.id, qty, reference)
    line = RepairOrderPart(
        repair_order_id=repair_order_id,
        part_stock_id=stock.id,
        description=f"{stock.part.code} {stock.part.name}",
        quantity=qty,
        unit_price=stock.sale_price,
        discount=discount,
        amount=gross - discount,
        payer=payer,
    )
    db.session.add(line)
    db.session.flush()
    audit.record("create", line, after=audit.snapshot(line), summary=reference)
    if issue_now:
        _issue(line, reference)
    return line


def _issue(line: RepairOrderPart, reference: str) -> None:
    stock_service.apply_movement(
        line.part_stock_id, "issue", -line.quantity, reference=reference, consume_reserved=line.quantity
    )
    line.status = "issued"
    db.session.flush()


def issue_all(repair_order_id: int, reference: str) -> int:
    """Issue every reserved line of the RO (work started); returns how many."""
    lines = [line for line in lines_for(repair_order_id) if line.status == "reserved"]
    for line in lines:
        _issue(line, reference)
    return len(lines)


def remove_line(repair_order_part_id: Any, reference: str) -> int:
    """Take a parts line off its RO: a reservation is given back, issued parts return to
    stock (a ``return`` movement). Returns the RO's id."""
    line = get_line(repair_order_part_id)
    if line.status == "issued":
        stock_service.apply_movement(line.part_stock_id, "return", line.quantity, reference=reference)
    else:
        stock_service.release(line.part_stock_id, line.quantity)
    audit.record("delete", line, before=audit.snapshot(line), summary=reference)
    repair_order_id = line.repair_order_id
    db.session.delete(line)
    db.session.flush()
    return repair_order_id


def release_all(repair_order_id: int, reference: str) -> None:
    """The RO was cancelled (before work started): every reservation is given back."""
    for line in lines_for(repair_order_id):
        remove_line(line.id, reference)


def totals_by_payer(repair_order_id: int) -> dict[str, Decimal]:
    return sum_by_payer(lines_for(repair_order_id))


def sum_by_payer(lines: Iterable[RepairOrderPart]) -> dict[str, Decimal]:
    """The parts lines' amounts per payer, in the lines' order."""
    sums: dict[str, Decimal] = OrderedDict()
    for line in lines:
        sums[line.payer] = sums.get(line.payer, Decimal("0.00")) + line.amount
    return sums
