"""The sales module's entries on the customer 360 timeline: test drives, quotes, orders
(created, each state change, delivered)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import AuditLog
from ..customers.timeline import QuickAction, TimelineEntry, quick_action, timeline_source
from ..extensions import db
from ..i18n import N_
from .models import ORDER_STATUSES, QUOTE_STATUSES, TEST_DRIVE_STATUSES, Quote, SalesOrder, TestDrive


@timeline_source("sales.test_drives")
def test_drive_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    stmt = select(TestDrive).where(TestDrive.customer_id.in_(customer_ids)).options(joinedload(TestDrive.vehicle))
    if before is not None:
        stmt = stmt.where(TestDrive.starts_at < before)
    rows = db.session.execute(stmt.order_by(TestDrive.starts_at.desc()).limit(limit)).scalars()
    return [
        TimelineEntry(
            at=d.starts_at,
            kind="test_drive",
            icon="🚗",
            title=_("试驾（%(s)s）", s=TEST_DRIVE_STATUSES.get(d.status, d.status)),
            detail=" ".join(p for p in (d.vehicle.plate if d.vehicle else "", d.feedback[:80]) if p),
            url=url_for("sales.test_drive_detail", test_drive_id=d.id),
            key=f"td{d.id}",
        )
        for d in rows
    ]


@timeline_source("sales.quotes")
def quote_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    stmt = select(Quote).where(Quote.customer_id.in_(customer_ids)).options(joinedload(Quote.vehicle_model))
    if before is not None:
        stmt = stmt.where(Quote.created_at < before)
    rows = db.session.execute(stmt.order_by(Quote.created_at.desc()).limit(limit)).scalars()
    return [
        TimelineEntry(
            at=q.created_at,
            kind="quote",
            icon="🧾",
            title=_("报价 %(n)s（%(s)s）", n=q.number, s=QUOTE_STATUSES.get(q.status, q.status)),
            detail=f"{q.vehicle_model.label} ¥{q.total:,.2f}",
            url=url_for("sales.quote_detail", quote_id=q.id),
            key=f"q{q.id}",
        )
        for q in rows
    ]


@timeline_source("sales.orders")
def order_entries(customer_ids: Sequence[int], before: dt.datetime | None, limit: int) -> list[TimelineEntry]:
    """Order creation from the orders, state changes from the audit log (two queries)."""
    orders = {
        o.id: o
        for o in db.session.execute(
            select(SalesOrder)
            .where(SalesOrder.customer_id.in_(customer_ids))
            .options(joinedload(SalesOrder.vehicle_model))
            .order_by(SalesOrder.created_at.desc())
            .limit(200)
        ).scalars()
    }
    if not orders:
        return []
    entries = []
    for o in orders.values():
        if before is None or _naive(o.created_at) < _naive(before):
            entries.append(
                TimelineEntry(
                    at=o.created_at,
                    kind="order",
                    icon="📑",
                    title=_("下单 %(n)s", n=o.number),
                    detail=f"{o.vehicle_model.label} ¥{o.total:,.2f}",
                    url=url_for("sales.order_detail", sales_order_id=o.id),
                    key=f"o{o.id}",
                )
            )
    stmt = select(AuditLog).where(
        AuditLog.entity == SalesOrder.__tablename__,
        AuditLog.entity_id.in_(list(orders)),
        AuditLog.action == "transition",
    )
    if before is not None:
        stmt = stmt.where(AuditLog.at < before)
    for row in db.session.execute(stmt.order_by(AuditLog.at.desc()).limit(limit)).scalars():
        order = orders[row.entity_id]
        state = (row.after or {}).get("status", "")
        kind = "delivery" if state == "delivered" else "order"
        entries.append(
            TimelineEntry(
                at=row.at,
                kind=kind,
                icon="🔑" if state == "delivered" else "📑",
                title=_("订单 %(n)s：%(s)s", n=order.number, s=ORDER_STATUSES.get(state, state)),
                detail=row.summary or "",
                url=url_for("sales.order_detail", sales_order_id=order.id),
                key=f"a{row.id}",
            )
        )
    return entries


def _naive(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


quick_action(QuickAction("sales.test_drive_new", "sales.test_drive", "🚗", N_("预约试驾"), order=20))
quick_action(QuickAction("sales.quote_new", "sales.quote", "🧾", N_("报价"), order=30))
