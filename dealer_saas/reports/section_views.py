"""The sectioned reports' screens (customers, stock, after-sales): the page paints its
filters and one placeholder per section, each section loads as its own htmx fragment (its
URL opened without htmx is a full page); one POST exports a whole report as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from .. import audit, tenancy
from ..web import permission_required, render_htmx
from . import (  # noqa: F401
    aftersales_reports,
    bp,
    care_reports,
    csvfile,
    customer_reports,
    parts_reports,
    services,
    stock_reports,
)
from .sections import DEAD_DAYS, REPORTS, SECTIONS, Section, filters_from


def _page(report: str) -> str:
    spec = REPORTS[report]
    f = filters_from(request.args)
    return render_template(
        "reports/sections_page.html",
        spec=spec,
        report=report,
        sections=SECTIONS[report],
        filters=f,
        stores=services.readable_stores() if tenancy.current().is_rollup else [],
        dead_days=DEAD_DAYS,
    )


def _section_view(spec: Section):
    def view() -> Any:
        f = filters_from(request.args)
        result = spec.build(f)
        return render_htmx(
            "reports/section_page.html",
            "reports/_report.html",
            spec=spec,
            report=result,
            name=f"{spec.report}-{spec.name}",
            title=str(spec.title),
            filters=f,
        )

    view.__name__ = f"{spec.report}_{spec.name}"
    view.__doc__ = f"The {spec.name} section of the {spec.report} report, as a fragment."
    return view


@bp.route("/customers")
@permission_required("reports.view")
def customers():
    """Customers: growth by month, source and region; value segments; data completeness."""
    return _page("customers")


@bp.route("/stock")
@permission_required("reports.view")
def stock():
    """Stock: vehicle ageing, stock by model against the minimum, turnover; parts stock
    value, turnover, below the reorder point and dead stock."""
    return _page("stock")


@bp.route("/aftersales")
@permission_required("reports.view")
def aftersales():
    """After-sales: ROs and revenue by type and payer, technician hours, duration, repeats."""
    return _page("aftersales")


@bp.route("/care")
@permission_required("reports.care")
def care():
    """Care and marketing: call-back completion, CSI/NPS by month, complaints and their SLA
    breaches, the campaigns' sign-ups, attendance, attributed orders and cost per lead."""
    return _page("care")


for _report, _sections in SECTIONS.items():
    for _spec in _sections:
        bp.add_url_rule(
            f"/{_report}/{_spec.name}",
            endpoint=f"{_report}_{_spec.name}",
            view_func=permission_required(REPORTS[_report].permission)(_section_view(_spec)),
        )


@bp.route("/export/sections", methods=["POST"])
@permission_required("reports.export", reads_only=True)
def export_sections():
    """A whole sectioned report as filtered, as CSV or XLSX (inert cells); audit-logged."""
    name = request.form.get("report", "")
    if name not in REPORTS:
        abort(400)
    if not tenancy.current().can(REPORTS[name].permission):
        abort(403)
    f = filters_from(request.form)
    tables = [t for spec in SECTIONS[name] for t in spec.build(f)["tables"]]
    sections = [(t.caption, t.header, t.rows) for t in tables]
    as_xlsx = request.form.get("format") == "xlsx"
    content = csvfile.write_xlsx(sections, name) if as_xlsx else csvfile.write_csv(sections)
    audit.record(
        "export",
        "reports",
        summary=_("导出报表 %(name)s", name=name),
        after={"report": name, "filters": f.query, "rows": sum(len(t.rows) for t in tables)},
    )
    extension = "xlsx" if as_xlsx else "csv"
    filename = f"{name}-{f.period.start:%Y%m%d}-{f.period.end:%Y%m%d}.{extension}"
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if as_xlsx else "text/csv",
        headers={
            "Content-Disposition": f"attachment; filename={filename}",
            "Cache-Control": "no-store",
        },
    )


def section_urls(report: str, query: dict[str, str]) -> list[tuple[Section, str]]:
    return [(s, url_for(s.endpoint, **query)) for s in SECTIONS[report]]
