"""Report screens: each page paints its filters at once (no figures, no queries of its own)
and loads its figures as an htmx fragment; the fragment's URL opened without htmx is a
full page, so the reports also work without JavaScript. One POST exports any report as CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _

from .. import audit, tenancy
from ..extensions import db
from ..web import permission_required, redirect_to, render_htmx, rollback_only
from . import bp, csvfile, services, tables
from .metrics import Period


def _filters(args) -> dict[str, Any]:
    """The report filters from ``args`` (junk falls back), and their values for links."""
    period = services.period_from_args(args, tenancy.store_today())
    month = services.month_from_args(args, tenancy.store_today())
    by = services.dimension_from_args(args)
    store_ids = services.stores_from_args(args) if tenancy.current().is_rollup else None
    query = {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "by": by,
        "month": f"{month.start:%Y-%m}",
    }
    if store_ids:
        query["store"] = str(store_ids[0])
    return {"period": period, "month": month, "by": by, "store_ids": store_ids, "query": query}


def _page(template: str, data_endpoint: str, **extra: Any) -> str:
    filters = _filters(request.args)
    return render_template(
        template,
        data_url=url_for(data_endpoint, **filters["query"]),
        stores=services.readable_stores(),
        dimension_labels=tables.DIMENSION_LABELS,
        **filters,
        **extra,
    )


def _fragment(partial: str, title: str, **context: Any) -> Response:
    return render_htmx("reports/fragment_page.html", partial, fragment=partial, title=title, **context)


# --------------------------------------------------------------------------- funnel


@bp.route("/")
@permission_required("reports.view")
def funnel():
    """The sales funnel: date range, breakdown and (in the roll-up) store pickers."""
    return _page("reports/page.html", "reports.funnel_data", report="funnel")


@bp.route("/funnel")
@permission_required("reports.view")
def funnel_data():
    """The funnel's figures: a funnel chart, the stage table and the breakdown table."""
    f = _filters(request.args)
    report = tables.funnel_report(f["period"], f["by"], tz=tenancy.store_timezone(), store_ids=f["store_ids"])
    return _fragment("reports/_report.html", _("销售漏斗"), report=report, name="funnel", **f)


# --------------------------------------------------------------------------- ranking


@bp.route("/ranking")
@permission_required("reports.view")
def ranking():
    """The consultants' ranking (龙虎榜) for a month, against their targets."""
    return _page("reports/page.html", "reports.ranking_data", report="ranking")


@bp.route("/ranking/data")
@permission_required("reports.view")
def ranking_data():
    f = _filters(request.args)
    report = tables.ranking_report(f["month"], tz=tenancy.store_timezone(), store_ids=f["store_ids"])
    return _fragment("reports/_report.html", _("龙虎榜"), report=report, name="ranking", **f)


# --------------------------------------------------------------------------- targets


@bp.route("/targets", methods=["GET", "POST"])
@permission_required("reports.targets")
def targets():
    """The month's targets of the store's consultants (units, deliveries, gross margin)."""
    month = services.month_from_args(request.values, tenancy.store_today())
    if tenancy.current().is_rollup:
        return render_template("reports/targets.html", month=month, rollup=True, consultants=[], targets={})
    errors: dict[str, str] = {}
    submitted = None
    if request.method == "POST":
        submitted = request.form
        try:
            with db.session.begin_nested():  # a refused figure leaves nothing half saved
                changed = services.save_targets(month, request.form)
        except services.ReportError as error:
            rollback_only()
            errors[error.field or ""] = str(error)
        else:
            flash(_("已保存 %(n)s 位顾问的目标。", n=changed), "success")
            return redirect_to(url_for("reports.targets", month=f"{month.start:%Y-%m}"))
    return render_template(
        "reports/targets.html",
        month=month,
        rollup=False,
        consultants=services.store_consultants(),
        targets=services.month_targets(month),
        errors=errors,
        submitted=submitted,
        query={"month": f"{month.start:%Y-%m}"},
    )


# --------------------------------------------------------------------------- forecast


@bp.route("/forecast")
@permission_required("reports.view")
def forecast():
    """Open cards weighted by intent level: the orders expected in the next 30 days."""
    return _page("reports/page.html", "reports.forecast_data", report="forecast")


@bp.route("/forecast/data")
@permission_required("reports.view")
def forecast_data():
    f = _filters(request.args)
    report = tables.forecast_report(store_ids=f["store_ids"])
    return _fragment("reports/_report.html", _("成交预测"), report=report, name="forecast", **f)


# --------------------------------------------------------------------------- the group


def _store_report_url(store) -> str:
    return url_for("reports.funnel", store=store.id)


@bp.route("/stores")
@permission_required("reports.view", "reports.group")
def stores():
    """Every store of the group side by side (a ranking table and a chart)."""
    return _page("reports/page.html", "reports.stores_data", report="stores")


@bp.route("/stores/data")
@permission_required("reports.view", "reports.group")
def stores_data():
    f = _filters(request.args)
    report = tables.stores_report(f["period"], tz=tenancy.store_timezone(), store_url=_store_report_url)
    return _fragment("reports/_report.html", _("门店对比"), report=report, name="stores", **f)


# --------------------------------------------------------------------------- export


EXPORTS = {"funnel": "reports.view", "ranking": "reports.view", "forecast": "reports.view", "stores": "reports.group"}


@bp.route("/export", methods=["POST"])
@permission_required("reports.export", reads_only=True)
def export():
    """Any report as it is filtered, as a CSV file (cells as inert text); audit-logged."""
    name = request.form.get("report", "")
    if name not in EXPORTS:
        abort(400)
    if not tenancy.current().can(EXPORTS[name]):
        abort(403)
    f = _filters(request.form)
    if name == "funnel":
        report = tables.funnel_report(f["period"], f["by"], tz=tenancy.store_timezone(), store_ids=f["store_ids"])
    elif name == "ranking":
        report = tables.ranking_report(f["month"], tz=tenancy.store_timezone(), store_ids=f["store_ids"])
    elif name == "forecast":
        report = tables.forecast_report(store_ids=f["store_ids"])
    else:
        report = tables.stores_report(f["period"], tz=tenancy.store_timezone(), store_url=_store_report_url)
    sections = [(t.caption, t.header, t.rows) for t in report["tables"]]
    as_xlsx = request.form.get("format") == "xlsx"
    content = csvfile.write_xlsx(sections, name) if as_xlsx else csvfile.write_csv(sections)
    rows = sum(len(t.rows) for t in report["tables"])
    audit.record(
        "export",
        "reports",
        summary=_("导出报表 %(name)s", name=name),
        after={"report": name, "filters": f["query"], "rows": rows},
    )
    period: Period = f["month"] if name == "ranking" else f["period"]
    extension = "xlsx" if as_xlsx else "csv"
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if as_xlsx else "text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={name}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{extension}",
            "Cache-Control": "no-store",
        },
    )
