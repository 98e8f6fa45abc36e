"""Allocation and delivery rules: a deposit-paid order gets one in-stock car of its model
(one live order per car), and the hand-over: every checklist item ticked, the car marked
delivered, the card won. The delivered car is attached to the customer by the customers
module's own service (a module writes another module's rows only through its services).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, tenancy
from ...customers import services as customers
from ...customers.services import CustomerError, DuplicateVin
from ...extensions import db
from ...i18n import N_
from ...inventory import services as inventory
from ...inventory.models import StockVehicle
from ...timeutil import utcnow
from ...validation import bounded_id
from ..models import Delivery, SalesOrder
from ._common import InvalidTransition, SalesError, _ctx
from .orders import _transition, get_order

#: the delivery checklist (交车检查): every item must be ticked
DELIVERY_CHECKLIST: dict[str, str] = {
    "exterior": N_("车辆外观检查"),
    "tools": N_("随车工具"),
    "documents": N_("发票/合格证"),
    "insurance": N_("保险单"),
    "instructions": N_("使用说明讲解"),
    "first_service": N_("首保提醒"),
    "signature": N_("客户签字"),
}


def allocation_choices(order: SalesOrder) -> list[StockVehicle]:
    """In-stock cars of the order's model that may be allocated."""
    return inventory.available_for_model(order.model_id)


def allocate_vehicle(sales_order_id: Any, stock_vehicle_id: Any) -> SalesOrder:
    """Give a deposit-paid order its car (VIN). The car row is locked and the order's unique
    stock_vehicle_id backs it up: one live order per car. Raises SalesError."""
    order = get_order(sales_order_id)
    if order.status == "approved" or order.paid_total < order.deposit_required:
        raise InvalidTransition(_("付定金后才能配车。"))
    _transition(order, "allocated", check_only=True)
    vehicle_id = bounded_id(stock_vehicle_id)
    if vehicle_id is None:
        raise SalesError(_("请选择车辆。"), "stock_vehicle_id")
    try:
        vehicle = inventory.allocate_to_order(vehicle_id, order.model_id)
    except inventory.VehicleUnavailable as error:
        raise SalesError(str(error), "stock_vehicle_id") from None
    order.stock_vehicle = vehicle  # keeps the loaded relationship in step with the column
    _transition(
        order,
        "allocated",
        summary=f"{order.number} {vehicle.vin}",
        changes={"stock_vehicle_id": vehicle.id, "colour": order.colour or vehicle.colour},
    )
    return order


def deliver_order(
    sales_order_id: Any,
    *,
    checklist: dict[str, bool],
    received_by_name: str,
    mileage: int | None = None,
    notes: str = "",
) -> Delivery:
    """Hand the car over: every checklist item ticked; the customers module attaches the
    car to the customer (vehicle, ownership, owner level), the car is marked delivered, the
    card won."""
    order = get_order(sales_order_id)
    _transition(order, "delivered", check_only=True)
    missing = [label for code, label in DELIVERY_CHECKLIST.items() if not checklist.get(code)]
    if missing:
        raise SalesError(_("交车检查未完成：%(items)s。", items="、".join(_(m) for m in missing)), "checklist")
    received_by_name = (received_by_name or "").strip()
    if not received_by_name:
        raise SalesError(_("请填写接车人姓名。"), "received_by_name")
    vehicle = order.stock_vehicle
    if vehicle is None:
        raise SalesError(_("订单尚未配车。"))
    model = order.vehicle_model
    try:
        customers.attach_delivered_vehicle(
            order.customer_id,
            vin=vehicle.vin,
            delivered_on=tenancy.store_today(),
            brand=model.brand,
            model=model.series,
            trim=model.trim,
            colour=order.colour or vehicle.colour,
            model_id=model.id,
            mileage=mileage,
            sales_order_id=order.id,
        )
    except DuplicateVin:
        raise SalesError(_("车架号 %(vin)s 已登记在客户车辆中。", vin=vehicle.vin)) from None
    except CustomerError as error:
        raise SalesError(str(error), getattr(error, "field", None)) from None
    now = utcnow()
    delivery = Delivery(
        order_id=order.id,
        checklist={k: bool(checklist.get(k)) for k in DELIVERY_CHECKLIST},
        received_by_name=received_by_name[:80],
        mileage=mileage,
        notes=(notes or "").strip(),
        delivered_at=now,
        delivered_by_id=_ctx().user_id,
    )
    db.session.add(delivery)
    try:
        inventory.mark_delivered(vehicle)
    except inventory.InventoryError as error:
        raise SalesError(str(error)) from None
    _transition(order, "delivered", changes={"delivered_at": now})
    audit.record("create", delivery, after=audit.snapshot(delivery), summary=order.number)
    customers.mark_customer_owner(order.customer_id)
    _mark_card_won(order)
    return delivery


def _mark_card_won(order: SalesOrder) -> None:
    """The deal is won when the car is handed over (leads.services owns the card rules)."""
    from ...leads import services as leads_services

    if order.card_id:
        leads_services.mark_card_won(order.card_id, order.id)


def get_delivery(order: SalesOrder) -> Delivery | None:
    return db.session.execute(select(Delivery).where(Delivery.order_id == order.id)).scalar_one_or_none()
