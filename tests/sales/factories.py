"""Builders for sales rows in a given state (flushed, never committed)."""

from __future__ import annotations

import decimal
from dataclasses import dataclass

from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.inventory.models import StockVehicle, VehicleModel
from dealer_saas.sales.models import SalesOrder
from dealer_saas.tenancy import Store, User

from .. import factories

D = decimal.Decimal


@dataclass
class SalesWorld:
    store: Store
    model: VehicleModel
    other_model: VehicleModel
    demo_car: StockVehicle
    cars: list[StockVehicle]
    customer: Customer
    consultant: User
    manager: User
    store_manager: User


def world(store: Store, cars: int = 3) -> SalesWorld:
    model = factories.VehicleModelFactory(org_id=store.org_id, list_price=D("200000.00"))
    other = factories.VehicleModelFactory(org_id=store.org_id, list_price=D("150000.00"))
    demo_car = factories.StockVehicleFactory(store=store, vehicle_model=model, is_demo=True, plate="粤A12345")
    stock = [factories.StockVehicleFactory(store=store, vehicle_model=model) for _ in range(cars)]
    consultant = factories.user_with_role("sales_consultant", store)
    customer = factories.CustomerFactory(store=store, owner_id=consultant.id)
    return SalesWorld(
        store,
        model,
        other,
        demo_car,
        stock,
        customer,
        consultant,
        factories.user_with_role("sales_manager", store),
        factories.user_with_role("store_manager", store),
    )


def order(
    w: SalesWorld,
    *,
    status: str = "draft",
    discount: str = "0",
    consultant: User | None = None,
    total: str | None = None,
    deposit: str = "5000",
    paid: str = "0",
    vehicle: StockVehicle | None = None,
    levels: int = 0,
    done: int = 0,
    **fields,
) -> SalesOrder:
    """An order in any state (built directly, to test the rules of the next step). Its tax and
    fees default to the computed purchase tax (nothing waived), unless ``fees_total`` is given."""
    from dealer_saas.sales.services import default_purchase_tax

    consultant = consultant or w.consultant
    price = w.model.list_price
    fields.setdefault("fees_total", default_purchase_tax(price, D(discount)))
    row = SalesOrder(
        store_id=w.store.id,
        org_id=w.store.org_id,
        number=f"SO-T-{id(fields)}-{factories.random.randrange(10**9)}",
        customer_id=w.customer.id,
        consultant_id=consultant.id,
        created_by_id=consultant.id,
        model_id=w.model.id,
        list_price=price,
        discount=D(discount),
        total=D(total) if total else price - D(discount),
        deposit_required=D(deposit),
        paid_total=D(paid),
        status=status,
        approval_levels_required=levels,
        approval_levels_done=done,
        stock_vehicle_id=vehicle.id if vehicle else None,
        **fields,
    )
    if vehicle is not None and vehicle.state == "in_stock" and status in ("allocated", "invoiced"):
        vehicle.state = "allocated"
    db.session.add(row)
    db.session.flush()
    return row
