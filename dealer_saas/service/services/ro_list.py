"""The repair order list (维修工单列表): newest first, keyset-paged, read as columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ... import pagination
from ...customers.models import Customer, CustomerVehicle, shown_name
from ...tenancy import User
from ..models import RO_STATUSES, RepairOrder

RO_SORTS = {"new": pagination.Sort("new", (RepairOrder.opened_at, RepairOrder.id), desc=True)}


class RoListRow(NamedTuple):
    """One row of the RO list, read as columns (the list only shows them: no ORM repair
    orders, customers, cars and advisors per row)."""

    id: int
    number: str
    status: str
    store_id: int
    opened_at: dt.datetime
    total: Decimal
    car: str
    customer: str
    advisor: str | None


def repair_order_page(*, after: str | None = None, status: str | None = None, size: int = 20) -> pagination.Page:
    """Newest first; ``status`` one of the states or ``live`` (not closed or cancelled)."""
    advisor_user = aliased(User)
    stmt = (
        select(
            RepairOrder.id,
            RepairOrder.number,
            RepairOrder.status,
            RepairOrder.store_id,
            RepairOrder.opened_at,
            RepairOrder.total,
            CustomerVehicle.plate,
            CustomerVehicle.vin,
            shown_name(),
            advisor_user.name.label("advisor"),
        )
        .outerjoin(Customer, Customer.id == RepairOrder.customer_id)
        .outerjoin(CustomerVehicle, CustomerVehicle.id == RepairOrder.vehicle_id)
        .outerjoin(advisor_user, advisor_user.id == RepairOrder.advisor_id)
    )
    if status in RO_STATUSES:
        stmt = stmt.where(RepairOrder.status == status)
    elif status == "live":
        stmt = stmt.where(RepairOrder.status.notin_(("closed", "cancelled")))
    page = pagination.keyset_page(stmt, RO_SORTS["new"], after, size, scalars=False)
    page.items = [
        RoListRow(
            ident,
            number,
            status,
            store_id,
            opened_at,
            total,
            plate or vin,
            name,
            advisor,
        )
        for ident, number, status, store_id, opened_at, total, plate, vin, name, advisor in (page.items)
    ]
    return page
