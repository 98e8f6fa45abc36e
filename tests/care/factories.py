"""Rows the call-back rules read: visits, deliveries, closed ROs, policies, service history."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D

from dealer_saas.extensions import db
from dealer_saas.sales.models import Delivery, InsurancePolicy, SalesOrder
from dealer_saas.service.models import RepairOrder, ServiceEvent
from dealer_saas.timeutil import from_local

from .. import factories

_numbers = itertools.count(1)


def at(day: dt.date, hour: int = 11) -> dt.datetime:
    """A store-local time of ``day`` (Asia/Shanghai), as UTC."""
    return from_local(dt.datetime.combine(day, dt.time(hour, 0)))


def customer(store, **fields):
    return factories.CustomerFactory(store=store, **fields)


def vehicle(store, owner, **fields):
    return factories.CustomerVehicleFactory(store=store, owner=owner, **fields)


def visit(store, cust, day: dt.date, kind: str = "walk_in"):
    return factories.VisitFactory(store=store, customer=cust, kind=kind, time_in=at(day))


def delivery(store, cust, day: dt.date):
    model = factories.VehicleModelFactory(org_id=store.org_id)
    order = SalesOrder(
        store_id=store.id,
        org_id=store.org_id,
        number=f"SO-T-{next(_numbers):05d}",
        customer_id=cust.id,
        model_id=model.id,
        list_price=D("200000"),
        total=D("200000"),
        status="delivered",
    )
    db.session.add(order)
    db.session.flush()
    row = Delivery(store_id=store.id, org_id=store.org_id, order_id=order.id, delivered_at=at(day))
    db.session.add(row)
    db.session.flush()
    return row


def repair_order(store, car, day: dt.date, mileage: int, status: str = "closed"):
    ro = RepairOrder(
        store_id=store.id,
        org_id=store.org_id,
        number=f"RO-C-{next(_numbers):05d}",
        customer_id=car.owner_id,
        vehicle_id=car.id,
        status=status,
        mileage_in=mileage,
        opened_at=at(day, 9),
        closed_at=at(day, 17) if status == "closed" else None,
    )
    db.session.add(ro)
    db.session.flush()
    return ro


def ro_closed_event(store, car, day: dt.date):
    ro = repair_order(store, car, day, 10000)
    event = ServiceEvent(
        store_id=store.id,
        org_id=store.org_id,
        kind="ro_closed",
        repair_order_id=ro.id,
        customer_id=car.owner_id,
        vehicle_id=car.id,
        occurred_at=at(day, 17),
    )
    db.session.add(event)
    db.session.flush()
    return event


def policy(store, cust, expires_on: dt.date, status: str = "issued", vin: str = ""):
    row = InsurancePolicy(
        store_id=store.id,
        org_id=store.org_id,
        customer_id=cust.id,
        vin=vin,
        insurer="平安",
        premium=D("5000"),
        starts_on=expires_on - dt.timedelta(days=365),
        expires_on=expires_on,
        status=status,
    )
    db.session.add(row)
    db.session.flush()
    return row
