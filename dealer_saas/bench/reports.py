"""The reports' part of the benchmark data set: the customers report's summary
(``reports.customer_stats``), the service figures' summary (``reports.service_stats``) and the
funnel's visits summary (``reports.visit_stats``) of every store, as the hourly jobs leave
them (each rebuilt whole: loading again replaces them)."""

from __future__ import annotations

import time

import sqlalchemy as sa


def load(connection, org_id: int, echo) -> dict[str, int]:
    from ..reports import customer_stats, service_stats, visit_stats

    step = time.perf_counter()
    stores = connection.execute(
        sa.text("SELECT id, timezone FROM stores WHERE org_id = :o ORDER BY id"), {"o": org_id}
    ).all()
    rows = sum(customer_stats.refresh(store_id, org_id, tz, connection=connection) for store_id, tz in stores)
    echo(f"  {rows} customers-report summary rows of {len(stores)} stores in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    service = sum(service_stats.refresh(store_id, org_id, tz, connection=connection) for store_id, tz in stores)
    echo(f"  {service} service summary rows of {len(stores)} stores in {time.perf_counter() - step:.1f} s")
    step = time.perf_counter()
    visits = sum(visit_stats.refresh(store_id, org_id, tz, connection=connection) for store_id, tz in stores)
    echo(f"  {visits} visits summary rows of {len(stores)} stores in {time.perf_counter() - step:.1f} s")
    return {"report_customer_stats": rows, "report_service_stats": service, "report_visit_stats": visits}
