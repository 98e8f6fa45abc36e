"""The parts sections of the stock report (配件): stock value, turnover, below the reorder
point and dead stock. They read the parts module's tables (``part_stocks``,
``stock_movements``, ``parts``) with aggregate SQL per store, never write them.

Definitions shared by the sections:

- **On hand** and **average cost** are the parts module's (``PartStock``: the quantity in
  the store and its moving average cost); a part's **stock value** is on hand x average
  cost, now.
- **Consumption** (出库成本) is what left the store for use in the period, at cost: the
  movements of kind ``issue`` (parts issued to a repair order) and ``sale`` (counter sales),
  less ``return`` (parts given back from a repair order), each quantity x its movement's
  unit cost, by the movement's time. Transfers, stocktakes and adjustments are not
  consumption.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..parts.models import CATEGORIES, Part, PartStock, StockMovement
from ..timeutil import utcnow
from . import section_jobs
from .metrics import ZERO, Period, _money, among, ratio, scope
from .sections import Filters, is_postgres, section, store_names
from .tables import Table, percent

#: the movements that are consumption (the sign of their quantity: out negative, a return positive)
CONSUMPTION_KINDS = ("issue", "sale", "return")
#: the longest lists a section shows (the export carries the same rows)
LIST_ROWS = 50
Q0 = Decimal("0")


def _qty(value: Any) -> Decimal:
    return Decimal(str(value or 0)).normalize() if value else Q0


def stock_value(*, store_ids=None) -> dict[tuple[int, str], dict[str, Any]]:
    """**Parts stock value** (配件库存金额) now, per store and part category: ``parts`` (parts
    with stock on hand), ``quantity`` (on hand added up) and ``value`` (on hand x average
    cost added up). Parts with nothing on hand are not counted."""
    rows = db.session.execute(
        select(
            PartStock.store_id,
            Part.category,
            func.count(PartStock.id),
            func.sum(PartStock.on_hand),
            func.sum(PartStock.on_hand * PartStock.average_cost),
        )
        .join(Part, Part.id == PartStock.part_id)
        .where(among(PartStock.store_id, scope(store_ids)), PartStock.on_hand > 0)
        .group_by(PartStock.store_id, Part.category)
    ).all()
    return {(s, c): {"parts": int(n), "quantity": _qty(q), "value": _money(v)} for s, c, n, q, v in rows}


def consumption(period: Period, *, tz: str | None = None, store_ids=None) -> dict[int, Decimal]:
    """**Parts consumption at cost** (配件出库成本) of the period per store (see the module's
    definition): issued and sold, less returned, quantity x unit cost of each movement."""
    start, end = period.bounds(tz)
    rows = db.session.execute(
        select(StockMovement.store_id, func.sum(-StockMovement.quantity * StockMovement.unit_cost))
        .where(
            among(StockMovement.store_id, scope(store_ids)),
            StockMovement.kind.in_(CONSUMPTION_KINDS),
            StockMovement.created_at >= start,
            StockMovement.created_at < end,
        )
        .group_by(StockMovement.store_id)
    ).all()
    return {s: _money(v) for s, v in rows}


def parts_turnover(period: Period, *, tz: str | None = None, store_ids=None) -> dict[int, dict[str, Any]]:
    """**Parts turnover** (配件周转) per store: ``consumption`` of the period (:func:`consumption`),
    ``value`` = the stock value now (:func:`stock_value`), ``turns`` = consumption / value
    (for the period, not annualised), ``days_of_supply`` = value / (consumption per day of
    the period): how long today's stock lasts at the period's pace."""
    used = consumption(period, tz=tz, store_ids=store_ids)
    values: dict[int, Decimal] = {}
    for (store_id, _c), v in stock_value(store_ids=store_ids).items():
        values[store_id] = values.get(store_id, ZERO) + v["value"]
    out = {}
    for store_id in sorted(set(used) | set(values)):
        cost, value = used.get(store_id, ZERO), values.get(store_id, ZERO)
        per_day = cost / Decimal(period.days)
        out[store_id] = {
            "consumption": cost,
            "value": value,
            "turns": ratio(cost, value),
            "days_of_supply": (value / per_day).quantize(Decimal("0.1")) if per_day > 0 else None,
        }
    return out


def below_reorder_point(*, store_ids=None, limit: int = LIST_ROWS) -> tuple[dict[int, int], list[dict[str, Any]]]:
    """**Below the reorder point** (低于再订货点): parts whose available quantity (on hand less
    reserved) is at or below their reorder point, for parts that have one (the parts
    module's ``is_low``). ``({store: parts}, the parts with the largest shortfall first)``;
    the shortfall is the reorder point less available (0 when exactly at it)."""
    ids = scope(store_ids)
    counts = dict(
        db.session.execute(
            select(PartStock.store_id, func.count(PartStock.id))
            .where(among(PartStock.store_id, ids), PartStock.is_low.is_(True))
            .group_by(PartStock.store_id)
        ).all()
    )
    available = PartStock.on_hand - PartStock.reserved
    shortfall = (PartStock.reorder_point - available).label("shortfall")
    rows = db.session.execute(
        select(PartStock.store_id, Part.code, Part.name, available, PartStock.reorder_point, shortfall)
        .join(Part, Part.id == PartStock.part_id)
        .where(among(PartStock.store_id, ids), PartStock.is_low.is_(True))
        .order_by(shortfall.desc(), Part.code, PartStock.store_id)
        .limit(limit)
    ).all()
    return {s: int(n) for s, n in counts.items()}, [
        {"store_id": s, "code": code, "name": name, "available": _qty(a), "reorder_point": _qty(r), "short": _qty(f)}
        for s, code, name, a, r, f in rows
    ]


def dead_stock(days: int, *, now: dt.datetime | None = None, store_ids=None, limit: int = LIST_ROWS):
    """**Dead stock** (呆滞库存): parts with stock on hand that have not moved (no stock
    movement: ``last_moved_at``) for ``days`` days or more, or never moved. ``({store:
    (parts, value)}, the dead parts with the highest stock value first)``; each with its
    days without a movement (None: never moved)."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=days)
    ids = scope(store_ids)
    dead = sa.and_(
        among(PartStock.store_id, ids),
        PartStock.on_hand > 0,
        sa.or_(PartStock.last_moved_at.is_(None), PartStock.last_moved_at < cutoff),
    )
    value = PartStock.on_hand * PartStock.average_cost
    if is_postgres():
        totals, rows = _dead_in_one_scan(dead, value, limit)
    else:
        totals = {
            s: (int(n), _money(v))
            for s, n, v in db.session.execute(
                select(PartStock.store_id, func.count(PartStock.id), func.sum(value))
                .where(dead)
                .group_by(PartStock.store_id)
            ).all()
        }
        rows = db.session.execute(
            select(
                PartStock.store_id,
                Part.code,
                Part.name,
                PartStock.on_hand,
                value.label("value"),
                PartStock.last_moved_at,
            )
            .join(Part, Part.id == PartStock.part_id)
            .where(dead)
            .order_by(value.desc(), Part.code, PartStock.store_id)
            .limit(limit)
        ).all()
    listed = []
    for s, code, name, on_hand, v, moved in rows:
        if moved is not None and moved.tzinfo is None:
            moved = moved.replace(tzinfo=dt.UTC)
        listed.append(
            {
                "store_id": s,
                "code": code,
                "name": name,
                "on_hand": _qty(on_hand),
                "value": _money(v),
                "idle_days": (now - moved).days if moved is not None else None,
            }
        )
    return totals, listed


def _dead_in_one_scan(dead: Any, value: Any, limit: int) -> tuple[dict[int, tuple[int, Decimal]], list[tuple]]:
    """:func:`dead_stock`'s totals and list on PostgreSQL in one statement over one scan of
    the stock rows (a CTE read twice): the totals per store, and the highest values among
    the stock rows alone (ties at the last place kept) joined to their parts afterwards, 50
    look-ups instead of joining every dead row to its part (the benchmark's large store:
    12 500 dead rows of 20 000; two scans and the join took 337 ms under load before)."""
    rows = (
        select(
            PartStock.store_id.label("store_id"),
            PartStock.part_id.label("part_id"),
            PartStock.on_hand.label("on_hand"),
            value.label("value"),
            PartStock.last_moved_at.label("moved"),
        )
        .where(dead)
        .cte("dead_rows")
    )
    top = select(rows).order_by(rows.c.value.desc()).fetch(limit, with_ties=True).subquery("top")
    place = func.row_number().over(order_by=(top.c.value.desc(), Part.code, top.c.store_id))
    nothing = sa.null()
    totals_part = select(
        sa.literal(0).label("place"),
        rows.c.store_id,
        sa.cast(nothing, sa.String).label("code"),
        sa.cast(nothing, sa.String).label("name"),
        sa.cast(func.count(), sa.Numeric).label("on_hand"),
        func.sum(rows.c.value).label("value"),
        sa.cast(nothing, sa.DateTime(timezone=True)).label("moved"),
    ).group_by(rows.c.store_id)
    list_part = select(place, top.c.store_id, Part.code, Part.name, top.c.on_hand, top.c.value, top.c.moved).join(
        Part, Part.id == top.c.part_id
    )
    found = db.session.execute(sa.union_all(totals_part, list_part)).all()
    totals = {s: (int(n), _money(v)) for place_, s, _c, _n, n, v, _m in found if place_ == 0}
    listed = sorted((r for r in found if r[0] != 0), key=lambda r: r[0])[:limit]
    return totals, [tuple(r[1:]) for r in listed]


# --------------------------------------------------------------------------- sections


def _group_wide(f: Filters) -> bool:
    """Several stores over a large installation: the section runs as a job
    (``section_jobs.many_parts``); one store's parts are counted in the request."""
    return f.multi and section_jobs.many_parts()


def _store_cells(f: Filters, names: dict, store_id: int) -> list[str]:
    return [names.get(store_id, "")] if f.multi else []


@section("stock", "parts_value", _l("配件库存金额"), order=50)
@section_jobs.section_or_job("stock", "parts_value", _group_wide)
def parts_value_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = stock_value(store_ids=f.store_ids)
    total = sum((v["value"] for v in data.values()), ZERO)
    table = Table(
        _("配件库存金额（按类别）"),
        [*([_("门店")] if f.multi else []), _("类别"), _("有库存配件数"), _("库存数量"), _("库存金额"), _("占比")],
    )
    order = list(CATEGORIES)
    for (store, category), v in sorted(
        data.items(), key=lambda kv: (names.get(kv[0][0], ""), order.index(kv[0][1]) if kv[0][1] in order else 99)
    ):
        table.rows.append(
            [
                *_store_cells(f, names, store),
                str(CATEGORIES.get(category, category)),
                str(v["parts"]),
                f"{v['quantity']:f}",
                f"{v['value']:,.2f}",
                percent(ratio(v["value"], total)),
            ]
        )
    table.rows.append(
        [
            _("合计"),
            *([""] if f.multi else []),
            str(sum(v["parts"] for v in data.values())),
            f"{sum((v['quantity'] for v in data.values()), Q0):f}",
            f"{total:,.2f}",
            "",
        ]
    )
    table.total_row = len(table.rows) - 1
    per_category = {c: sum((v["value"] for (s, k), v in data.items() if k == c), ZERO) for c in order}
    shown = [c for c in order if per_category[c]]
    chart = {
        "type": "bar",
        "title": _("配件库存金额（元）"),
        "labels": [str(CATEGORIES[c]) for c in shown],
        "series": [{"name": _("库存金额"), "values": [float(per_category[c]) for c in shown]}],
    }
    return {"chart": chart, "tables": [table]}


@section("stock", "parts_turnover", _l("配件周转"), order=51)
@section_jobs.section_or_job("stock", "parts_turnover", _group_wide)
def parts_turnover_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = parts_turnover(f.period, tz=f.tz, store_ids=f.store_ids)
    table = Table(_("配件周转"), [_("门店"), _("期间出库成本"), _("当前库存金额"), _("周转次数"), _("可用天数")])
    ordered = sorted(data, key=lambda s: names.get(s, ""))
    for store_id in ordered:
        v = data[store_id]
        table.rows.append(
            [
                names.get(store_id, ""),
                f"{v['consumption']:,.2f}",
                f"{v['value']:,.2f}",
                "—" if v["turns"] is None else f"{v['turns']:.2f}",
                "—" if v["days_of_supply"] is None else str(v["days_of_supply"]),
            ]
        )
    if len(data) > 1:
        used = sum((v["consumption"] for v in data.values()), ZERO)
        value = sum((v["value"] for v in data.values()), ZERO)
        turns = ratio(used, value)
        table.rows.append([_("合计"), f"{used:,.2f}", f"{value:,.2f}", "—" if turns is None else f"{turns:.2f}", ""])
        table.total_row = len(table.rows) - 1
    chart = {
        "type": "bar",
        "title": _("期间出库成本与当前库存金额（元）"),
        "labels": [names.get(s, "") for s in ordered],
        "series": [
            {"name": _("期间出库成本"), "values": [float(data[s]["consumption"]) for s in ordered]},
            {"name": _("当前库存金额"), "values": [float(data[s]["value"]) for s in ordered]},
        ],
    }
    return {"chart": chart, "tables": [table]}


@section("stock", "parts_low", _l("低于再订货点的配件"), order=52)
def parts_low_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    counts, rows = below_reorder_point(store_ids=f.store_ids)
    summary = Table(_("低于再订货点的配件数"), [_("门店"), _("配件数")])
    ordered = sorted(counts, key=lambda s: names.get(s, ""))
    for store_id in ordered:
        summary.rows.append([names.get(store_id, ""), str(counts[store_id])])
    if len(counts) > 1:
        summary.rows.append([_("合计"), str(sum(counts.values()))])
        summary.total_row = len(summary.rows) - 1
    listing = Table(
        _("缺口最大的配件（前 %(n)s 项）", n=LIST_ROWS),
        [_("配件编码"), *([_("门店")] if f.multi else []), _("名称"), _("可用数量"), _("再订货点"), _("缺口")],
    )
    for r in rows:
        listing.rows.append(
            [
                r["code"],
                *_store_cells(f, names, r["store_id"]),
                r["name"],
                f"{r['available']:f}",
                f"{r['reorder_point']:f}",
                f"{r['short']:f}",
            ]
        )
    chart = {
        "type": "bar",
        "title": _("低于再订货点的配件数"),
        "labels": [names.get(s, "") for s in ordered],
        "series": [{"name": _("配件数"), "values": [counts[s] for s in ordered]}],
    }
    return {"chart": chart, "tables": [summary, listing]}


@section("stock", "parts_dead", _l("呆滞配件"), order=53)
@section_jobs.section_or_job("stock", "parts_dead", _group_wide)
def parts_dead_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    totals, rows = dead_stock(f.dead_days, store_ids=f.store_ids)
    summary = Table(_("%(n)s 天以上无出入库的配件", n=f.dead_days), [_("门店"), _("配件数"), _("库存金额")])
    ordered = sorted(totals, key=lambda s: names.get(s, ""))
    for store_id in ordered:
        n, value = totals[store_id]
        summary.rows.append([names.get(store_id, ""), str(n), f"{value:,.2f}"])
    if len(totals) > 1:
        summary.rows.append(
            [
                _("合计"),
                str(sum(n for n, _v in totals.values())),
                f"{sum((v for _n, v in totals.values()), ZERO):,.2f}",
            ]
        )
        summary.total_row = len(summary.rows) - 1
    listing = Table(
        _("金额最高的呆滞配件（前 %(n)s 项）", n=LIST_ROWS),
        [_("配件编码"), *([_("门店")] if f.multi else []), _("名称"), _("在库数量"), _("库存金额"), _("未动天数")],
    )
    for r in rows:
        listing.rows.append(
            [
                r["code"],
                *_store_cells(f, names, r["store_id"]),
                r["name"],
                f"{r['on_hand']:f}",
                f"{r['value']:,.2f}",
                _("从未出入库") if r["idle_days"] is None else str(r["idle_days"]),
            ]
        )
    chart = {
        "type": "bar",
        "title": _("呆滞配件库存金额（元）"),
        "labels": [names.get(s, "") for s in ordered],
        "series": [{"name": _("库存金额"), "values": [float(totals[s][1]) for s in ordered]}],
    }
    return {"chart": chart, "tables": [summary, listing]}
