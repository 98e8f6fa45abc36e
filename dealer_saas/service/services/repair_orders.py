"""Repair orders: reception, labour and package lines, totals per payer, payments,
settlement and closing (which records the visit through the customers module)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, tenancy
from ...customers import service_history
from ...customers.models import CustomerVehicle
from ...domain import flush_or_stale
from ...extensions import db
from ...parts.services import ro_parts
from ...timeutil import as_utc, local_today, utcnow
from .. import settings
from ..models import (
    FUEL_LEVELS,
    PAYERS,
    PAYMENT_METHODS,
    LabourOperation,
    RepairOrder,
    RepairOrderLine,
    ServiceEvent,
    ServicePackage,
    ServicePayment,
)

# the RO's readers live in ro_reading; callers keep reading them from here
from .ro_reading import (  # noqa: F401
    find_vehicle,
    get_repair_order,
    history_for_vehicle,
    repair_order_for_page,
    repair_order_for_statement,
    repair_order_with,
    vehicle_for_history,
)
from .rules import (
    CENT,
    RO_MOVES,
    ServiceError,
    ServiceStale,
    advisors,
    check_staff,
    ctx,
    hours,
    lock_store,
    money,
    technicians,
)

#: RO states in which lines may be added or removed
EDITABLE_STATES = ("open", "in_progress")
MAX_TEXT = 2000


# --------------------------------------------------------------------------- reception


def _next_number(store: Any) -> str:
    prefix = f"RO-{local_today(store.timezone).strftime('%Y%m%d')}"
    last = db.session.execute(
        select(RepairOrder.number)
        .where(RepairOrder.number.like(prefix + "-%"))
        .order_by(sa.func.length(RepairOrder.number).desc(), RepairOrder.number.desc())
        .limit(1)
    ).scalar()
    seq = 1
    if last:
        try:
            seq = int(last.rsplit("-", 1)[1]) + 1
        except ValueError:
            seq = 1
    return f"{prefix}-{seq:03d}"


def _clean_reception(vehicle: CustomerVehicle, data: dict[str, Any]) -> dict[str, Any]:
    mileage = service_history.check_mileage(vehicle, data.get("mileage_in"), "mileage_in")
    fuel = data.get("fuel_level") or ""
    if fuel not in FUEL_LEVELS:
        raise ServiceError(_("请选择油量。"), "fuel_level")
    complaints = (data.get("complaints") or "").strip()
    if not complaints:
        raise ServiceError(_("请填写客户描述的故障或需求。"), "complaints")
    promised_at = data.get("promised_at")
    if promised_at is not None:
        promised_at = as_utc(promised_at)
        if promised_at < utcnow() - dt.timedelta(hours=1):
            raise ServiceError(_("预计交车时间不能早于现在。"), "promised_at")
    return {
        "mileage_in": mileage,
        "fuel_level": fuel,
        "complaints": complaints[:MAX_TEXT],
        "walkaround_notes": (data.get("walkaround_notes") or "").strip()[:MAX_TEXT],
        "promised_at": promised_at,
        "advisor_id": check_staff(data.get("advisor_id"), advisors(), "advisor_id", _("请选择本店的服务顾问。")),
    }


def open_repair_order(vehicle_id: Any, data: dict[str, Any]) -> RepairOrder:
    """Receive a car (接车): mileage (never below the car's last reading), fuel, the
    customer's complaints and the walk-around; numbered per store and day under the store
    lock. The owner of the car is the RO's customer."""
    store = tenancy.writable_store()
    vehicle = tenancy.get_or_404(CustomerVehicle, vehicle_id)
    if vehicle.owner_id is None:
        raise ServiceError(_("该车辆没有车主，请先在客户档案中登记车主。"), "plate_or_vin")
    values = _clean_reception(vehicle, data)
    if values["advisor_id"] is None:
        values["advisor_id"] = ctx().user_id
    lock_store(store)
    ro = RepairOrder(number=_next_number(store), customer_id=vehicle.owner_id, vehicle_id=vehicle.id, **values)
    db.session.add(ro)
    db.session.flush()
    audit.record("create", ro, after=audit.snapshot(ro), summary=ro.number)
    return ro


def update_reception(repair_order_id: Any, version: Any, data: dict[str, Any]) -> RepairOrder:
    """Correct the reception while the car has not left the workshop (optimistic lock)."""
    ro = get_repair_order(repair_order_id)
    if ro.status not in ("open", "in_progress", "quality_check"):
        raise ServiceError(_("工单已完工，不能再修改接车信息。"))
    if str(version) != str(ro.version):
        raise ServiceStale()
    values = _clean_reception(ro.vehicle, data)
    if values["advisor_id"] is None:
        values["advisor_id"] = ro.advisor_id
    before = audit.snapshot(ro, list(values))
    for key, value in values.items():
        setattr(ro, key, value)
    flush_ro()
    audit.record("update", ro, before=before, after=audit.snapshot(ro, list(values)), summary=ro.number)
    return ro


# --------------------------------------------------------------------------- lines


def _editable(ro: RepairOrder) -> None:
    if ro.status not in EDITABLE_STATES:
        raise ServiceError(
            _("工单状态为「%(s)s」，不能再增减项目。", s=RO_MOVES.label(ro.status)),
        )


def _recompute_total(ro: RepairOrder) -> None:
    db.session.flush()
    parts = sum(ro_parts.totals_by_payer(ro.id).values(), Decimal("0.00")) if ro.id else Decimal("0.00")
    ro.total = sum((line.amount for line in ro.lines), Decimal("0.00")) + parts


def _line_common(data: dict[str, Any]) -> tuple[str, int | None, Decimal]:
    payer = data.get("payer") or ""
    if payer not in PAYERS:
        raise ServiceError(_("请选择结算方。"), "payer")
    technician_id = check_staff(data.get("technician_id"), technicians(), "technician_id", _("请选择本店的技师。"))
    discount = money(data.get("discount"), "discount")
    return payer, technician_id, discount


def add_labour_line(repair_order_id: Any, data: dict[str, Any]) -> RepairOrderLine:
    """A labour line from the catalogue: hours (the standard hours unless changed) x the
    store's rate for the category, less a discount (never more than the line)."""
    ro = get_repair_order(repair_order_id)
    _editable(ro)
    operation = tenancy.get_or_none(LabourOperation, data.get("operation_id"))
    if operation is None or not operation.is_active:
        raise ServiceError(_("请选择工时项目。"), "operation_id")
    payer, technician_id, discount = _line_common(data)
    line_hours = hours(data.get("hours"), "hours") if data.get("hours") not in (None, "") else operation.standard_hours
    rate = settings.labour_rates(tenancy.writable_store())[operation.category]
    gross = (line_hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    if discount > gross:
        raise ServiceError(_("优惠不能超过项目金额 %(a)s。", a=f"¥{gross:,.2f}"), "discount")
    line = RepairOrderLine(
        operation_id=operation.id,
        description=f"{operation.code} {operation.name}",
        category=operation.category,
        payer=payer,
        technician_id=technician_id,
        hours=line_hours,
        rate=rate,
        discount=discount,
        amount=gross - discount,
    )
    return append_line(ro, line)


def add_package_line(repair_order_id: Any, data: dict[str, Any]) -> RepairOrderLine:
    """A package as one line priced as a whole (its hours are the operations' standard)."""
    ro = get_repair_order(repair_order_id)
    _editable(ro)
    package = tenancy.get_or_none(ServicePackage, data.get("package_id"))
    if package is None or not package.is_active:
        raise ServiceError(_("请选择套餐。"), "package_id")
    payer, technician_id, discount = _line_common(data)
    if discount > package.price:
        raise ServiceError(_("优惠不能超过项目金额 %(a)s。", a=f"¥{package.price:,.2f}"), "discount")
    line = RepairOrderLine(
        package_id=package.id,
        description=f"{package.code} {package.name}",
        category=package.category,
        payer=payer,
        technician_id=technician_id,
        hours=package.hours or Decimal("1.00"),
        rate=package.price,
        discount=discount,
        amount=package.price - discount,
    )
    return append_line(ro, line)


def append_line(ro: RepairOrder, line: RepairOrderLine) -> RepairOrderLine:
    ro.lines.append(line)  # the relationship sets the RO (adding it twice would list it twice)
    _recompute_total(ro)
    flush_ro()
    audit.record("create", line, after=audit.snapshot(line), summary=ro.number)
    return line


def flush_ro() -> None:
    """Flush; a row someone else saved first is "changed by someone else"."""
    flush_or_stale(ServiceStale)


def get_line(repair_order_line_id: Any) -> RepairOrderLine:
    return tenancy.get_or_404(RepairOrderLine, repair_order_line_id)


def remove_line(repair_order_line_id: Any) -> RepairOrder:
    """Take a line off the RO before any work was done on it."""
    line = get_line(repair_order_line_id)
    ro = line.repair_order
    _editable(ro)
    if line.status != "pending" or line.actual_minutes or line.rework_count:
        raise ServiceError(_("已开工的项目不能删除。"))
    audit.record("delete", line, before=audit.snapshot(line), summary=ro.number)
    ro.lines.remove(line)
    db.session.delete(line)
    _recompute_total(ro)
    flush_ro()
    return ro


def assign_technician(repair_order_line_id: Any, technician_id: Any) -> RepairOrderLine:
    """Give a line to a technician of the store (before its work is finished)."""
    line = get_line(repair_order_line_id)
    if line.status not in ("pending", "paused") or line.repair_order.status not in EDITABLE_STATES:
        raise ServiceError(_("该项目已在施工或已完工，不能改派。"), "technician_id")
    new_id = check_staff(technician_id, technicians(), "technician_id", _("请选择本店的技师。"))
    before = audit.snapshot(line, ["technician_id"])
    line.technician_id = new_id
    flush_ro()
    audit.record("update", line, before=before, after=audit.snapshot(line, ["technician_id"]))
    return line


# --------------------------------------------------------------------------- money


def totals_by_payer(ro: RepairOrder, parts: Iterable[Any] | None = None) -> OrderedDict[str, Decimal]:
    """What each payer owes on the RO, labour and parts lines (only the payers that have
    lines), in ``PAYERS`` order; ``parts``: the RO's parts lines when the caller read them
    already (else one statement)."""
    sums: dict[str, Decimal] = {}
    for line in ro.lines:
        sums[line.payer] = sums.get(line.payer, Decimal("0.00")) + line.amount
    by_parts = ro_parts.totals_by_payer(ro.id) if parts is None else ro_parts.sum_by_payer(parts)
    for payer, amount in by_parts.items():
        sums[payer] = sums.get(payer, Decimal("0.00")) + amount
    return OrderedDict((payer, sums[payer]) for payer in PAYERS if payer in sums)


def paid_by_payer(ro: RepairOrder) -> dict[str, Decimal]:
    paid: dict[str, Decimal] = {}
    for payment in ro.payments:
        paid[payment.payer] = paid.get(payment.payer, Decimal("0.00")) + payment.amount
    return paid


def outstanding_by_payer(ro: RepairOrder, totals: dict[str, Decimal] | None = None) -> OrderedDict[str, Decimal]:
    paid = paid_by_payer(ro)
    totals = totals_by_payer(ro) if totals is None else totals
    return OrderedDict((payer, due - paid.get(payer, Decimal("0.00"))) for payer, due in totals.items())


def record_payment(
    repair_order_id: Any, *, payer: str, method: str, amount: Any, reference: str = ""
) -> ServicePayment:
    """A payment against one payer's share, once the car is ready; never more than that
    payer still owes."""
    ro = get_repair_order(repair_order_id)
    if ro.status != "ready":
        raise ServiceError(_("工单质检通过、待交车时才能收款。"))
    if payer not in PAYERS:
        raise ServiceError(_("请选择结算方。"), "payer")
    if method not in PAYMENT_METHODS:
        raise ServiceError(_("请选择付款方式。"), "method")
    value = money(amount, "amount")
    if value <= 0:
        raise ServiceError(_("金额须大于 0。"), "amount")
    owed = outstanding_by_payer(ro).get(payer, Decimal("0.00"))
    if value > owed:
        raise ServiceError(_("超过该结算方未付金额 %(a)s。", a=f"¥{owed:,.2f}"), "amount")
    payment = ServicePayment(
        payer=payer,
        method=method,
        amount=value,
        reference=(reference or "").strip()[:60],
        by_user_id=ctx().user_id,
    )
    ro.payments.append(payment)
    before = audit.snapshot(ro, ["paid_total"])
    ro.paid_total = sum((p.amount for p in ro.payments), Decimal("0.00"))
    flush_ro()
    audit.record("create", payment, after=audit.snapshot(payment), summary=ro.number)
    audit.record("update", ro, before=before, after=audit.snapshot(ro, ["paid_total"]), summary=ro.number)
    return payment


# --------------------------------------------------------------------------- the RO's own moves


def next_service_due(ro: RepairOrder, closed_on: dt.date) -> tuple[dt.date, int]:
    """The store's rule for the car's model (else the store's default interval): the next
    service ``months`` after the close date, or ``km`` above the RO's mileage."""
    rule = settings.interval_for(tenancy.writable_store(), ro.vehicle.model)
    return add_months(closed_on, rule.months), ro.mileage_in + rule.km


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def change_state(repair_order_id: Any, action: str, *, reason: str = "") -> RepairOrder:
    """The advisor's moves: cancel (before work starts, with a reason), settle (the
    customer's share paid in full; the other payers are billed), close (records the visit
    and the next service due on the car, and the event for the call-back and survey)."""
    ro = get_repair_order(repair_order_id)
    target = RO_MOVES.target_of(ro, action)
    now = utcnow()
    changes: dict[str, Any] = {}
    if action == "cancel":
        reason = (reason or "").strip()
        if not reason:
            raise ServiceError(_("请填写取消原因。"), "reason")
        if any(line.status != "pending" or line.actual_minutes for line in ro.lines):
            raise ServiceError(_("已开工的工单不能取消。"))
        changes = {"cancelled_at": now, "cancel_reason": reason[:200]}
        ro_parts.release_all(ro.id, ro.number)
    elif action == "settle":
        if not ro.lines:
            raise ServiceError(_("工单没有项目，不能结算。"))
        owed = outstanding_by_payer(ro).get("customer", Decimal("0.00"))
        if owed > 0:
            raise ServiceError(_("客户还有 %(a)s 未付，请先收款。", a=f"¥{owed:,.2f}"))
        changes = {"settled_at": now}
    elif action == "close":
        closed_on = tenancy.store_today()
        due_date, due_mileage = next_service_due(ro, closed_on)
        service_history.record_service_visit(
            ro.vehicle_id,
            mileage=ro.mileage_in,
            serviced_on=closed_on,
            next_due_date=due_date,
            next_due_mileage=due_mileage,
        )
        changes = {"closed_at": now, "next_due_date": due_date, "next_due_mileage": due_mileage}
    elif action not in ("start", "to_qc", "rework", "pass"):
        raise ServiceError(_("未知操作。"))
    RO_MOVES.apply(ro, target, changes=changes, summary=ro.number, checked=True)
    if action == "close":
        event = ServiceEvent(
            kind="ro_closed", repair_order_id=ro.id, customer_id=ro.customer_id, vehicle_id=ro.vehicle_id
        )
        db.session.add(event)
        db.session.flush()
    return ro


def follow(ro: RepairOrder) -> None:
    """Move the RO after its lines: the first line started starts the RO; every line done
    sends it to the quality check; every line passed makes it ready; a failed line sends a
    checked RO back to work."""
    statuses = {line.status for line in ro.lines}
    if ro.status == "open" and statuses & {"working", "paused", "done", "passed"}:
        RO_MOVES.apply(ro, "in_progress", summary=ro.number)
        ro_parts.issue_all(ro.id, ro.number)  # work started: the reserved parts are issued
    if ro.status == "in_progress" and ro.lines and statuses <= {"done", "passed"}:
        RO_MOVES.apply(ro, "quality_check", summary=ro.number)
    if ro.status == "quality_check":
        if statuses == {"passed"}:
            RO_MOVES.apply(ro, "ready", changes={"ready_at": utcnow()}, summary=ro.number)
        elif statuses - {"done", "passed"}:
            RO_MOVES.apply(ro, "in_progress", summary=ro.number)
