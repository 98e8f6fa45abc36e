"""The customers report's summary (``report_customer_stats``, :class:`CustomerStat`): per
store, the new customers per day, source and region, the live customers per consultant with
their data completeness, and the visits per day and consultant without contact.

The summary exists for scale (issue 18: every report fragment p95 <= 300 ms group-wide over
1 000 000 customers): counting every customer of a group live takes seconds, the summary is
a few hundred rows per store. It is rebuilt whole, per store, by the hourly job
``reports.refresh_customer_stats`` (one DELETE and three INSERT ... SELECT, the same
definitions as ``customer_reports``), so the report is at most an hour behind; the report
says when its figures were summarised. A store that was never summarised (a new store, the
tests, a fresh demo) is counted live, so the figures never depend on the job having run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, literal, select

from ..customers.models import Customer, CustomerVehicle
from ..extensions import db
from ..leads.models import Visit
from ..timeutil import utcnow
from .metrics import Period, among, local_date, scope
from .models import CustomerStat

#: a valid mobile (as ``customer_reports.VALID_MOBILE``)
VALID_MOBILE = "1__________"
#: the stored beginning of an address (up to its first 区), long enough for ``region_of``
REGION_CHARS = 60


def _position(text: Any, needle: str) -> Any:
    return func.strpos(text, needle) if db.session.get_bind().dialect.name == "postgresql" else func.instr(text, needle)


def _first_of_month(day: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(func.date_trunc("month", day), sa.Date)
    return func.date(day, "start of month")


def full_months(period: Period, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first days of the first and the last month the period covers whole (a month
    that runs to today or past it counts as whole: the summary has it as far as it goes),
    None when it covers none."""
    first, months = period.start.replace(day=1), []
    while first <= period.end:
        last = Period.month_of(first).end
        if first >= period.start and (last <= period.end or period.end >= today):
            months.append(first)
        first = last + dt.timedelta(days=1)
    return (months[0], months[-1]) if months else None


def refresh_statements(store_id: int, org_id: int, tz: str | None, now: dt.datetime) -> list[Any]:
    """The statements that rebuild one store's summary (run in order, in one transaction)."""
    table = CustomerStat.__table__
    c, cv, vi = Customer.__table__.c, CustomerVehicle.__table__.c, Visit.__table__.c
    columns = ["store_id", "org_id", "kind", "day", "source", "region", "person_id", "n", "m", "v", "refreshed_at"]
    sid, oid, at = literal(store_id, sa.Integer), literal(org_id, sa.Integer), literal(now, sa.DateTime(timezone=True))
    zero = literal(0, sa.Integer)
    no_day, nobody = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Integer)
    live = (c.store_id == store_id, c.deleted_at.is_(None))

    stamp = select(sid, oid, literal("stamp"), no_day, literal(""), literal(""), nobody, zero, zero, zero, at)

    day = _first_of_month(local_date(c.created_at, tz))
    region = func.substr(func.substr(c.address, 1, _position(c.address, "区")), 1, REGION_CHARS)
    growth = (
        select(sid, oid, literal("growth"), day, func.coalesce(c.source, ""), func.coalesce(region, ""))
        .add_columns(nobody, func.count(), zero, zero, at)
        .where(*live)
        .group_by(day, c.source, region)
    )

    owners = (
        select(cv.owner_id.label("oid"))
        .where(cv.store_id == store_id, cv.owner_id.is_not(None))
        .distinct()
        .subquery("vehicle_owners")
    )
    owner = (
        select(sid, oid, literal("owner"), no_day, literal(""), literal(""), c.owner_id, func.count())
        .add_columns(
            func.sum(sa.case((c.mobile.like(VALID_MOBILE), 1), else_=0)),
            func.sum(sa.case((owners.c.oid.is_not(None), 1), else_=0)),
            at,
        )
        .select_from(Customer.__table__.outerjoin(owners, owners.c.oid == c.id))
        .where(*live)
        .group_by(c.owner_id)
    )
    # visits: the visit's customer's mobile decides "no contact" (as visits_without_contact)
    vday = local_date(vi.time_in, tz)
    no_contact = sa.or_(vi.customer_id.is_(None), sa.not_(func.coalesce(c.mobile, "").like(VALID_MOBILE)))
    visits = (
        select(sid, oid, literal("visits"), vday, literal(""), literal(""), vi.consultant_id, func.count())
        .add_columns(func.sum(sa.case((no_contact, 1), else_=0)), zero, at)
        .select_from(Visit.__table__.outerjoin(Customer.__table__, c.id == vi.customer_id))
        .where(vi.store_id == store_id)
        .group_by(vday, vi.consultant_id)
    )
    return [
        sa.delete(table).where(table.c.store_id == store_id),
        *(sa.insert(table).from_select(columns, part) for part in (stamp, growth, owner, visits)),
    ]


def run_refresh(statements: list[Any], table: sa.Table, store_id: int, connection: Any = None) -> int:
    """Run a summary's rebuild statements for one store and answer its row count: through
    the session (the job: the job base commits) or through ``connection`` (the load
    benchmark). Every summary of the reports (customers, service, visits) is rebuilt so."""
    run = connection.execute if connection is not None else db.session.execute
    for statement in statements:
        run(statement)
    return int(run(select(func.count()).select_from(table).where(table.c.store_id == store_id)).scalar_one())


def refresh(store_id: int, org_id: int, tz: str | None, *, connection: Any = None) -> int:
    """Rebuild one store's summary; answers its row count (:func:`run_refresh`)."""
    return run_refresh(refresh_statements(store_id, org_id, tz, utcnow()), CustomerStat.__table__, store_id, connection)


# --------------------------------------------------------------------------- reading


def _stamp_or(kind_filter: Any, store_ids) -> tuple[Any, ...]:
    return (
        among(CustomerStat.store_id, scope(store_ids)),
        sa.or_(CustomerStat.kind == "stamp", kind_filter),
    )


def _month(column: Any) -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def growth(
    period: Period, store_ids, today: dt.date
) -> tuple[dict[tuple, int], dict[int, dt.datetime], tuple[Period, ...]]:
    """The summarised stores' new customers in the months the period covers whole
    (:func:`full_months`) ``{(store, month, source, region prefix): n}``, the summarised
    stores ``{store: refreshed_at}``, and the period's days outside those months (to count
    live). One statement."""
    months = full_months(period, today)
    if months is None:
        in_period, edges = sa.false(), (period,)
    else:
        in_period = sa.and_(CustomerStat.kind == "growth", CustomerStat.day >= months[0], CustomerStat.day <= months[1])
        edges = []
        if period.start < months[0]:
            edges.append(Period(period.start, months[0] - dt.timedelta(days=1)))
        last = Period.month_of(months[1]).end
        if period.end > last:
            edges.append(Period(last + dt.timedelta(days=1), period.end))
        edges = tuple(edges)
    month = _month(CustomerStat.day)
    rows = db.session.execute(
        select(
            CustomerStat.store_id,
            CustomerStat.kind,
            month,
            CustomerStat.source,
            CustomerStat.region,
            func.sum(CustomerStat.n),
            func.max(CustomerStat.refreshed_at),
        )
        .where(*_stamp_or(in_period, store_ids))
        .group_by(CustomerStat.store_id, CustomerStat.kind, month, CustomerStat.source, CustomerStat.region)
    ).all()
    grid: dict[tuple, int] = {}
    stamps: dict[int, dt.datetime] = {}
    for store_id, kind, m, source, region, n, at in rows:
        if kind == "stamp":
            stamps[store_id] = at
        else:
            grid[(store_id, m, source, region)] = int(n or 0)
    return grid, stamps, edges


def completeness(
    period: Period, store_ids
) -> tuple[dict[tuple[int, Any], dict[str, int]], dict[tuple[int, Any], dict[str, int]], dict[int, dt.datetime]]:
    """The summarised stores' completeness per consultant (as
    ``customer_reports.completeness_by_owner``), their visits of the period per consultant
    (as ``visits_without_contact``) and ``{store: refreshed_at}``. One statement."""
    wanted = sa.or_(
        CustomerStat.kind == "owner",
        sa.and_(CustomerStat.kind == "visits", CustomerStat.day >= period.start, CustomerStat.day <= period.end),
    )
    rows = db.session.execute(
        select(
            CustomerStat.store_id,
            CustomerStat.kind,
            CustomerStat.person_id,
            func.sum(CustomerStat.n),
            func.sum(CustomerStat.m),
            func.sum(CustomerStat.v),
            func.max(CustomerStat.refreshed_at),
        )
        .where(*_stamp_or(wanted, store_ids))
        .group_by(CustomerStat.store_id, CustomerStat.kind, CustomerStat.person_id)
    ).all()
    owners: dict[tuple[int, Any], dict[str, int]] = {}
    visits: dict[tuple[int, Any], dict[str, int]] = {}
    stamps: dict[int, dt.datetime] = {}
    for store_id, kind, person, n, m, v, at in rows:
        if kind == "stamp":
            stamps[store_id] = at
        elif kind == "owner":
            owners[(store_id, person)] = {"customers": int(n or 0), "mobile": int(m or 0), "vehicle": int(v or 0)}
        else:
            visits[(store_id, person)] = {"visits": int(n or 0), "no_contact": int(m or 0)}
    return owners, visits, stamps


def live_totals(store_ids) -> tuple[dict[int, int], dict[int, dt.datetime]]:
    """The summarised stores' live customers ``{store: n}`` and ``{store: refreshed_at}``.
    One statement."""
    rows = db.session.execute(
        select(CustomerStat.store_id, CustomerStat.kind, func.sum(CustomerStat.n), func.max(CustomerStat.refreshed_at))
        .where(*_stamp_or(CustomerStat.kind == "owner", store_ids))
        .group_by(CustomerStat.store_id, CustomerStat.kind)
    ).all()
    totals = {s: int(n or 0) for s, kind, n, _at in rows if kind == "owner"}
    stamps = {s: at for s, kind, _n, at in rows if kind == "stamp"}
    return {s: totals.get(s, 0) for s in stamps}, stamps


def as_of(stamps: dict[int, dt.datetime]) -> dt.datetime | None:
    """The oldest summary of the stores shown (None: every store counted live)."""
    return min(stamps.values()) if stamps else None
