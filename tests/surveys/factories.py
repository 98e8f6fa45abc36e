"""Builders for the occasions a survey follows (flushed, never committed)."""

from __future__ import annotations

import datetime as dt
import itertools

from dealer_saas.extensions import db
from dealer_saas.service.models import RepairOrder, ServiceEvent
from dealer_saas.timeutil import utcnow

from .. import factories

_numbers = itertools.count(1)


def closed_ro(store, customer, advisor, *, hours_ago: float = 0) -> RepairOrder:
    """A closed RO and the ``ro_closed`` event the service module writes when it closes."""
    vehicle = factories.CustomerVehicleFactory(store=store, owner=customer)
    at = utcnow() - dt.timedelta(hours=hours_ago)
    ro = RepairOrder(
        store_id=store.id,
        org_id=store.org_id,
        number=f"RO-T-{next(_numbers)}",
        customer_id=customer.id,
        vehicle_id=vehicle.id,
        advisor_id=advisor.id,
        status="closed",
        mileage_in=10000,
        closed_at=at,
    )
    db.session.add(ro)
    db.session.flush()
    db.session.add(
        ServiceEvent(
            store_id=store.id,
            org_id=store.org_id,
            kind="ro_closed",
            repair_order_id=ro.id,
            customer_id=customer.id,
            vehicle_id=vehicle.id,
            occurred_at=at,
        )
    )
    db.session.flush()
    return ro
