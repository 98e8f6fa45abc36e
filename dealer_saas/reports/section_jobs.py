"""Report sections too heavy for a request, run as a job (issue 18: "anything that cannot
be [<= 300 ms] runs as a job with a progress bar and a download when ready").

The customers report's value segments (RFM) group every purchase of the period per
customer: over a group of 1 000 000 customers that takes seconds, and no summary can hold
it (the segments depend on the period). When the stores shown have more than
:data:`LARGE_CUSTOMERS` live customers (by the customers summary), the section's fragment
starts the job ``reports.build_section`` once per filters (Redis ``SET NX`` on the state
key), shows its progress (stores done of stores) polling every two seconds, and shows the
figures when ready; the report's CSV/XLSX export then carries them. The state and the
result live in Redis for :data:`STATE_TTL` seconds (the figures of a past hour), keyed by
the organisation, the stores, the period and the zone.

The stock report's parts sections (stock value, turnover, dead stock) over several stores of
a large installation (:func:`many_parts`: more than :data:`LARGE_PARTS` part stock rows)
run the same way: grouping 1 000 000 stock rows of a group takes seconds. One store's parts
(20 000 rows in the benchmark's large store) are counted in the request.

The after-sales report's revenue mix (every line of the period's repair orders), its technicians' hours and its
duration and repeat-repair section (a look-back per repair order) run as a job in an
installation of more than :data:`LARGE_REPAIR_ORDERS` repair orders
(:func:`many_repair_orders`), for one store too: a year of the benchmark's large store
(600 000 ROs, 1 200 000 lines) takes 3-5 s of SQL.

The care report's call-back completion and complaints sections over several stores run as a
job past :data:`LARGE_CALLBACKS` tasks / :data:`LARGE_COMPLAINTS` complaints in the
installation (:func:`many_callbacks`, :func:`many_complaints`); one store's (20 000 tasks in
the benchmark's large store) are counted in the request.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from .. import tenancy
from ..extensions import db
from ..jobs import enqueue, job
from ..jobs.queue import redis_connection
from .metrics import Period, scope
from .tables import Table

#: above this many live customers in the stores shown, the segments run as a job
LARGE_CUSTOMERS = 100_000
#: above this many part stock rows in the installation (PostgreSQL's estimate), the parts
#: sections over several stores run as a job (over 1 000 000 rows they take seconds)
LARGE_PARTS = 200_000
#: above this many repair orders in the installation (PostgreSQL's estimate), the after-sales
#: report's mix and quality sections run as a job, for one store as for a group
LARGE_REPAIR_ORDERS = 500_000
#: above this many call-back tasks / complaints in the installation (PostgreSQL's estimate),
#: the care report's call-back and complaint sections over several stores run as a job
#: (grouping a group's 110 000 tasks of a year, or 16 500 complaints with their SLA
#: breaches, took 150-300 ms of SQL alone on the benchmark data, 0.7-0.8 s under load)
LARGE_CALLBACKS = 50_000
LARGE_COMPLAINTS = 10_000
#: the sections that may run as a job: (report, section) -> build(filters, stores, progress)
HEAVY: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {}


def heavy(report: str, name: str) -> Callable:
    """Declare how the job builds a section (``build(filters, store_ids, progress)``)."""

    def decorator(build: Callable) -> Callable:
        HEAVY[(report, name)] = build
        return build

    return decorator


def section_or_job(report: str, name: str, heavy_when: Callable[[Any], bool]) -> Callable:
    """Make the section builder ``build(f)`` below run as the job when ``heavy_when(f)``:
    the section then answers the job's progress, then its figures (:func:`as_job`), and the
    job builds with ``build`` itself (the undecorated builder is ``section.__wrapped__``)."""

    def decorator(build: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
        def in_the_job(f: Any, store_ids: tuple[int, ...], progress: Callable[[int], None]) -> dict[str, Any]:
            progress(0)
            return build(f)

        HEAVY[(report, name)] = in_the_job

        @functools.wraps(build)
        def section_builder(f: Any) -> dict[str, Any]:
            return as_job(report, name, f) if heavy_when(f) else build(f)

        return section_builder

    return decorator


def as_job(report: str, name: str, f: Any) -> dict[str, Any]:
    """The section's answer while it runs as a job: its progress, then its figures."""
    state = state_or_start(report, name, f, scope(f.store_ids))
    progress = {k: state[k] for k in ("status", "done", "total")}
    if state["status"] == "done":
        result = state["result"]
        return {"chart": result["chart"], "tables": tables_of(result), "job": progress}
    return {"chart": None, "tables": [], "job": progress}


def _rows_over(table: str, limit: int) -> bool:
    """Whether PostgreSQL's estimate of ``table``'s rows passes ``limit`` (one cheap
    statement; never on SQLite, the small installations)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    estimate = db.session.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar()
    return float(estimate or 0) > limit


def many_parts() -> bool:
    """Whether the installation's part stock rows pass :data:`LARGE_PARTS`."""
    return _rows_over("part_stocks", LARGE_PARTS)


def many_repair_orders() -> bool:
    """Whether the installation's repair orders pass :data:`LARGE_REPAIR_ORDERS`: then the
    after-sales report's revenue mix and its duration and repeat-repair section run as a job
    (over 600 000 ROs of one store a year, or 3 600 000 of a group, they take seconds)."""
    return _rows_over("repair_orders", LARGE_REPAIR_ORDERS)


def many_callbacks() -> bool:
    """Whether the installation's call-back tasks pass :data:`LARGE_CALLBACKS`."""
    return _rows_over("care_callbacks", LARGE_CALLBACKS)


def many_complaints() -> bool:
    """Whether the installation's complaints pass :data:`LARGE_COMPLAINTS`."""
    return _rows_over("complaints", LARGE_COMPLAINTS)


STATE_TTL = 3600
JOB = "reports.build_section"


def _key(report: str, name: str, f: Any, store_ids: tuple[int, ...]) -> str:
    raw = json.dumps(
        [tenancy.current().org_id, report, name, list(store_ids), str(f.period.start), str(f.period.end), f.tz]
    )
    return "reports:section:" + hashlib.sha1(raw.encode()).hexdigest()


def _read(key: str) -> dict[str, Any] | None:
    value = redis_connection().get(key)
    return json.loads(value) if value else None


def _write(key: str, state: dict[str, Any], ttl: int = STATE_TTL) -> None:
    redis_connection().set(key, json.dumps(state), ex=ttl)


def state_or_start(report: str, name: str, f: Any, store_ids: tuple[int, ...]) -> dict[str, Any]:
    """The job's state for these filters (``status`` queued, running, done or failed;
    ``done``/``total`` stores; ``result`` when done), starting the job when there is none."""
    key = _key(report, name, f, store_ids)
    state = _read(key)
    if state is not None:
        return state
    state = {"status": "queued", "done": 0, "total": len(store_ids)}
    if redis_connection().set(key, json.dumps(state), ex=STATE_TTL, nx=True):
        try:
            _start(key, report, name, f, store_ids)
        except Exception:
            redis_connection().delete(key)  # the next request tries again
            raise
    return _read(key) or state


def _start(key: str, report: str, name: str, f: Any, store_ids: tuple[int, ...]) -> None:
    enqueue(
        JOB,
        None,
        report=report,
        section=name,
        key=key,
        org_id=tenancy.current().org_id,
        store_ids=list(store_ids),
        start=f.period.start.isoformat(),
        end=f.period.end.isoformat(),
        tz=f.tz,
    )


def tables_of(result: dict[str, Any]) -> list[Table]:
    return [Table(t["caption"], t["header"], t["rows"], {}, t.get("total_row")) for t in result["tables"]]


def _plain(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "chart": result.get("chart"),
        "tables": [
            {"caption": str(t.caption), "header": [str(h) for h in t.header], "rows": t.rows, "total_row": t.total_row}
            for t in result["tables"]
        ],
    }


@job(JOB, queue="reports", per_store=False, timeout=1800)
def build_section(
    period: str = "", *, report: str, section: str, key: str, org_id: int, store_ids, start, end, tz, **ids
):
    """Build one heavy section for the stores and period it was asked for (read only), store
    by store so the page can show the progress, and leave the figures in Redis."""
    import datetime as dt

    from .sections import Filters

    build = HEAVY[(report, section)]
    ids = tuple(int(s) for s in store_ids)
    ctx = tenancy.TenantContext(org_id=org_id, store_id=None, store_ids=ids, permissions=frozenset({"reports.view"}))
    f = Filters(Period(dt.date.fromisoformat(start), dt.date.fromisoformat(end)), None, tz, {})
    try:
        with tenancy.use(ctx):

            def progress(done: int) -> None:
                _write(key, {"status": "running", "done": done, "total": len(ids)})

            result = build(f, ids, progress)
        _write(key, {"status": "done", "done": len(ids), "total": len(ids), "result": _plain(result)})
    except Exception:
        _write(key, {"status": "failed", "done": 0, "total": len(ids)}, ttl=60)  # tried again a minute later
        raise
    return {"stores": len(ids), "rows": sum(len(t.rows) for t in result["tables"])}
