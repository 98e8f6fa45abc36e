"""Background work of the reports module."""

from __future__ import annotations

from .. import tenancy
from ..jobs import job
from . import customer_stats, service_stats, visit_stats


@job("reports.refresh_customer_stats", queue="reports", cadence="hourly")
def refresh_customer_stats(store_id: int, period: str = "", **ids) -> dict:
    """Rebuild the store's customers-report summary (``customer_stats``): one DELETE and
    three INSERT ... SELECT; the job base commits once."""
    ctx = tenancy.current()
    rows = customer_stats.refresh(store_id, ctx.org_id, tenancy.store_timezone())
    return {"rows": rows}


@job("reports.refresh_service_stats", queue="reports", cadence="hourly")
def refresh_service_stats(store_id: int, period: str = "", **ids) -> dict:
    """Rebuild the store's service-figures summary (``service_stats``): one DELETE and two
    INSERT ... SELECT (the ROs settled before the start of this hour); the job base commits once."""
    ctx = tenancy.current()
    rows = service_stats.refresh(store_id, ctx.org_id, tenancy.store_timezone())
    return {"rows": rows}


@job("reports.refresh_visit_stats", queue="reports", cadence="hourly")
def refresh_visit_stats(store_id: int, period: str = "", **ids) -> dict:
    """Rebuild the store's summary of the funnel's visits (``visit_stats``): one DELETE and
    five INSERT ... SELECT (the days before today); the job base commits once."""
    ctx = tenancy.current()
    rows = visit_stats.refresh(store_id, ctx.org_id, tenancy.store_timezone())
    return {"rows": rows}
