"""The customers report (客户报表): growth, value segments and data completeness.

Every figure is one function whose docstring is its definition; they are aggregate SQL over
the store-leading indexes, per store (``{(store_id, key): value}``) and in the roll-up with a
store column, like ``metrics.py``. A customer counts while it is live (not soft-deleted).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import tenancy
from ..customers.models import SOURCES, Customer, CustomerVehicle
from ..extensions import db
from ..leads.models import Visit
from ..sales.models import SalesOrder
from ..service.models import RepairOrder
from . import customer_stats, section_jobs, services
from .metrics import ZERO, Counts, Period, _money, among, ratio, scope
from .sections import Filters, local_month, months_of, position, section, store_names
from .tables import Table, percent, summary_note

#: a valid mobile: 11 characters starting with 1 (the customers module stores mobiles
#: normalised to mainland form, so such a value is a mobile number)
VALID_MOBILE = "1__________"
#: repair-order states whose amounts are revenue (the customer has been charged)
SETTLED = ("settled", "closed")
#: the value segments, in the order they are decided (the first that applies)
SEGMENTS = {
    "loyal": _l("忠诚客户（3次以上）"),
    "big_spender": _l("高价值（购车）"),
    "active": _l("活跃（90天内）"),
    "cooling": _l("待唤醒（91-180天）"),
    "lapsed": _l("沉睡（180天以上）"),
    "none": _l("期间无消费"),
}
#: spend at or above this is a car purchase (M = 3); below CAR and at or above SERVICE, M = 2
SPEND_CAR = Decimal("100000")
SPEND_SERVICE = Decimal("5000")


def _live(store_ids) -> tuple[Any, ...]:
    return (among(Customer.store_id, scope(store_ids)), Customer.deleted_at.is_(None))


# --------------------------------------------------------------------------- growth


def region_of(prefix: str | None) -> str:
    """A region label from an address's beginning up to its district: ``广东省广州市天河区``
    gives ``广州市天河区``; nothing gives an empty label (not given)."""
    text = (prefix or "").strip()
    if "省" in text[:8]:
        text = text.split("省", 1)[1]
    return text[:20]


def new_customers(period: Period, *, by: str | None = None, tz: str | None = None, store_ids=None) -> Counts:
    """**New customers** (新增客户): live customers created (建档) in the period, counted in the
    period of their creation. By ``month`` (the store-local calendar month ``YYYY-MM``),
    ``source`` (the customer's source) or ``region``: the customer's address up to its
    district (the first 区, e.g. 广州市天河区, the province dropped); an address without a
    district counts as "not given" ("")."""
    start, end = period.bounds(tz)
    if by == "month":
        dim = local_month(Customer.created_at, tz)
    elif by == "source":
        dim = Customer.source
    elif by == "region":
        dim = func.substr(Customer.address, 1, position(Customer.address, "区"))
    elif by is None:
        dim = None
    else:
        raise ValueError(f"unknown breakdown {by!r}")
    columns = [Customer.store_id, *([dim.label("k")] if dim is not None else []), func.count(Customer.id)]
    stmt = (
        select(*columns)
        .where(*_live(store_ids), Customer.created_at >= start, Customer.created_at < end)
        .group_by(Customer.store_id, *([dim] if dim is not None else []))
    )
    out: Counts = {}
    for row in db.session.execute(stmt):
        key = row[1] if dim is not None else None
        if by == "region":
            key = region_of(key)
        out[(row[0], key)] = out.get((row[0], key), 0) + int(row[-1])
    return out


def new_customers_grid(
    period: Period, *, tz: str | None = None, store_ids=None, periods: tuple[Period, ...] = ()
) -> dict[tuple, int]:
    """:func:`new_customers` by every breakdown at once, in one scan of the period's rows:
    ``{(store_id, month, source, region): n}``; adding up over the other keys gives each
    breakdown (the report's growth section does). ``periods``: count these instead of
    ``period`` (the edges of a period the summary does not cover)."""
    ranges = [p.bounds(tz) for p in (periods or (period,))]
    month = local_month(Customer.created_at, tz)
    region = func.substr(Customer.address, 1, position(Customer.address, "区"))
    rows = db.session.execute(
        select(Customer.store_id, month, Customer.source, region, func.count(Customer.id))
        .where(
            *_live(store_ids), sa.or_(*(sa.and_(Customer.created_at >= a, Customer.created_at < b) for a, b in ranges))
        )
        .group_by(Customer.store_id, month, Customer.source, region)
    ).all()
    out: dict[tuple, int] = {}
    for store_id, m, source, prefix, n in rows:
        key = (store_id, m, source, region_of(prefix))
        out[key] = out.get(key, 0) + int(n)
    return out


def summarised_grid(f: Filters) -> tuple[dict[tuple, int], dict]:
    """:func:`new_customers_grid` from the summary (``customer_stats``: whole months) for
    the stores that have one, the days of the period's partial months at its edges counted
    live for them, and everything counted live for the others; and the summarised stores'
    stamps. At most three statements."""
    summary, stamps, edges = customer_stats.growth(f.period, f.store_ids, tenancy.store_today())
    grid: dict[tuple, int] = {}

    def add(figures: dict[tuple, int], prefixes: bool) -> None:
        for (store_id, m, source, prefix), n in figures.items():
            key = (store_id, m, source, region_of(prefix) if prefixes else prefix)
            grid[key] = grid.get(key, 0) + n

    add(summary, True)
    if stamps and edges:
        add(new_customers_grid(f.period, tz=f.tz, store_ids=list(stamps), periods=edges), False)
    live = [s for s in scope(f.store_ids) if s not in stamps]
    if live:
        add(new_customers_grid(f.period, tz=f.tz, store_ids=live), False)
    return grid, stamps


def _marginal(grid: dict[tuple, int], index: int) -> Counts:
    out: Counts = {}
    for key, n in grid.items():
        out[(key[0], key[index])] = out.get((key[0], key[index]), 0) + n
    return out


# --------------------------------------------------------------------------- value segments


def purchases(period: Period, tz: str | None, store_ids) -> Any:
    """The purchases of the period as one subquery ``(store_id, customer_id, at, amount)``:
    sales orders delivered in the period (at the handover, their order total) and repair
    orders settled or closed that were opened in the period (at opening, their total)."""
    start, end = period.bounds(tz)
    ids = scope(store_ids)
    sales = select(
        SalesOrder.store_id.label("store_id"),
        SalesOrder.customer_id.label("customer_id"),
        SalesOrder.delivered_at.label("at"),
        SalesOrder.total.label("amount"),
    ).where(
        among(SalesOrder.store_id, ids),
        SalesOrder.status == "delivered",
        SalesOrder.delivered_at >= start,
        SalesOrder.delivered_at < end,
    )
    repairs = select(RepairOrder.store_id, RepairOrder.customer_id, RepairOrder.opened_at, RepairOrder.total).where(
        among(RepairOrder.store_id, ids),
        RepairOrder.status.in_(SETTLED),
        RepairOrder.opened_at >= start,
        RepairOrder.opened_at < end,
    )
    return sa.union_all(sales, repairs).subquery("purchases")


def value_segments(
    period: Period, *, tz: str | None = None, store_ids=None, summary: dict[int, int] | None = None
) -> dict[tuple[int, str], tuple[int, Decimal]]:
    """**Value segments** (客户价值分层, RFM) of the period, ``{(store, segment): (customers,
    spend)}``. For each customer with purchases in the period (:func:`purchases`):
    recency R = days from the last purchase to the period's end (R3: up to 90, R2: 91-180,
    R1: more), frequency F = the number of purchases, monetary M = their sum (M3: a car,
    at least 100 000; M2: at least 5 000; M1: less). The segment is the first that applies:
    **loyal** F >= 3; **big spender** M3; **active** R3; **cooling** R2; **lapsed** R1.
    Live customers without a purchase in the period are **none** (spend 0; the live
    customers as of the store's last summary, ``customer_stats``, where it has one)."""
    start, end = period.bounds(tz)
    p = purchases(period, tz, store_ids)
    per_customer = (
        select(
            p.c.store_id,
            p.c.customer_id,
            func.max(p.c.at).label("last_at"),
            func.count().label("frequency"),
            func.sum(p.c.amount).label("spend"),
        )
        .group_by(p.c.store_id, p.c.customer_id)
        .subquery("per_customer")
    )
    segment = sa.case(
        (per_customer.c.frequency >= 3, "loyal"),
        (per_customer.c.spend >= SPEND_CAR, "big_spender"),
        (per_customer.c.last_at >= end - dt.timedelta(days=90), "active"),
        (per_customer.c.last_at >= end - dt.timedelta(days=180), "cooling"),
        else_="lapsed",
    ).label("segment")
    rows = db.session.execute(
        select(per_customer.c.store_id, segment, func.count(), func.sum(per_customer.c.spend)).group_by(
            per_customer.c.store_id, segment
        )
    ).all()
    out = {(store_id, seg): (int(n), _money(spend)) for store_id, seg, n, spend in rows}
    # the live customers per store: from the summary where a store has one (counting every
    # customer of a group takes seconds), else counted
    totals = dict(summary) if summary is not None else customer_stats.live_totals(store_ids)[0]
    live = [s for s in scope(store_ids) if s not in totals]
    if live:
        totals.update(
            db.session.execute(
                select(Customer.store_id, func.count(Customer.id)).where(*_live(live)).group_by(Customer.store_id)
            ).all()
        )
    for store_id, total in totals.items():
        buyers = sum(n for (s, _seg), (n, _m) in out.items() if s == store_id)
        out[(store_id, "none")] = (max(0, int(total) - buyers), ZERO)
    return out


# --------------------------------------------------------------------------- completeness


def _owners_select(store_ids) -> Any:
    owners = (
        select(CustomerVehicle.owner_id.label("oid"))
        .where(among(CustomerVehicle.store_id, scope(store_ids)), CustomerVehicle.owner_id.is_not(None))
        .distinct()
        .subquery("vehicle_owners")
    )
    return (
        select(
            sa.literal("owner").label("kind"),
            Customer.store_id,
            Customer.owner_id,
            func.count(Customer.id),
            func.sum(sa.case((Customer.mobile.like(VALID_MOBILE), 1), else_=0)),
            func.sum(sa.case((owners.c.oid.is_not(None), 1), else_=0)),
        )
        .outerjoin(owners, owners.c.oid == Customer.id)
        .where(*_live(store_ids))
        .group_by(Customer.store_id, Customer.owner_id)
    )


def _visits_select(period: Period, tz: str | None, store_ids) -> Any:
    start, end = period.bounds(tz)
    no_contact = sa.or_(Visit.customer_id.is_(None), sa.not_(func.coalesce(Customer.mobile, "").like(VALID_MOBILE)))
    return (
        select(
            sa.literal("visits"),
            Visit.store_id,
            Visit.consultant_id,
            func.count(Visit.id),
            func.sum(sa.case((no_contact, 1), else_=0)),
            sa.literal(0),
        )
        .outerjoin(Customer, Customer.id == Visit.customer_id)
        .where(among(Visit.store_id, scope(store_ids)), Visit.time_in >= start, Visit.time_in < end)
        .group_by(Visit.store_id, Visit.consultant_id)
    )


def _owner_figures(rows) -> dict[tuple[int, int | None], dict[str, int]]:
    return {
        (store_id, owner): {"customers": int(n), "mobile": int(m or 0), "vehicle": int(v or 0)}
        for _kind, store_id, owner, n, m, v in rows
    }


def _visit_figures(rows) -> dict[tuple[int, Any], dict]:
    return {(s, c): {"visits": int(n), "no_contact": int(k or 0)} for _kind, s, c, n, k, _z in rows}


def completeness_by_owner(*, store_ids=None) -> dict[tuple[int, int | None], dict[str, int]]:
    """**Data completeness** (资料完整度) of the live customers now, per store and consultant
    (the customer's owner; None: unassigned): ``customers``, ``mobile`` (with a valid mobile,
    :data:`VALID_MOBILE`), ``vehicle`` (owning at least one vehicle on file). The share with a
    consultant is the customers whose owner is not None over all."""
    return _owner_figures(db.session.execute(_owners_select(store_ids)).all())


def visits_without_contact(period: Period, *, tz: str | None = None, store_ids=None) -> dict[tuple[int, Any], dict]:
    """**Visits with no contact** (无联系方式的来店): visits in the period (every visit, not
    once per day) logged without a customer, or whose customer has no valid mobile; per store
    and consultant: ``{"visits": all visits, "no_contact": those}``."""
    return _visit_figures(db.session.execute(_visits_select(period, tz, store_ids)).all())


def completeness_live(period: Period, *, tz: str | None = None, store_ids=None) -> tuple[dict, dict]:
    """:func:`completeness_by_owner` and :func:`visits_without_contact` in one statement."""
    rows = db.session.execute(sa.union_all(_owners_select(store_ids), _visits_select(period, tz, store_ids))).all()
    return _owner_figures([r for r in rows if r[0] == "owner"]), _visit_figures([r for r in rows if r[0] == "visits"])


def summarised_as_of(stamps: dict, tz: str) -> str:
    """The caption's note on when the summary was made (empty when counted live)."""
    return summary_note(customer_stats.as_of(stamps), tz)


# --------------------------------------------------------------------------- sections


def _by_store_and_key(counts: Counts, keys: list[Any], labels: dict, filters: Filters, caption: str, head: str):
    """A table of ``counts`` per key, with a store column in the roll-up and a total line."""
    names = store_names()
    multi = filters.multi
    header = ([_("门店")] if multi else []) + [head, _("新增客户"), _("占比")]
    table = Table(caption, header)
    total = sum(counts.values())
    stores = sorted({s for s, _k in counts}, key=lambda s: names.get(s, "")) if multi else [None]
    for store in stores:
        for key in keys:
            n = counts.get((store, key), 0) if multi else sum(v for (s, k), v in counts.items() if k == key)
            if not n:
                continue
            cells = [names.get(store, "")] if multi else []
            table.rows.append([*cells, labels.get(key, str(key)), str(n), percent(ratio(n, total))])
    table.rows.append([_("合计"), "", str(total), ""] if multi else [_("合计"), str(total), ""])
    table.total_row = len(table.rows) - 1
    return table


@section("customers", "growth", _l("客户增长"), order=10)
def growth_section(f: Filters) -> dict[str, Any]:
    """New customers per month (a chart per store), by source and by region."""
    names = store_names()
    months = months_of(f.period)
    grid, stamps = summarised_grid(f)
    by_month, by_source, by_region = _marginal(grid, 1), _marginal(grid, 2), _marginal(grid, 3)
    stores = sorted({s for s, _m in by_month}, key=lambda s: names.get(s, ""))
    month_table = Table(
        _("每月新增客户") + summarised_as_of(stamps, f.tz), [_("月份"), *(names.get(s, "") for s in stores), _("合计")]
    )
    for month in months:
        values = [by_month.get((s, month), 0) for s in stores]
        month_table.rows.append([month, *map(str, values), str(sum(values))])
    source_labels = {k: str(v) for k, v in SOURCES.items()}
    source_keys = sorted(
        {k for _s, k in by_source}, key=lambda k: -sum(v for (s, kk), v in by_source.items() if kk == k)
    )
    region_totals: dict[str, int] = {}
    for (_s, k), v in by_region.items():
        region_totals[k] = region_totals.get(k, 0) + v
    region_keys = sorted(region_totals, key=lambda k: (-region_totals[k], k))[:30]
    region_labels = {k: k or _("未填写区县") for k in region_keys}
    chart = {
        "type": "bar",
        "stack": True,
        "title": _("每月新增客户"),
        "labels": months,
        "series": [{"name": names.get(s, ""), "values": [by_month.get((s, m), 0) for m in months]} for s in stores],
    }
    return {
        "chart": chart,
        "tables": [
            month_table,
            _by_store_and_key(by_source, source_keys, source_labels, f, _("按来源"), _("来源")),
            _by_store_and_key(by_region, region_keys, region_labels, f, _("按地区（区县）"), _("地区")),
        ],
    }


@section("customers", "segments", _l("客户价值分层"), order=20)
def segments_section(f: Filters) -> dict[str, Any]:
    """The RFM segments: customers and spend per segment (per store in the roll-up). Over
    more than ``section_jobs.LARGE_CUSTOMERS`` customers they run as a job (progress, then
    the figures)."""
    totals, _stamps = customer_stats.live_totals(f.store_ids)
    if sum(totals.values()) > section_jobs.LARGE_CUSTOMERS:
        return section_jobs.as_job("customers", "segments", f)
    return segments_result(f, value_segments(f.period, tz=f.tz, store_ids=f.store_ids, summary=totals))


@section_jobs.heavy("customers", "segments")
def segments_in_steps(f: Filters, store_ids: tuple[int, ...], progress) -> dict[str, Any]:
    """:func:`segments_section`'s figures store by store (the job; ``progress(stores done)``)."""
    data: dict[tuple[int, str], tuple[int, Decimal]] = {}
    for done, store_id in enumerate(store_ids, start=1):
        data.update(value_segments(f.period, tz=f.tz, store_ids=(store_id,)))
        progress(done)
    return segments_result(f, data)


def segments_result(f: Filters, data: dict[tuple[int, str], tuple[int, Decimal]]) -> dict[str, Any]:
    names = store_names()
    stores = sorted({s for s, _g in data}, key=lambda s: names.get(s, ""))
    header = [_("分层"), _("客户数"), _("占比"), _("消费金额")]
    table = Table(_("客户价值分层（RFM）"), ([_("门店")] if f.multi else []) + header)
    total = sum(n for n, _m in data.values())
    for store in stores if f.multi else [None]:
        for seg, label in SEGMENTS.items():
            if store is None:
                n = sum(v[0] for (s, g), v in data.items() if g == seg)
                spend = sum((v[1] for (s, g), v in data.items() if g == seg), ZERO)
            else:
                n, spend = data.get((store, seg), (0, ZERO))
            cells = [names.get(store, "")] if f.multi else []
            table.rows.append([*cells, str(label), str(n), percent(ratio(n, total)), f"{spend:,.2f}"])
    chart = {
        "type": "bar",
        "title": _("客户价值分层"),
        "labels": [str(v) for v in SEGMENTS.values()],
        "series": [
            {"name": _("客户数"), "values": [sum(v[0] for (s, g), v in data.items() if g == seg) for seg in SEGMENTS]}
        ],
    }
    return {"chart": chart, "tables": [table]}


@section("customers", "completeness", _l("资料完整度"), order=30)
def completeness_section(f: Filters) -> dict[str, Any]:
    """Shares with a valid mobile, a consultant and a vehicle; visits with no contact; the
    consultants with the most gaps (worst first)."""
    names = store_names()
    owners, visits, stamps = customer_stats.completeness(f.period, f.store_ids)
    live = [s for s in scope(f.store_ids) if s not in stamps]
    if live:
        live_owners, live_visits = completeness_live(f.period, tz=f.tz, store_ids=live)
        owners.update(live_owners)
        visits.update(live_visits)
    people = services.user_names([o for _s, o in owners] + [c for _s, c in visits])
    stores = sorted({s for s, _o in owners} | {s for s, _c in visits}, key=lambda s: names.get(s, ""))
    header = [
        _("客户数"),
        _("有效手机号"),
        _("有归属顾问"),
        _("有车辆信息"),
        _("期间来店"),
        _("来店无联系方式"),
    ]
    table = Table(_("资料完整度") + summarised_as_of(stamps, f.tz), [_("门店"), *header])

    def line(label: str, keys: set) -> list[str]:
        n = sum(v["customers"] for k, v in owners.items() if k in keys)
        mob = sum(v["mobile"] for k, v in owners.items() if k in keys)
        owned = sum(v["customers"] for k, v in owners.items() if k in keys and k[1] is not None)
        veh = sum(v["vehicle"] for k, v in owners.items() if k in keys)
        vk = {k for k in visits if k[0] in {s for s, _o in keys}}
        vis = sum(visits[k]["visits"] for k in vk)
        nc = sum(visits[k]["no_contact"] for k in vk)
        return [
            label,
            str(n),
            percent(ratio(mob, n)),
            percent(ratio(owned, n)),
            percent(ratio(veh, n)),
            str(vis),
            f"{nc}（{percent(ratio(nc, vis))}）",
        ]

    for store in stores:
        table.rows.append(line(names.get(store, ""), {k for k in owners if k[0] == store} | {(store, None)}))
    if len(stores) > 1:
        table.rows.append(line(_("合计"), set(owners) | {(s, None) for s in stores}))
        table.total_row = len(table.rows) - 1
    # the worst offenders: consultants by their gaps (customers without a valid mobile or a
    # vehicle, and visits without contact), most first
    gaps: dict[tuple[int, int], dict[str, int]] = {}
    for (store, owner), v in owners.items():
        if owner is not None:
            g = gaps.setdefault((store, owner), {"customers": 0, "no_mobile": 0, "no_vehicle": 0, "no_contact": 0})
            g["customers"] += v["customers"]
            g["no_mobile"] += v["customers"] - v["mobile"]
            g["no_vehicle"] += v["customers"] - v["vehicle"]
    for (store, consultant), v in visits.items():
        if consultant is not None:
            g = gaps.setdefault((store, consultant), {"customers": 0, "no_mobile": 0, "no_vehicle": 0, "no_contact": 0})
            g["no_contact"] += v["no_contact"]
    worst = sorted(
        gaps.items(), key=lambda kv: (-(kv[1]["no_mobile"] + kv[1]["no_contact"]), -kv[1]["no_vehicle"], kv[0])
    )
    offenders = Table(
        _("资料缺失最多的顾问"),
        [
            _("销售顾问"),
            *([_("门店")] if f.multi else []),
            _("名下客户"),
            _("无有效手机号"),
            _("无车辆信息"),
            _("来店无联系方式"),
        ],
    )
    for (store, user_id), g in worst[:10]:
        offenders.rows.append(
            [
                people.get(user_id, ""),
                *([names.get(store, "")] if f.multi else []),
                str(g["customers"]),
                str(g["no_mobile"]),
                str(g["no_vehicle"]),
                str(g["no_contact"]),
            ]
        )
    n = sum(v["customers"] for v in owners.values())
    chart = {
        "type": "bar",
        "title": _("资料完整度"),
        "labels": [_("有效手机号"), _("有归属顾问"), _("有车辆信息")],
        "series": [
            {
                "name": _("占比（%）"),
                "values": [
                    float((ratio(sum(v["mobile"] for v in owners.values()), n) or 0) * 100),
                    float((ratio(sum(v["customers"] for k, v in owners.items() if k[1] is not None), n) or 0) * 100),
                    float((ratio(sum(v["vehicle"] for v in owners.values()), n) or 0) * 100),
                ],
            }
        ],
    }
    return {"chart": chart, "tables": [table, offenders]}
