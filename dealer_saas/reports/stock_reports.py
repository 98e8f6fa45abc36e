"""The stock report (库存报表): vehicle ageing, stock by model against the store's minimum,
and turnover. Definitions in the docstrings; aggregate SQL per store like ``metrics.py``.

Parts (turnover, stock value, below reorder point, dead stock) join this report as sections
of their own: ``@section("stock", "parts_...", ...)`` (see ``sections.py``).
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
from ..extensions import db
from ..inventory.models import ModelStockMinimum, StockVehicle, VehicleModel
from ..sales.models import SalesOrder
from .metrics import ZERO, Period, _money, among, ratio, scope
from .sections import Filters, hours_between, section, store_names
from .tables import Table, percent

#: states of a car on the store's books (not in transit, not yet handed over)
ON_BOOKS = ("in_stock", "allocated")
#: ageing buckets: (label key, upper bound in days, included); the last has no bound
AGE_BUCKETS = (("0-30", 30), ("31-60", 60), ("61-90", 90), ("91-180", 180), ("180+", None))
AGE_LABELS = {
    "0-30": _l("30天内"),
    "31-60": _l("31-60天"),
    "61-90": _l("61-90天"),
    "91-180": _l("91-180天"),
    "180+": _l("180天以上"),
    "unknown": _l("无到店日期"),
}


def stock_ageing(today: dt.date, *, store_ids=None) -> dict[tuple[int, str], tuple[int, Decimal]]:
    """**Vehicle ageing** (库龄): cars on the books today (in stock or allocated to an order;
    demo cars included) by days since their arrival (到店日期): 0-30, 31-60, 61-90, 91-180,
    more than 180, or unknown (no arrival date); ``{(store, bucket): (cars, cost)}``."""
    whens = []
    for key, days in AGE_BUCKETS:
        if days is not None:
            whens.append((StockVehicle.arrival_date >= today - dt.timedelta(days=days), key))
    bucket = sa.case((StockVehicle.arrival_date.is_(None), "unknown"), *whens, else_="180+").label("bucket")
    rows = db.session.execute(
        select(StockVehicle.store_id, bucket, func.count(StockVehicle.id), func.sum(StockVehicle.cost))
        .where(among(StockVehicle.store_id, scope(store_ids)), StockVehicle.state.in_(ON_BOOKS))
        .group_by(StockVehicle.store_id, bucket)
    ).all()
    return {(s, b): (int(n), _money(c)) for s, b, n, c in rows}


def stock_by_model(*, store_ids=None) -> dict[tuple[int, int], dict[str, int]]:
    """**Stock by model** (车型库存): per store and model, ``in_stock`` (sellable: in stock,
    not a demo car, the rule of the minimum), ``allocated``, ``in_transit``, and the
    store's ``minimum`` (库存下限; 0 when none is set). A model with a minimum and no car is listed."""
    rows = db.session.execute(
        select(
            StockVehicle.store_id,
            StockVehicle.model_id,
            func.sum(sa.case((sa.and_(StockVehicle.state == "in_stock", StockVehicle.is_demo.is_(False)), 1), else_=0)),
            func.sum(sa.case((StockVehicle.state == "allocated", 1), else_=0)),
            func.sum(sa.case((StockVehicle.state == "in_transit", 1), else_=0)),
        )
        .where(among(StockVehicle.store_id, scope(store_ids)), StockVehicle.state.in_((*ON_BOOKS, "in_transit")))
        .group_by(StockVehicle.store_id, StockVehicle.model_id)
    ).all()
    out = {
        (s, m): {"in_stock": int(a or 0), "allocated": int(b or 0), "in_transit": int(c or 0), "minimum": 0}
        for s, m, a, b, c in rows
    }
    for s, m, q in db.session.execute(
        select(ModelStockMinimum.store_id, ModelStockMinimum.model_id, ModelStockMinimum.min_quantity).where(
            among(ModelStockMinimum.store_id, scope(store_ids))
        )
    ):
        out.setdefault((s, m), {"in_stock": 0, "allocated": 0, "in_transit": 0, "minimum": 0})["minimum"] = int(q)
    return out


def turnover(period: Period, *, tz: str | None = None, store_ids=None) -> dict[int, dict[str, Any]]:
    """**Turnover** (库存周转) per store: ``delivered`` = orders handed over in the period
    (as ``metrics.delivery_count``); ``on_books`` = cars on the books now (:data:`ON_BOOKS`);
    ``turns`` = delivered / on_books; ``days_of_supply`` = on_books / (delivered per day of the
    period); ``days_in_stock`` = the average days from arrival to handover of the delivered
    cars that have an arrival date."""
    start, end = period.bounds(tz)
    ids = scope(store_ids)
    delivered = {
        s: (int(n), float(d) if d is not None else None)
        for s, n, d in db.session.execute(
            select(
                SalesOrder.store_id,
                func.count(SalesOrder.id),
                func.avg(hours_between(StockVehicle.arrival_date, SalesOrder.delivered_at) / 24.0),
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
    }
    on_books = dict(
        db.session.execute(
            select(StockVehicle.store_id, func.count(StockVehicle.id))
            .where(among(StockVehicle.store_id, ids), StockVehicle.state.in_(ON_BOOKS))
            .group_by(StockVehicle.store_id)
        ).all()
    )
    out = {}
    for store_id in ids:
        n, days = delivered.get(store_id, (0, None))
        books = int(on_books.get(store_id, 0))
        per_day = Decimal(n) / Decimal(period.days)
        out[store_id] = {
            "delivered": n,
            "on_books": books,
            "turns": ratio(n, books),
            "days_of_supply": (Decimal(books) / per_day).quantize(Decimal("0.1")) if per_day else None,
            "days_in_stock": Decimal(str(round(days, 1))) if days is not None else None,
        }
    return out


# --------------------------------------------------------------------------- sections


@section("stock", "ageing", _l("库龄分布"), order=10)
def ageing_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = stock_ageing(tenancy.store_today(), store_ids=f.store_ids)
    keys = [k for k, _d in AGE_BUCKETS] + ["unknown"]
    stores = sorted({s for s, _b in data}, key=lambda s: names.get(s, ""))
    table = Table(
        _("库龄分布（当前在库与已配车）"), [_("门店"), *(str(AGE_LABELS[k]) for k in keys), _("合计"), _("库存成本")]
    )
    for store in stores:
        counts = [data.get((store, k), (0, ZERO))[0] for k in keys]
        cost = sum((data.get((store, k), (0, ZERO))[1] for k in keys), ZERO)
        table.rows.append([names.get(store, ""), *map(str, counts), str(sum(counts)), f"{cost:,.2f}"])
    if len(stores) > 1:
        counts = [sum(v[0] for (s, b), v in data.items() if b == k) for k in keys]
        cost = sum((v[1] for v in data.values()), ZERO)
        table.rows.append([_("合计"), *map(str, counts), str(sum(counts)), f"{cost:,.2f}"])
        table.total_row = len(table.rows) - 1
    chart = {
        "type": "bar",
        "stack": True,
        "title": _("库龄分布"),
        "labels": [str(AGE_LABELS[k]) for k in keys],
        "series": [
            {"name": names.get(s, ""), "values": [data.get((s, k), (0, ZERO))[0] for k in keys]} for s in stores
        ],
    }
    return {"chart": chart, "tables": [table]}


@section("stock", "models", _l("车型库存与最低库存"), order=20)
def models_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = stock_by_model(store_ids=f.store_ids)
    model_ids = {m for _s, m in data}
    labels = (
        {
            m.id: m.label
            for m in db.session.execute(select(VehicleModel).where(VehicleModel.id.in_(model_ids))).scalars()
        }
        if model_ids
        else {}
    )
    header = [_("车型"), _("在库可售"), _("已配车"), _("在途"), _("最低库存"), _("缺口")]
    table = Table(_("车型库存对比最低库存"), ([_("门店")] if f.multi else []) + header)
    ordered = sorted(
        data.items(),
        key=lambda kv: (names.get(kv[0][0], ""), -(kv[1]["minimum"] - kv[1]["in_stock"]), labels.get(kv[0][1], "")),
    )
    for (store, model), v in ordered:
        gap = max(0, v["minimum"] - v["in_stock"])
        table.rows.append(
            [
                *([names.get(store, "")] if f.multi else []),
                labels.get(model, ""),
                str(v["in_stock"]),
                str(v["allocated"]),
                str(v["in_transit"]),
                str(v["minimum"]),
                str(gap) if gap else "",
            ]
        )
    per_model: dict[int, dict[str, int]] = {}
    for (_s, model), v in data.items():
        agg = per_model.setdefault(model, {"in_stock": 0, "minimum": 0})
        agg["in_stock"] += v["in_stock"]
        agg["minimum"] += v["minimum"]
    top = sorted(per_model, key=lambda m: labels.get(m, ""))[:20]
    chart = {
        "type": "bar",
        "title": _("车型在库与最低库存"),
        "labels": [labels.get(m, "") for m in top],
        "series": [
            {"name": _("在库可售"), "values": [per_model[m]["in_stock"] for m in top]},
            {"name": _("最低库存"), "values": [per_model[m]["minimum"] for m in top]},
        ],
    }
    return {"chart": chart, "tables": [table]}


@section("stock", "turnover", _l("库存周转"), order=30)
def turnover_section(f: Filters) -> dict[str, Any]:
    names = store_names()
    data = turnover(f.period, tz=f.tz, store_ids=f.store_ids)
    table = Table(
        _("库存周转"),
        [_("门店"), _("期间交车"), _("当前在库"), _("周转次数"), _("可售天数"), _("平均在库天数")],
    )
    for store_id, v in sorted(data.items(), key=lambda kv: names.get(kv[0], "")):
        table.rows.append(
            [
                names.get(store_id, ""),
                str(v["delivered"]),
                str(v["on_books"]),
                "—" if v["turns"] is None else f"{v['turns']:.2f}",
                "—" if v["days_of_supply"] is None else str(v["days_of_supply"]),
                "—" if v["days_in_stock"] is None else str(v["days_in_stock"]),
            ]
        )
    if len(data) > 1:
        delivered = sum(v["delivered"] for v in data.values())
        books = sum(v["on_books"] for v in data.values())
        table.rows.append(
            [
                _("合计"),
                str(delivered),
                str(books),
                percent(None) if not books else f"{ratio(delivered, books):.2f}",
                "",
                "",
            ]
        )
        table.total_row = len(table.rows) - 1
    ordered = sorted(data, key=lambda s: names.get(s, ""))
    chart = {
        "type": "bar",
        "title": _("期间交车与当前在库"),
        "labels": [names.get(s, "") for s in ordered],
        "series": [
            {"name": _("期间交车"), "values": [data[s]["delivered"] for s in ordered]},
            {"name": _("当前在库"), "values": [data[s]["on_books"] for s in ordered]},
        ],
    }
    return {"chart": chart, "tables": [table]}
