"""Builders for service rows (flushed, never committed)."""

from __future__ import annotations

import decimal
import itertools
from dataclasses import dataclass

from dealer_saas.customers.models import Customer, CustomerVehicle
from dealer_saas.extensions import db
from dealer_saas.service.models import LabourOperation, RepairOrder, RepairOrderLine, ServicePackage, ServicePackageItem
from dealer_saas.tenancy import Store, User

from .. import factories

D = decimal.Decimal
_numbers = itertools.count(1)


@dataclass
class ServiceWorld:
    store: Store
    advisor: User
    tech: User
    tech2: User
    manager: User
    consultant: User
    customer: Customer
    vehicle: CustomerVehicle
    oil: LabourOperation
    brakes: LabourOperation
    package: ServicePackage


def world(store: Store) -> ServiceWorld:
    consultant = factories.user_with_role("sales_consultant", store)
    customer = factories.CustomerFactory(store=store, owner_id=consultant.id)
    vehicle = factories.CustomerVehicleFactory(store=store, owner=customer, plate="粤A12345", mileage=20000)
    oil = LabourOperation(
        org_id=store.org_id, code="M001", name="更换机油", category="maintenance", standard_hours=D("0.50")
    )
    brakes = LabourOperation(
        org_id=store.org_id, code="R001", name="更换刹车片", category="repair", standard_hours=D("1.20")
    )
    db.session.add_all([oil, brakes])
    db.session.flush()
    package = ServicePackage(org_id=store.org_id, code="PK10K", name="10000公里保养", price=D("588.00"))
    package.items.append(ServicePackageItem(org_id=store.org_id, operation=oil))
    db.session.add(package)
    db.session.flush()
    return ServiceWorld(
        store,
        factories.user_with_role("service_advisor", store),
        factories.user_with_role("technician", store),
        factories.user_with_role("technician", store),
        factories.user_with_role("store_manager", store),
        consultant,
        customer,
        vehicle,
        oil,
        brakes,
        package,
    )


def ro(w: ServiceWorld, *, status: str = "open", lines: int = 1, mileage: int = 20100) -> RepairOrder:
    """An RO in ``status`` with ``lines`` labour lines (each 1 h x 200, for the customer,
    technician ``tech``) whose line states match the RO's state."""
    line_status = {
        "open": "pending",
        "cancelled": "pending",
        "in_progress": "working",
        "quality_check": "done",
    }.get(status, "passed")
    order = RepairOrder(
        store_id=w.store.id,
        org_id=w.store.org_id,
        number=f"RO-T-{next(_numbers):04d}",
        customer_id=w.customer.id,
        vehicle_id=w.vehicle.id,
        advisor_id=w.advisor.id,
        status=status,
        mileage_in=mileage,
        complaints="保养",
        total=D("200.00") * lines,
    )
    for _n in range(lines):
        order.lines.append(
            RepairOrderLine(
                store_id=w.store.id,
                org_id=w.store.org_id,
                operation_id=w.oil.id,
                description="M001 更换机油",
                category="maintenance",
                payer="customer",
                technician_id=w.tech.id,
                hours=D("1.00"),
                rate=D("200.00"),
                amount=D("200.00"),
                status=line_status,
            )
        )
    db.session.add(order)
    db.session.flush()
    return order
