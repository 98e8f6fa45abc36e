"""The after-sales report (售后报表): repair orders and revenue by type and payer, labour
hours sold against worked per technician, repair duration and repeat repairs, from the
service module's rows. Definitions in the docstrings; aggregate SQL per store.

Shared rule: a repair order (工单) counts in the period it was **opened** (接车, served by the
``(store_id, status, opened_at)`` index), unless it was cancelled; its **revenue** (产值) is
the sum of its lines' amounts once it is settled or closed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..service.models import CATEGORIES, PAYERS, RepairOrder, RepairOrderLine
from . import section_jobs, services
from .metrics import ZERO, Period, _money, among, ratio, scope
from .sections import Filters, hours_between, is_postgres, section, store_names
from .tables import Table, percent

SETTLED = ("settled", "closed")
#: repair duration buckets (hours from opening to ready)
DURATION_BUCKETS = (("lt4", 4), ("4-24", 24), ("1-3d", 72), ("gt3d", None))
DURATION_LABELS = {"lt4": _l("4小时内"), "4-24": _l("4-24小时"), "1-3d": _l("1-3天"), "gt3d": _l("3天以上")}
#: a visit of the same vehicle within this many days after an earlier one is a repeat repair
REPEAT_DAYS = 30


def _opened_in(period: Period, tz: str | None, store_ids, ro: Any = RepairOrder) -> tuple[Any, ...]:
    start, end = period.bounds(tz)
    return (
        among(ro.store_id, scope(store_ids)),
        ro.status != "cancelled",
        ro.opened_at >= start,
        ro.opened_at < end,
    )


def ro_mix(period: Period, *, tz: str | None = None, store_ids=None) -> dict[tuple[int, str, str], dict[str, Any]]:
    """**Repair orders and revenue by type and payer** (按类型与结算方): per store, line
    category (保养, 机修, 钣金 ...) and payer (客户, 保险公司, 厂家保修, 内部) of the lines of the
    ROs of the period: ``ros`` = distinct ROs with such a line (an RO with lines of two types
    counts under each), ``revenue`` = the lines' amounts of settled or closed ROs,
    ``hours`` = the labour hours sold on those lines."""
    revenue = func.sum(sa.case((RepairOrder.status.in_(SETTLED), RepairOrderLine.amount), else_=0))
    rows = db.session.execute(
        select(
            RepairOrder.store_id,
            RepairOrderLine.category,
            RepairOrderLine.payer,
            func.count(sa.distinct(RepairOrder.id)),
            revenue,
            func.sum(RepairOrderLine.hours),
        )
        .join(RepairOrderLine, RepairOrderLine.repair_order_id == RepairOrder.id)
        .where(*_opened_in(period, tz, store_ids), RepairOrderLine.store_id == RepairOrder.store_id)
        .group_by(RepairOrder.store_id, RepairOrderLine.category, RepairOrderLine.payer)
    ).all()
    return {
        (s, c, p): {"ros": int(n), "revenue": _money(r), "hours": Decimal(str(h or 0)).quantize(Decimal("0.01"))}
        for s, c, p, n, r, h in rows
    }


def ro_count(period: Period, *, tz: str | None = None, store_ids=None) -> dict[int, tuple[int, Decimal]]:
    """**Repair orders** (工单数) of the period per store and their **revenue**: the total of
    the settled or closed ones."""
    rows = db.session.execute(
        select(
            RepairOrder.store_id,
            func.count(RepairOrder.id),
            func.sum(sa.case((RepairOrder.status.in_(SETTLED), RepairOrder.total), else_=0)),
        )
        .where(*_opened_in(period, tz, store_ids))
        .group_by(RepairOrder.store_id)
    ).all()
    return {s: (int(n), _money(r)) for s, n, r in rows}


def technician_hours(period: Period, *, tz: str | None = None, store_ids=None) -> dict[tuple[int, int], dict]:
    """**Labour hours sold against worked** and **technician productivity** (工时效率): per
    store and technician, over the finished lines (done or passed QC) of the ROs of the
    period: ``sold`` = the standard hours charged, ``worked`` = the actual minutes clocked / 60,
    ``productivity`` = sold / worked (above 1: faster than the standard), ``lines`` and
    ``reworks`` (QC send-backs)."""
    rows = db.session.execute(
        select(
            RepairOrderLine.store_id,
            RepairOrderLine.technician_id,
            func.count(RepairOrderLine.id),
            func.sum(RepairOrderLine.hours),
            func.sum(RepairOrderLine.actual_minutes),
            func.sum(RepairOrderLine.rework_count),
        )
        .join(RepairOrder, RepairOrder.id == RepairOrderLine.repair_order_id)
        .where(
            *_opened_in(period, tz, store_ids),
            RepairOrderLine.store_id == RepairOrder.store_id,
            RepairOrderLine.status.in_(("done", "passed")),
            RepairOrderLine.technician_id.is_not(None),
        )
        .group_by(RepairOrderLine.store_id, RepairOrderLine.technician_id)
    ).all()
    out = {}
    for s, t, n, sold, minutes, reworks in rows:
        sold = Decimal(str(sold or 0)).quantize(Decimal("0.01"))
        worked = (Decimal(int(minutes or 0)) / 60).quantize(Decimal("0.01"))
        out[(s, t)] = {
            "lines": int(n),
            "sold": sold,
            "worked": worked,
            "productivity": ratio(sold, worked),
            "reworks": int(reworks or 0),
        }
    return out


def repair_duration(
    period: Period, *, tz: str | None = None, store_ids=None
) -> dict[tuple[int, str], tuple[int, float]]:
    """**Repair duration** (维修时长): the hours from opening to ready (待交车) of the ROs of
    the period that reached ready, by bucket (under 4 h, 4-24 h, 1-3 days, more):
    ``{(store, bucket): (ROs, sum of hours)}`` (the average is the sum over the ROs)."""
    hours = hours_between(RepairOrder.opened_at, RepairOrder.ready_at)
    whens = [(hours < bound, key) for key, bound in DURATION_BUCKETS if bound is not None]
    bucket = sa.case(*whens, else_="gt3d").label("bucket")
    rows = db.session.execute(
        select(RepairOrder.store_id, bucket, func.count(RepairOrder.id), func.sum(hours))
        .where(*_opened_in(period, tz, store_ids), RepairOrder.ready_at.is_not(None))
        .group_by(RepairOrder.store_id, bucket)
    ).all()
    return {(s, b): (int(n), float(h or 0)) for s, b, n, h in rows}


def within_days(earlier: Any, later: Any, days: int) -> Any:
    """SQL: timestamp ``earlier`` is at most ``days`` days before ``later``."""
    if is_postgres():
        return earlier >= later - dt.timedelta(days=days)
    return func.julianday(earlier) >= func.julianday(later) - days


def repeat_repairs(period: Period, *, tz: str | None = None, store_ids=None) -> dict[int, tuple[int, int]]:
    """**Repeat repairs within 30 days** (30天返修): per store, ``(ROs of the period, repeats)``
    where a repeat is an RO of the period whose vehicle had another RO (not cancelled) of the
    same store opened in the 30 days before it."""
    earlier = aliased(RepairOrder)
    repeat = (
        select(earlier.id)
        .where(
            earlier.store_id == RepairOrder.store_id,
            earlier.vehicle_id == RepairOrder.vehicle_id,
            earlier.id != RepairOrder.id,
            earlier.status != "cancelled",
            earlier.opened_at < RepairOrder.opened_at,
            within_days(earlier.opened_at, RepairOrder.opened_at, REPEAT_DAYS),
        )
        .exists()
    )
    rows = db.session.execute(
        select(RepairOrder.store_id, func.count(RepairOrder.id), func.sum(sa.case((repeat, 1), else_=0)))
        .where(*_opened_in(period, tz, store_ids))
        .group_by(RepairOrder.store_id)
    ).all()
    return {s: (int(n), int(k or 0)) for s, n, k in rows}


# --------------------------------------------------------------------------- sections


def _many_repair_orders(f: Filters) -> bool:
    """A large installation: the mix, technicians and quality sections run as a job, for
    one store too (``section_jobs.many_repair_orders``; the technicians' hours of a group's
    month are its 600 000 lines: 2.4-2.9 s on the benchmark data)."""
    return section_jobs.many_repair_orders()


@section("aftersales", "mix", _l("工单与产值"), order=10)
@section_jobs.section_or_job("aftersales", "mix", _many_repair_orders)
def mix_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = ro_mix(f.period, tz=f.tz, store_ids=f.store_ids)
    totals = ro_count(f.period, tz=f.tz, store_ids=f.store_ids)
    stores = sorted(set(totals) | {s for s, _c, _p in data}, key=lambda s: names.get(s, ""))
    summary = Table(_("工单与产值"), [_("门店"), _("工单数"), _("已结算产值"), _("单车产值")])
    for store in stores:
        n, revenue = totals.get(store, (0, ZERO))
        summary.rows.append([names.get(store, ""), str(n), f"{revenue:,.2f}", f"{(revenue / n):,.2f}" if n else "—"])
    if len(stores) > 1:
        n = sum(v[0] for v in totals.values())
        revenue = sum((v[1] for v in totals.values()), ZERO)
        summary.rows.append([_("合计"), str(n), f"{revenue:,.2f}", f"{(revenue / n):,.2f}" if n else "—"])
        summary.total_row = len(summary.rows) - 1

    def keyed(index: int, labels: dict, caption: str, head: str) -> Table:
        table = Table(caption, ([_("门店")] if f.multi else []) + [head, _("工单数"), _("产值"), _("工时")])
        acc: dict[tuple[Any, str], dict[str, Any]] = {}
        for key, v in data.items():
            k = (key[0] if f.multi else None, key[index])
            a = acc.setdefault(k, {"ros": 0, "revenue": ZERO, "hours": Decimal("0.00")})
            for name in a:
                a[name] += v[name]
        for (store, key), a in sorted(acc.items(), key=lambda kv: (names.get(kv[0][0], ""), -kv[1]["revenue"])):
            table.rows.append(
                [
                    *([names.get(store, "")] if f.multi else []),
                    str(labels.get(key, key)),
                    str(a["ros"]),
                    f"{a['revenue']:,.2f}",
                    str(a["hours"]),
                ]
            )
        return table

    by_type = keyed(1, CATEGORIES, _("按维修类型"), _("类型"))
    by_payer = keyed(2, PAYERS, _("按结算方"), _("结算方"))
    categories = [c for c in CATEGORIES if any(k[1] == c for k in data)]
    chart = {
        "type": "bar",
        "stack": True,
        "title": _("各类型产值（按结算方）"),
        "labels": [str(CATEGORIES[c]) for c in categories],
        "series": [
            {
                "name": str(label),
                "values": [
                    float(sum((v["revenue"] for k, v in data.items() if k[1] == c and k[2] == p), ZERO))
                    for c in categories
                ],
            }
            for p, label in PAYERS.items()
            if any(k[2] == p for k in data)
        ],
    }
    return {"chart": chart, "tables": [summary, by_type, by_payer]}


@section("aftersales", "technicians", _l("技师工时效率"), order=20)
@section_jobs.section_or_job("aftersales", "technicians", _many_repair_orders)
def technicians_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = technician_hours(f.period, tz=f.tz, store_ids=f.store_ids)
    people = services.user_names(t for _s, t in data)
    table = Table(
        _("技师工时：销售工时对比实际工时"),
        [
            _("技师"),
            *([_("门店")] if f.multi else []),
            _("完工项目"),
            _("销售工时"),
            _("实际工时"),
            _("效率"),
            _("返工次数"),
        ],
    )
    ordered = sorted(data.items(), key=lambda kv: (-kv[1]["sold"], kv[0]))
    for (store, tech), v in ordered:
        table.rows.append(
            [
                people.get(tech, ""),
                *([names.get(store, "")] if f.multi else []),
                str(v["lines"]),
                str(v["sold"]),
                str(v["worked"]),
                percent(v["productivity"]),
                str(v["reworks"]),
            ]
        )
    top = ordered[:15]
    chart = {
        "type": "bar",
        "title": _("销售工时与实际工时"),
        "labels": [people.get(t, "") for (_s, t), _v in top],
        "series": [
            {"name": _("销售工时"), "values": [float(v["sold"]) for _k, v in top]},
            {"name": _("实际工时"), "values": [float(v["worked"]) for _k, v in top]},
        ],
    }
    return {"chart": chart, "tables": [table]}


@section("aftersales", "quality", _l("维修时长与返修"), order=30)
@section_jobs.section_or_job("aftersales", "quality", _many_repair_orders)
def quality_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    durations = repair_duration(f.period, tz=f.tz, store_ids=f.store_ids)
    repeats = repeat_repairs(f.period, tz=f.tz, store_ids=f.store_ids)
    keys = [k for k, _b in DURATION_BUCKETS]
    stores = sorted({s for s, _b in durations} | set(repeats), key=lambda s: names.get(s, ""))
    table = Table(
        _("维修时长与30天返修"),
        [
            _("门店"),
            *(str(DURATION_LABELS[k]) for k in keys),
            _("平均时长（小时）"),
            _("工单数"),
            _("30天返修"),
            _("返修率"),
        ],
    )

    def line(label: str, chosen: list[int]) -> list[str]:
        counts = [sum(durations.get((s, k), (0, 0.0))[0] for s in chosen) for k in keys]
        hours = sum(durations.get((s, k), (0, 0.0))[1] for s in chosen for k in keys)
        n = sum(repeats.get(s, (0, 0))[0] for s in chosen)
        r = sum(repeats.get(s, (0, 0))[1] for s in chosen)
        avg = f"{hours / sum(counts):.1f}" if sum(counts) else "—"
        return [label, *map(str, counts), avg, str(n), str(r), percent(ratio(r, n))]

    for store in stores:
        table.rows.append(line(names.get(store, ""), [store]))
    if len(stores) > 1:
        table.rows.append(line(_("合计"), stores))
        table.total_row = len(table.rows) - 1
    chart = {
        "type": "bar",
        "title": _("维修时长分布"),
        "labels": [str(DURATION_LABELS[k]) for k in keys],
        "series": [
            {"name": _("工单数"), "values": [sum(v[0] for (s, b), v in durations.items() if b == k) for k in keys]}
        ],
    }
    return {"chart": chart, "tables": [table]}
