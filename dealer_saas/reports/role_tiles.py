"""Dashboard tiles per role that the reports module adds (the figures from the rows the
modules write, one or two aggregate statements each):

- consultant: my deliveries today (and cars waiting for handover);
- receptionist: who is on duty today, in rotation order;
- technician: my open lines on the workshop's repair orders;
- store manager: the last six months' orders, deliveries and service revenue as a chart,
  with this month's figures in money;
- group manager: every store side by side this month (a table and a chart), each store a
  drill-down to its own reports.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select

from .. import tenancy
from ..dashboard.tiles import TileValue, register_tile
from ..extensions import db
from ..formatting import money
from ..inventory.models import StockVehicle
from ..leads.models import DutySlot
from ..sales.models import SalesOrder
from ..service.models import LINE_STATUSES, RepairOrder, RepairOrderLine
from ..tenancy import User
from ..timeutil import local_today
from . import service_stats
from .metrics import NOT_SOLD, ZERO, Period, _money, among, scope
from .sections import local_month, months_of, store_names
from .tables import csi_text


def _surveys():
    """The surveys' models, imported when first used (the surveys package imports the reports)."""
    from ..surveys.models import SurveyInvitation, SurveyTemplate

    return SurveyInvitation, SurveyTemplate


def _csi(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


#: orders waiting for their handover
AWAITING_HANDOVER = ("invoiced",)
#: a technician's lines still to do
OPEN_LINES = ("pending", "working", "paused")
TREND_MONTHS = 6


def _today_bounds() -> tuple[dt.datetime, dt.datetime]:
    today = tenancy.store_today()
    return Period(today, today).bounds(tenancy.store_timezone())


@register_tile("reports_my_deliveries_today", _l("我的今日交车"), "sales.delivery", order=33)
def my_deliveries_today() -> TileValue:
    """The signed-in consultant's orders handed over today, and their orders invoiced and
    waiting for the handover (one grouped statement)."""
    ctx = tenancy.current()
    start, end = _today_bounds()
    delivered_today = sa.and_(
        SalesOrder.status == "delivered", SalesOrder.delivered_at >= start, SalesOrder.delivered_at < end
    )
    done, waiting = db.session.execute(
        select(
            func.coalesce(func.sum(sa.case((delivered_today, 1), else_=0)), 0),
            func.coalesce(func.sum(sa.case((SalesOrder.status.in_(AWAITING_HANDOVER), 1), else_=0)), 0),
        ).where(
            among(SalesOrder.store_id, scope()),
            SalesOrder.consultant_id == ctx.user_id,
            sa.or_(delivered_today, SalesOrder.status.in_(AWAITING_HANDOVER)),
        )
    ).one()
    return TileValue(
        str(done),
        detail=_("今日已交车；待交车 %(n)s", n=waiting),
        url=url_for("sales.order_list") if ctx.can("sales.view") else None,
    )


@register_tile("reports_on_duty", _l("今日值班顾问"), "visits.roster", order=24)
def on_duty() -> TileValue:
    """Today's duty roster (顾问轮岗) in rotation order (one statement; in the roll-up every
    store's roster, the store named)."""
    today = tenancy.store_today()
    rows = db.session.execute(
        select(DutySlot.store_id, DutySlot.position, User.name)
        .join(User, User.id == DutySlot.user_id)
        .where(among(DutySlot.store_id, scope()), DutySlot.day == today)
        .order_by(DutySlot.store_id, DutySlot.position)
        .limit(30)
    ).all()
    names = store_names()
    multi = tenancy.current().is_rollup
    return TileValue(
        str(len(rows)),
        detail=_("人在岗（按轮岗顺序）") if rows else _("今日尚未排班"),
        url=url_for("leads.visit_board"),
        rows=[(f"{n}. {name}", names.get(store_id, "") if multi else "") for store_id, n, name in rows[:8]],
    )


@register_tile("reports_my_lines", _l("我的施工项目"), "service.work", order=42)
def my_lines() -> TileValue:
    """The signed-in technician's lines still to do (pending, working, paused) on repair
    orders in the workshop, by state, as a count and a small chart."""
    ctx = tenancy.current()
    counts = dict(
        db.session.execute(
            select(RepairOrderLine.status, func.count(RepairOrderLine.id))
            .join(RepairOrder, RepairOrder.id == RepairOrderLine.repair_order_id)
            .where(
                among(RepairOrderLine.store_id, scope()),
                RepairOrderLine.technician_id == ctx.user_id,
                RepairOrderLine.status.in_(OPEN_LINES),
                RepairOrder.status.in_(("open", "in_progress", "quality_check")),
            )
            .group_by(RepairOrderLine.status)
        ).all()
    )
    return TileValue(
        str(sum(counts.values())),
        detail=_("待开工、施工中和暂停的项目"),
        url=url_for("service.my_work"),
        tone="danger" if counts.get("paused") else "body",
        rows=[(str(LINE_STATUSES[s]), counts.get(s, 0)) for s in OPEN_LINES],
    )


def _last_months(today: dt.date, n: int) -> Period:
    first = today.replace(day=1)
    for _step in range(n - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return Period(first, today)


def monthly_sales_and_service(period: Period, tz: str | None) -> dict[tuple[str, str], Decimal]:
    """Per store-local month of the period: ``("orders", m)`` orders created (not draft, not
    cancelled: ``metrics.order_count``), ``("deliveries", m)`` handed over
    (``metrics.delivery_count``), ``("service", m)`` service revenue (the totals of settled
    or closed repair orders opened that month, as the after-sales report; from the summary
    ``service_stats`` and the ROs settled since it), ``("csi", m)`` the month's CSI
    (``metrics.csi_score``; absent without an answer). Two statements: the summary's stamps,
    then the months."""
    start, end = period.bounds(tz)
    ids = scope()
    created, delivered = local_month(SalesOrder.created_at, tz), local_month(SalesOrder.delivered_at, tz)
    orders = (
        select(literal("orders").label("k"), created.label("m"), func.count().label("v"))
        .where(
            among(SalesOrder.store_id, ids),
            SalesOrder.created_at >= start,
            SalesOrder.created_at < end,
            SalesOrder.status.not_in(NOT_SOLD),
        )
        .group_by(created)
    )
    deliveries = (
        select(literal("deliveries"), delivered, func.count())
        .where(
            among(SalesOrder.store_id, ids),
            SalesOrder.status == "delivered",
            SalesOrder.delivered_at >= start,
            SalesOrder.delivered_at < end,
        )
        .group_by(delivered)
    )
    # from the service summary where it has the months, live elsewhere (``service_stats``)
    service = service_stats.revenue_selects("service", period, tz, ids, local_today(tz))
    SurveyInvitation, SurveyTemplate = _surveys()
    answered = local_month(SurveyInvitation.answered_at, tz)
    csi = (
        select(literal("csi"), answered, func.avg(SurveyInvitation.score_pct))
        .join(SurveyTemplate, SurveyTemplate.id == SurveyInvitation.template_id)
        .where(*_csi_where(ids, start, end))
        .group_by(answered)
    )
    rows = db.session.execute(sa.union_all(orders, deliveries, *service, csi)).all()
    out: dict[tuple[str, str], Decimal] = {}
    for k, m, v in rows:
        if v is not None or k != "service":
            out[(k, m)] = out.get((k, m), Decimal(0)) + Decimal(str(v or 0))
    return out


def _csi_where(ids, start: dt.datetime, end: dt.datetime) -> tuple:
    """The answered CSI surveys of ``[start, end)`` (the rule of ``metrics.csi_score``)."""
    SurveyInvitation, SurveyTemplate = _surveys()
    return (
        among(SurveyInvitation.store_id, ids),
        SurveyInvitation.status == "answered",
        SurveyInvitation.answered_at >= start,
        SurveyInvitation.answered_at < end,
        SurveyInvitation.score_pct.is_not(None),
        SurveyTemplate.kind == "csi",
    )


@register_tile("reports_store_trend", _l("门店经营趋势"), "reports.view", order=36, wide=True, chart=True)
def store_trend() -> TileValue:
    """The store's (or the roll-up's) last six months: orders and deliveries per month (bars)
    and service revenue (a line), this month's figures (with CSI) in the rows. Three statements:
    the service summary's stamps, the months, and this month's vehicle gross margin
    (``metrics.gross_margin``)."""
    from . import metrics

    tz = tenancy.store_timezone()
    today = tenancy.store_today()
    period = _last_months(today, TREND_MONTHS)
    figures = monthly_sales_and_service(period, tz)
    months = months_of(period)
    this = months[-1]
    margin = sum(metrics.gross_margin(Period.month_of(today), tz=tz).values(), ZERO)
    service = _money(figures.get(("service", this), 0))
    chart = {
        "type": "bar",
        "compact": True,
        "title": _("近六个月订单、交车与售后产值"),
        "labels": [m[2:] for m in months],
        "series": [
            {"name": _("订单"), "values": [int(figures.get(("orders", m), 0)) for m in months]},
            {"name": _("交车"), "values": [int(figures.get(("deliveries", m), 0)) for m in months]},
            {
                "name": _("售后产值（万元）"),
                "type": "line",
                "values": [
                    float((figures.get(("service", m), Decimal(0)) / 10000).quantize(Decimal("0.01"))) for m in months
                ],
            },
        ],
    }
    return TileValue(
        str(int(figures.get(("deliveries", this), 0))),
        detail=_("本月交车"),
        url=url_for("reports.ranking"),
        rows=[
            (_("本月订单"), int(figures.get(("orders", this), 0))),
            (_("本月整车毛利"), money(margin)),
            (_("本月售后产值"), money(service)),
            (_("本月CSI"), csi_text(figures.get(("csi", this)))),
        ],
        chart=chart,
    )


@register_tile("reports_group_stores", _l("各门店本月对比"), "reports.group", order=5, wide=True, chart=True)
def group_stores() -> TileValue:
    """Every store of the context side by side this month: orders, deliveries, vehicle
    gross margin and CSI (as ``metrics``), ranked by deliveries; each store's name opens its own
    reports (the roll-up narrowed to that store). One statement."""
    tz = tenancy.store_timezone()
    start, end = Period.month_of(tenancy.store_today()).bounds(tz)
    ids = scope()
    orders = (
        select(SalesOrder.store_id.label("s"), literal("orders").label("k"), func.count().label("v"))
        .where(
            among(SalesOrder.store_id, ids),
            SalesOrder.created_at >= start,
            SalesOrder.created_at < end,
            SalesOrder.status.not_in(NOT_SOLD),
        )
        .group_by(SalesOrder.store_id)
    )
    delivered = (
        select(
            SalesOrder.store_id,
            literal("deliveries"),
            func.count(),
        )
        .where(
            among(SalesOrder.store_id, ids),
            SalesOrder.status == "delivered",
            SalesOrder.delivered_at >= start,
            SalesOrder.delivered_at < end,
        )
        .group_by(SalesOrder.store_id)
    )
    margin = (
        select(
            SalesOrder.store_id,
            literal("margin"),
            func.sum(SalesOrder.list_price - SalesOrder.discount - func.coalesce(StockVehicle.cost, 0)),
        )
        .outerjoin(StockVehicle, StockVehicle.id == SalesOrder.stock_vehicle_id)
        .where(
            among(SalesOrder.store_id, ids),
            SalesOrder.status == "delivered",
            SalesOrder.delivered_at >= start,
            SalesOrder.delivered_at < end,
        )
        .group_by(SalesOrder.store_id)
    )
    SurveyInvitation, SurveyTemplate = _surveys()
    csi = (
        select(SurveyInvitation.store_id, literal("csi"), func.avg(SurveyInvitation.score_pct))
        .join(SurveyTemplate, SurveyTemplate.id == SurveyInvitation.template_id)
        .where(*_csi_where(ids, start, end))
        .group_by(SurveyInvitation.store_id)
    )
    figures = {(s, k): v for s, k, v in db.session.execute(sa.union_all(orders, delivered, margin, csi)).all()}
    names = store_names()

    def value(store_id: int, key: str) -> int:
        return int(figures.get((store_id, key)) or 0)

    ranked = sorted(ids, key=lambda s: (-value(s, "deliveries"), -value(s, "orders"), names.get(s, "")))
    rows = [
        [
            names.get(s, ""),
            value(s, "orders"),
            value(s, "deliveries"),
            money(_money(figures.get((s, "margin")))),
            csi_text(_csi(figures.get((s, "csi")))),
        ]
        for s in ranked
    ]
    links = {n: url_for("reports.funnel", store=s) for n, s in enumerate(ranked)}
    chart = {
        "type": "bar",
        "compact": True,
        "title": _("各门店本月订单与交车"),
        "labels": [names.get(s, "") for s in ranked],
        "series": [
            {"name": _("订单"), "values": [value(s, "orders") for s in ranked]},
            {"name": _("交车"), "values": [value(s, "deliveries") for s in ranked]},
        ],
    }
    return TileValue(
        str(sum(value(s, "deliveries") for s in ids)),
        detail=_("本月交车（%(n)s 家门店）", n=len(ids)),
        url=url_for("reports.stores") if tenancy.current().can("reports.group") else None,
        table_header=[_("门店"), _("订单"), _("交车"), _("毛利"), _("CSI")],
        table_rows=rows,
        table_links=links,
        chart=chart,
    )
