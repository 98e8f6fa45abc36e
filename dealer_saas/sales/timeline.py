"""The sales module's entries on the customer 360 timeline: test drives, quotes, orders
(created, each state change, delivered)."""

from __future__ import annotations

from collections.abc import Sequence

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import String, literal, select

from ..audit import AuditLog
from ..customers.timeline import QuickAction, TimelineEntry, key, quick_action, row, timeline_source
from ..i18n import N_
from ..inventory.models import StockVehicle, VehicleModel
from ..timeutil import as_utc
from .models import ORDER_STATUSES, QUOTE_STATUSES, TEST_DRIVE_STATUSES, Quote, SalesOrder, TestDrive


def _model_label():
    """The model's label in SQL, as ``VehicleModel.label`` builds it (brand series trim)."""
    return VehicleModel.brand, VehicleModel.series, VehicleModel.trim


def _label(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def _test_drive_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="test_drive",
        icon="🚗",
        title=_("试驾（%(s)s）", s=TEST_DRIVE_STATUSES.get(r.t1, r.t1)),
        detail=" ".join(p for p in (r.t2 or "", (r.t3 or "")[:80]) if p),
        url=url_for("sales.test_drive_detail", test_drive_id=r.id),
        key=r.key,
    )


@timeline_source("sales.test_drives", render=_test_drive_entry)
def test_drive_entries(customer_ids: Sequence[int]):
    d = TestDrive
    return (
        select(*row(d.starts_at, key("td", d.id), id=d.id, t1=d.status, t2=StockVehicle.plate, t3=d.feedback))
        .outerjoin(StockVehicle, StockVehicle.id == d.vehicle_id)
        .where(d.customer_id.in_(customer_ids))
    )


def _quote_entry(r) -> TimelineEntry:
    return TimelineEntry(
        at=as_utc(r.at),
        kind="quote",
        icon="🧾",
        title=_("报价 %(n)s（%(s)s）", n=r.t1, s=QUOTE_STATUSES.get(r.t2, r.t2)),
        detail=f"{_label(r.t3, r.t4, r.t5)} ¥{r.amount:,.2f}",
        url=url_for("sales.quote_detail", quote_id=r.id),
        key=r.key,
    )


@timeline_source("sales.quotes", render=_quote_entry)
def quote_entries(customer_ids: Sequence[int]):
    q = Quote
    brand, series, trim = _model_label()
    return (
        select(
            *row(
                q.created_at,
                key("q", q.id),
                id=q.id,
                t1=q.number,
                t2=q.status,
                t3=brand,
                t4=series,
                t5=trim,
                amount=q.total,
            )
        )
        .join(VehicleModel, VehicleModel.id == q.model_id)
        .where(q.customer_id.in_(customer_ids))
    )


def _order_entry(r) -> TimelineEntry:
    url = url_for("sales.order_detail", sales_order_id=r.id)
    if r.kind == "order":  # created
        return TimelineEntry(
            at=as_utc(r.at),
            kind="order",
            icon="📑",
            title=_("下单 %(n)s", n=r.t1),
            detail=f"{_label(r.t3, r.t4, r.t5)} ¥{r.amount:,.2f}",
            url=url,
            key=r.key,
        )
    state = r.t2 or ""  # a state change, from the audit log
    return TimelineEntry(
        at=as_utc(r.at),
        kind="delivery" if state == "delivered" else "order",
        icon="🔑" if state == "delivered" else "📑",
        title=_("订单 %(n)s：%(s)s", n=r.t1, s=ORDER_STATUSES.get(state, state)),
        detail=r.t3 or "",
        url=url,
        key=r.key,
    )


@timeline_source("sales.orders", render=_order_entry)
def order_entries(customer_ids: Sequence[int]):
    """Order creation from the orders, state changes from the audit log (two branches)."""
    o = SalesOrder
    brand, series, trim = _model_label()
    created = (
        select(
            *row(
                o.created_at,
                key("o", o.id),
                kind="order",
                id=o.id,
                t1=o.number,
                t3=brand,
                t4=series,
                t5=trim,
                amount=o.total,
            )
        )
        .join(VehicleModel, VehicleModel.id == o.model_id)
        .where(o.customer_id.in_(customer_ids))
    )
    moves = (
        select(
            *row(
                AuditLog.at,
                key("a", AuditLog.id),
                kind="transition",
                id=o.id,
                t1=o.number,
                t2=AuditLog.after["status"].as_string(),
                t3=AuditLog.summary,
            )
        )
        .join(AuditLog, AuditLog.entity_id == o.id)
        .where(
            o.customer_id.in_(customer_ids),
            AuditLog.entity == literal(SalesOrder.__tablename__, String()),
            AuditLog.action == "transition",
        )
    )
    return [created, moves]


quick_action(QuickAction("sales.test_drive_new", "sales.test_drive", "🚗", N_("预约试驾"), order=20))
quick_action(QuickAction("sales.quote_new", "sales.quote", "🧾", N_("报价"), order=30))
