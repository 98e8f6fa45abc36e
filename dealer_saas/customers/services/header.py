"""The customer 360's header in ONE statement (issue 15): the customer with its owner, its
cars and their owner history (joined), its tags (aggregated), the other modules' open work
(their selects joined, ``timeline.open_work_source``) and the user's openings in the last
hour (a scalar subquery, for the hourly ceiling of :func:`pii.record_open`). With the
signed-in user, the opening's insert and the ``view_pii`` row, the first response is four
statements; contacts, the timeline and the assignment form are panels of their own."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from ... import tenancy
from ...extensions import db
from ...validation import bounded_id
from ..models import Customer, CustomerTag, CustomerVehicle, VehicleOwnership
from ..timeline import OpenWork, open_work_subquery, render_open_work
from . import pii
from ._common import visible_customers

TAG_SEPARATOR = ","  # never inside a tag (``parse_tags`` splits on it)


@dataclass
class Header:
    customer: Customer
    tags: list[str] = field(default_factory=list)
    open_work: list[OpenWork] = field(default_factory=list)
    #: the user's openings of customer records in the hour before ``now`` (None: not counted)
    opened_before: int | None = None
    now: dt.datetime | None = None

    @property
    def vehicles(self) -> list[CustomerVehicle]:
        return list(self.customer.vehicles)


def customer_360(customer_id: Any) -> Header:
    """The header of a customer the current user may see, or 404 (another store's, or
    another consultant's customer, is simply not found)."""
    ident = bounded_id(customer_id)
    if ident is None:
        abort(404)
    ctx = tenancy.current()
    now = pii.utcnow()
    tags = (
        sa.select(sa.func.aggregate_strings(CustomerTag.tag, TAG_SEPARATOR))
        .where(CustomerTag.customer_id == Customer.id)
        .scalar_subquery()
    )
    stmt = visible_customers().where(Customer.id == ident).add_columns(tags.label("tag_list"))
    counting = ctx.user_id is not None and not ctx.is_system
    if counting:
        stmt = stmt.add_columns(pii.opens_in_window_column(now).label("opened_before"))
    work, sources = open_work_subquery(ident)
    if work is not None:
        stmt = stmt.outerjoin_from(Customer, work, sa.true()).add_columns(*(c.label(f"w_{c.name}") for c in work.c))
    stmt = stmt.options(
        joinedload(Customer.owner),
        joinedload(Customer.vehicles).joinedload(CustomerVehicle.ownerships).joinedload(VehicleOwnership.customer),
    )
    rows = db.session.execute(tenancy.with_store_of(stmt, Customer)).unique().all()
    if not rows:
        abort(404)
    first = rows[0]
    tenancy.keep_stores_of(first)  # the freeze check reads the customer's store's limit
    names = [name[2:] for name in first._fields if name.startswith("w_")]
    return Header(
        customer=first[0],
        tags=sorted(set(first.tag_list.split(TAG_SEPARATOR))) if first.tag_list else [],
        open_work=render_open_work([{n: getattr(r, f"w_{n}") for n in names} for r in rows], sources),
        opened_before=first.opened_before if counting else None,
        now=now,
    )
