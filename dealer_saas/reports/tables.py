"""Each report as tables and a chart: the figures of ``metrics`` with their labels. The
page's table, the chart beside it and the CSV export are built from the same
:class:`Table`, so they never disagree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..formatting import money
from ..leads.models import INTENT_LEVELS
from . import metrics, services, visit_stats
from .metrics import STAGES, Period

STAGE_LABELS = {
    "visits": _l("来店（人天）"),
    "cards": _l("意向卡"),
    "test_drives": _l("试驾"),
    "orders": _l("订单"),
    "deliveries": _l("交车"),
}
DIMENSION_LABELS = {"source": _l("来源"), "consultant": _l("销售顾问"), "model": _l("车型")}


def percent(value: Decimal | None) -> str:
    """12.34 % from 0.1234; a dash when there was nothing to divide by."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal('0.1'))}%"


@dataclass
class Table:
    """A captioned table: header cells and rows of text; ``links`` optionally maps a row
    index to a URL for its first cell."""

    caption: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    links: dict[int, str] = field(default_factory=dict)
    #: the row (index) drawn as the total
    total_row: int | None = None


def summary_note(at: dt.datetime | None, tz: str | None) -> str:
    """A caption's note on when a summary behind it was made (empty: counted live)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return _("（统计截至 %(at)s）", at=f"{at.astimezone(ZoneInfo(metrics.zone_name(tz))):%m-%d %H:%M}")


def _conversion_cells(row: metrics.FunnelRow) -> list[str]:
    return [percent(r) for r in row.conversions] + [percent(row.overall)]


def _funnel_header(first: list[str]) -> list[str]:
    return [
        *first,
        *(str(STAGE_LABELS[s]) for s in STAGES),
        _("卡/来店"),
        _("试驾/卡"),
        _("订单/试驾"),
        _("交车/订单"),
        _("订单/来店"),
    ]


def funnel_report(period: Period, by: str, *, tz: str | None, store_ids) -> dict[str, Any]:
    """The funnel's total (per store in the roll-up), its chart, and the breakdown by ``by``."""
    multi = len(metrics.scope(store_ids)) > 1
    names = services.store_names()
    # the total per store and the breakdown: ten stage tallies, one statement
    figures = metrics.run(
        *metrics.funnel_tallies(period, tz=tz, store_ids=store_ids),
        *metrics.funnel_tallies(period, by=by, tz=tz, store_ids=store_ids),
    )
    per_store = metrics.funnel_rows(figures[: len(STAGES)])
    total = metrics.funnel_total(per_store)
    note = summary_note(visit_stats.as_of(metrics.scope(store_ids), period, tz), tz)
    stage_table = Table(_("销售漏斗") + note, _funnel_header([_("门店")]))
    for row in per_store if multi else []:
        stage_table.rows.append([names.get(row.store_id, ""), *map(str, row.counts.values()), *_conversion_cells(row)])
    scope = metrics.scope(store_ids)
    label = _("合计") if multi else names.get(scope[0] if scope else None, "")
    stage_table.rows.append([label, *map(str, total.counts.values()), *_conversion_cells(total)])
    stage_table.total_row = len(stage_table.rows) - 1

    breakdown_rows = metrics.funnel_rows(figures[len(STAGES) :], per_store=False)
    labels = services.key_labels(by, [r.key for r in breakdown_rows])
    breakdown = Table(_("按%(dimension)s", dimension=DIMENSION_LABELS[by]), _funnel_header([str(DIMENSION_LABELS[by])]))
    for row in breakdown_rows:
        breakdown.rows.append(
            [labels.get(row.key, str(row.key)), *map(str, row.counts.values()), *_conversion_cells(row)]
        )
    chart = {
        "type": "funnel",
        "title": _("销售漏斗"),
        "labels": [str(STAGE_LABELS[s]) for s in STAGES],
        "values": [total.counts[s] for s in STAGES],
    }
    return {"tables": [stage_table, breakdown], "chart": chart, "total": total}


def ranking_report(month: Period, *, tz: str | None, store_ids) -> dict[str, Any]:
    """The month's ranking with targets and attainment, and a bar chart of deliveries and
    orders against their targets."""
    multi = len(metrics.scope(store_ids)) > 1
    rows = metrics.consultant_ranking(month, tz=tz, store_ids=store_ids)
    names = services.user_names(r.consultant_id for r in rows)
    stores = services.store_names()
    header = [_("名次"), _("销售顾问")]
    if multi:
        header.append(_("门店"))
    header += [
        _("订单"),
        _("订单目标"),
        _("订单达成"),
        _("交车"),
        _("交车目标"),
        _("交车达成"),
        _("毛利"),
        _("毛利目标"),
        _("毛利达成"),
    ]
    table = Table(_("龙虎榜 %(month)s", month=f"{month.start:%Y-%m}"), header)
    for n, row in enumerate(rows, start=1):
        cells = [str(n), names.get(row.consultant_id, "")]
        if multi:
            cells.append(stores.get(row.store_id, ""))
        cells += [
            str(row.units),
            "" if row.target_units is None else str(row.target_units),
            percent(row.units_attainment),
            str(row.deliveries),
            "" if row.target_deliveries is None else str(row.target_deliveries),
            percent(row.deliveries_attainment),
            money(row.gross_margin),
            "" if row.target_gross_margin is None else money(row.target_gross_margin),
            percent(row.margin_attainment),
        ]
        table.rows.append(cells)
    top = rows[:15]
    chart = {
        "type": "bar",
        "title": _("交车与订单（对比目标）"),
        "labels": [names.get(r.consultant_id, "") for r in top],
        "series": [
            {"name": _("交车"), "values": [r.deliveries for r in top]},
            {"name": _("交车目标"), "values": [r.target_deliveries or 0 for r in top]},
            {"name": _("订单"), "values": [r.units for r in top]},
            {"name": _("订单目标"), "values": [r.target_units or 0 for r in top]},
        ],
    }
    return {"tables": [table], "chart": chart, "rows": rows}


def forecast_report(*, store_ids) -> dict[str, Any]:
    """Open cards per level, the store's probabilities and the expected orders."""
    from .settings import LEVELS

    rows = metrics.pipeline_forecast(store_ids=store_ids)
    stores = services.store_names()
    header = [_("门店")]
    for level in LEVELS:
        header += [str(INTENT_LEVELS[level]), _("%(level)s级概率", level=level)]
    header.append(_("预计30天内订单"))
    table = Table(_("成交预测"), header)
    for row in rows:
        cells = [stores.get(row.store_id, "")]
        for level in LEVELS:
            cells += [str(row.open_cards[level]), f"{row.probabilities[level].normalize():f}%"]
        cells.append(str(row.expected_orders))
        table.rows.append(cells)
    if len(rows) > 1:
        cells = [_("合计")]
        for level in LEVELS:
            cells += [str(sum(r.open_cards[level] for r in rows)), ""]
        cells.append(str(sum((r.expected_orders for r in rows), Decimal("0.0"))))
        table.rows.append(cells)
        table.total_row = len(table.rows) - 1
    expected = {level: sum((r.expected_by_level[level] for r in rows), Decimal("0")) for level in LEVELS}
    chart = {
        "type": "bar",
        "title": _("各意向级别预计订单"),
        "labels": [str(INTENT_LEVELS[level]) for level in LEVELS],
        "series": [
            {"name": _("跟进中意向卡"), "values": [sum(r.open_cards[level] for r in rows) for level in LEVELS]},
            {"name": _("预计订单"), "values": [float(expected[level]) for level in LEVELS]},
        ],
    }
    total = sum((r.expected_orders for r in rows), Decimal("0.0"))
    return {"tables": [table], "chart": chart, "rows": rows, "expected_total": total}


def csi_text(value: Decimal | None) -> str:
    """A CSI figure as shown (one decimal), a dash when no survey was answered."""
    return "—" if value is None else f"{value:.1f}"


def stores_report(period: Period, *, tz: str | None, store_url) -> dict[str, Any]:
    """Every store of the context side by side for the period, ranked by deliveries: the
    funnel's stages, orders per visit, gross margin, CSI (``metrics.csi_score``) and the
    orders expected in the next 30 days."""
    stores = services.readable_stores()
    # the funnel, the margin and the forecast of every store: one statement
    *stages, margins, csi, open_cards = metrics.run(
        *metrics.funnel_tallies(period, tz=tz),
        metrics.gross_margin.tally(period, tz=tz),
        metrics.csi_score.tally(period, tz=tz),
        metrics.forecast_tally(),
    )
    funnel = {r.store_id: r for r in metrics.funnel_rows(stages)}
    expected = {r.store_id: r.expected_orders for r in metrics.forecast_rows(open_cards)}
    header = [
        _("名次"),
        _("门店"),
        *(str(STAGE_LABELS[s]) for s in STAGES),
        _("订单/来店"),
        _("毛利"),
        _("CSI"),
        _("预计30天内订单"),
    ]
    empty = dict.fromkeys(STAGES, 0)
    ranked = sorted(
        stores,
        key=lambda s: (
            -(funnel[s.id].counts["deliveries"] if s.id in funnel else 0),
            -(funnel[s.id].counts["orders"] if s.id in funnel else 0),
            s.code,
        ),
    )
    note = summary_note(visit_stats.as_of(metrics.scope(), period, tz), tz)
    table = Table(_("门店对比") + note, header)
    for n, store in enumerate(ranked, start=1):
        row = funnel.get(store.id) or metrics.FunnelRow(store.id, None, dict(empty))
        table.rows.append(
            [
                str(n),
                store.name,
                *map(str, row.counts.values()),
                percent(row.overall),
                money(margins.get((store.id, None), Decimal("0.00"))),
                csi_text(csi.get((store.id, None))),
                str(expected.get(store.id, Decimal("0.0"))),
            ]
        )
        table.links[n - 1] = store_url(store)
    chart = {
        "type": "bar",
        "title": _("各门店订单与交车"),
        "labels": [s.name for s in ranked],
        "series": [
            {"name": _("订单"), "values": [funnel[s.id].counts["orders"] if s.id in funnel else 0 for s in ranked]},
            {
                "name": _("交车"),
                "values": [funnel[s.id].counts["deliveries"] if s.id in funnel else 0 for s in ranked],
            },
        ],
    }
    return {"tables": [table], "chart": chart, "stores": ranked}
