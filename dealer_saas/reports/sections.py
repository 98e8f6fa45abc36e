"""The reports made of sections (customers, stock, after-sales): each section is one
fragment of its report's page, loaded after the page paints, with a chart and the table(s)
beside it, at most three aggregate statements of its own.

A section is declared with :func:`section` next to its figures; the page, the fragment's
route, the CSV/XLSX export and the tabs are made from :data:`SECTIONS`. The parts sections
of the stock report are such functions in ``parts_reports.py``; the care and marketing
report's in ``care_reports.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from .. import tenancy
from ..extensions import db
from . import metrics, services
from .metrics import Period, zone_name
from .services import store_names


@dataclass(frozen=True)
class Report:
    name: str
    title: Any
    note: Any
    permission: str = "reports.view"


REPORTS: dict[str, Report] = {
    "customers": Report(
        "customers",
        _l("客户报表"),
        _l(
            "新增客户按建档日期计入期间；价值分层（RFM）按期间内已交车订单与已结算维修工单计算；资料完整度为当前在册客户。"
        ),
    ),
    "stock": Report(
        "stock",
        _l("库存报表"),
        _l(
            "库龄按到店日期计算（在途不计）；周转＝期间交车台数÷当前在库台数；最低库存在库存设置中维护。"
            "配件：库存金额＝在库数量×移动平均成本；周转＝期间出库成本（工单领料与柜台销售，减退料）÷当前库存金额；"
            "呆滞＝有库存且超过所选天数无出入库。"
        ),
    ),
    "aftersales": Report(
        "aftersales",
        _l("售后报表"),
        _l("工单按接车日期计入期间（不含已取消）；产值为已结算/已关闭工单的项目金额；返修＝同一车辆30天内再次进厂。"),
    ),
    "care": Report(
        "care",
        _l("客户关怀与市场报表"),
        _l(
            "回访按应回访日期计入期间，完成率＝已完成÷（应回访−已取消）；CSI＝售后满意度问卷得分率的平均，"
            "NPS＝推荐者占比−贬损者占比（按回答日期）；投诉按受理日期，超时为已记录的受理/解决超时；"
            "市场活动按开始日期，成交为报名客户在归因天数内的订单，单条线索成本＝预算÷签到建卡数。"
        ),
        permission="reports.care",
    ),
}


@dataclass(frozen=True)
class Filters:
    """What a section reads: the period, the stores (None: every store of the context) and
    the zone of the calendar days."""

    period: Period
    store_ids: tuple[int, ...] | None
    tz: str
    query: dict[str, str]
    #: dead stock (the stock report's parts): no movement for this many days
    dead_days: int = 90

    @property
    def multi(self) -> bool:
        return len(metrics.scope(self.store_ids)) > 1


#: the dead-stock thresholds the stock report offers (days without a movement)
DEAD_DAYS = (30, 60, 90, 180, 365)
DEAD_DAYS_DEFAULT = 90

Builder = Callable[[Filters], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    report: str
    name: str
    title: Any
    build: Builder
    order: int = 100

    @property
    def endpoint(self) -> str:
        return f"reports.{self.report}_{self.name}"


SECTIONS: dict[str, list[Section]] = {name: [] for name in REPORTS}


def section(report: str, name: str, title: Any, order: int = 100) -> Callable[[Builder], Builder]:
    """Declare a section of ``report`` (its figures as ``{"tables": [...], "chart": {...}}``)."""

    def decorator(build: Builder) -> Builder:
        SECTIONS[report].append(Section(report, name, title, build, order))
        SECTIONS[report].sort(key=lambda s: (s.order, s.name))
        return build

    return decorator


def filters_from(args: Mapping[str, Any]) -> Filters:
    """The period (default: the last twelve months, this one included, so a trend has a
    shape), the store picked in the roll-up, and the zone. Junk falls back."""
    today = tenancy.store_today()
    if not args.get("start") and not args.get("end"):
        first = today.replace(day=1)
        for _step in range(11):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        period = Period(first, today)
    else:
        period = services.period_from_args(args, today)
    store_ids = services.stores_from_args(args) if tenancy.current().is_rollup else None
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if store_ids:
        query["store"] = str(store_ids[0])
    raw = str(args.get("dead_days") or "").strip()[:4]
    dead_days = int(raw) if raw.isdigit() and int(raw) in DEAD_DAYS else DEAD_DAYS_DEFAULT
    if dead_days != DEAD_DAYS_DEFAULT:
        query["dead_days"] = str(dead_days)
    return Filters(period, store_ids, zone_name(tenancy.store_timezone()), query, dead_days)


# --------------------------------------------------------------------------- shared helpers


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def local_month(column: Any, tz: str | None) -> Any:
    """SQL for the calendar month (``YYYY-MM``) of a UTC timestamp in zone ``tz`` (the same
    day rule as :func:`metrics.local_date`)."""
    name = zone_name(tz)
    if is_postgres():
        return func.to_char(func.timezone(name, column), "YYYY-MM")
    offset = ZoneInfo(name).utcoffset(dt.datetime.now())
    minutes = int(offset.total_seconds() // 60) if offset else 0
    return func.strftime("%Y-%m", column, f"{minutes:+d} minutes")


def hours_between(start: Any, end: Any) -> Any:
    """SQL for the hours from ``start`` to ``end`` (timestamps)."""
    if is_postgres():
        return func.extract("epoch", end - start) / 3600.0
    return (func.julianday(end) - func.julianday(start)) * 24.0


def position(text: Any, needle: str) -> Any:
    """SQL: the 1-based position of ``needle`` in ``text``, 0 when absent."""
    return func.strpos(text, needle) if is_postgres() else func.instr(text, needle)


def months_of(period: Period) -> list[str]:
    """Every ``YYYY-MM`` the period touches, in order."""
    out, day = [], period.start.replace(day=1)
    while day <= period.end:
        out.append(f"{day:%Y-%m}")
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def one_store_or_total(filters: Filters) -> Any:
    """The label of the figures' line: the store's name, or "all stores"."""
    scope = metrics.scope(filters.store_ids)
    names = store_names()
    return names.get(scope[0]) if len(scope) == 1 else names[None]


def case_bucket(expr: Any, bounds: list[tuple[Any, str]], default: str) -> Any:
    """``CASE WHEN cond THEN label ... ELSE default END``."""
    return sa.case(*[(cond, label) for cond, label in bounds], else_=default)
