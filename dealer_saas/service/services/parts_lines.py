"""The parts lines of a repair order, through the parts module's services (service never
writes parts rows): added and removed while the RO is open or in progress; reserved when
added, issued when work starts (at once on an RO already in progress); cancelling the RO
gives the reservations back. Their amounts count in the RO's total and its totals per payer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ... import audit
from ...parts.services import ro_parts
from ..models import RepairOrder
from .repair_orders import _editable, flush_ro, get_repair_order


def page_context(ro: RepairOrder) -> dict[str, Any]:
    """What the RO page's parts section (``parts/_ro_parts.html``) shows: the lines and the
    form to add one."""
    from ...parts.forms import RoPartForm

    return {"ro_parts": lines_of(ro), "ro_part_form": RoPartForm(formdata=None)}


def lines_of(ro: RepairOrder) -> list[Any]:
    """The RO's parts lines with their parts (one statement)."""
    return ro_parts.lines_for(ro.id)


def parts_total(ro: RepairOrder) -> Decimal:
    return sum(ro_parts.totals_by_payer(ro.id).values(), Decimal("0.00"))


def add_part_line(repair_order_id: Any, data: dict[str, Any]):
    """Reserve a part for the RO (issued at once when its work has started)."""
    ro = get_repair_order(repair_order_id)
    _editable(ro)
    line = ro_parts.add_line(ro.id, data, reference=ro.number, issue_now=ro.status == "in_progress")
    _retotal(ro)
    return line


def remove_part_line(repair_order_part_id: Any) -> RepairOrder:
    """Take a parts line off (reservation released, or issued parts returned to stock)."""
    line = ro_parts.get_line(repair_order_part_id)
    ro = get_repair_order(line.repair_order_id)
    _editable(ro)
    ro_parts.remove_line(line.id, ro.number)
    _retotal(ro)
    return ro


def _retotal(ro: RepairOrder) -> None:
    before = audit.snapshot(ro, ["total"])
    ro.total = sum((line.amount for line in ro.lines), Decimal("0.00")) + parts_total(ro)
    flush_ro()
    audit.record("update", ro, before=before, after=audit.snapshot(ro, ["total"]), summary=ro.number)
