"""The service figures' monthly summary (``report_service_stats``, :class:`ServiceStat`): per
store and store-local month of opening, the repair orders **settled before the summary's
cut-off** and their totals.

The summary exists for scale (issue 18): the store manager's trend tile summed the totals of
every repair order of six months (1 800 000 group-wide in the benchmark: 5 s; 1.2 s in the
large store). It is rebuilt whole, per store, by the hourly job
``reports.refresh_service_stats`` (one DELETE and two INSERT ... SELECT, the definition of
``role_tiles.monthly_sales_and_service``).

**Exact at any time**, not an hour behind: a repair order's total and lines can only change
while it is open or in progress (``service.services.repair_orders.EDITABLE_STATES``), and it
is revenue from the moment it is settled (``settled_at``; settled, then closed, is terminal).
So the summary holds only ROs settled before its cut-off (the stamp's ``refreshed_at``, the
start of the hour the refresh ran in), which never change again, and the readers add live the
ROs settled since the cut-off (a few, through ``ix_repair_orders_store_settled``), plus the
days of the period outside whole months. A store without a stamp in the zone asked for (never
summarised: a new store, the tests, a fresh demo) is counted live whole.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import func, literal, select

from ..extensions import db
from ..service.models import RepairOrder
from ..timeutil import utcnow
from .customer_stats import _first_of_month, _month, run_refresh
from .metrics import Period, local_date, zone_name
from .models import ServiceStat
from .sections import local_month

#: the repair order states whose totals are revenue (as ``aftersales_reports.SETTLED``)
SETTLED = ("settled", "closed")


def cut_off(now: dt.datetime) -> dt.datetime:
    """The summary's cut-off: the start of the hour (stores refreshed in the same hour share
    it, so the readers' live part is one index range per hour, not one per store)."""
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def refresh_statements(store_id: int, org_id: int, tz: str | None, now: dt.datetime) -> list[Any]:
    """The statements that rebuild one store's summary (run in order, in one transaction)."""
    table = ServiceStat.__table__
    ro = RepairOrder.__table__.c
    cut = cut_off(now)
    columns = ["store_id", "org_id", "kind", "month", "zone", "ros", "revenue", "refreshed_at"]
    sid, oid, at = literal(store_id, sa.Integer), literal(org_id, sa.Integer), literal(cut, sa.DateTime(timezone=True))
    zone = literal(zone_name(tz), sa.String)
    # settled before the cut-off; one settled or closed without a time (imported, old data)
    # counts as settled long ago, so every RO is either summarised or added live, never both
    settled = (ro.store_id == store_id, ro.status.in_(SETTLED), sa.or_(ro.settled_at < cut, ro.settled_at.is_(None)))
    month = _first_of_month(local_date(ro.opened_at, tz))
    first = literal(cut.date().replace(day=1), sa.Date)
    stamp = select(sid, oid, literal("stamp"), first, zone, literal(0, sa.Integer), literal(0, sa.Numeric(12, 2)), at)
    ros = (
        select(sid, oid, literal("ro"), month, zone, func.count(), func.coalesce(func.sum(ro.total), 0), at)
        .where(*settled)
        .group_by(month)
    )
    return [
        sa.delete(table).where(table.c.store_id == store_id),
        *(sa.insert(table).from_select(columns, part) for part in (stamp, ros)),
    ]


def refresh(
    store_id: int, org_id: int, tz: str | None, *, connection: Any = None, now: dt.datetime | None = None
) -> int:
    """Rebuild one store's summary; answers its row count (``customer_stats.run_refresh``)."""
    statements = refresh_statements(store_id, org_id, tz, now or utcnow())
    return run_refresh(statements, ServiceStat.__table__, store_id, connection)


# --------------------------------------------------------------------------- reading


def split(period: Period, today: dt.date) -> tuple[tuple[dt.date, dt.date] | None, tuple[Period, ...]]:
    """The months the period covers whole (``(first, last)`` first days: the summary's part;
    None: none) and the period's days outside them (counted live). A month the period runs
    through to today or past it counts as whole: nothing is opened after now."""
    months, first = [], period.start.replace(day=1)
    while first <= period.end:
        last = Period.month_of(first).end
        if first >= period.start and (last <= period.end or period.end >= today):
            months.append(first)
        first = last + dt.timedelta(days=1)
    if not months:
        return None, (period,)
    edges = []
    if period.start < months[0]:
        edges.append(Period(period.start, months[0] - dt.timedelta(days=1)))
    end = Period.month_of(months[-1]).end
    if period.end > end:
        edges.append(Period(end + dt.timedelta(days=1), period.end))
    return (months[0], months[-1]), tuple(edges)


def stamps(ids: tuple[int, ...], tz: str | None) -> dict[int, dt.datetime]:
    """The summarised stores of ``ids`` in zone ``tz``: ``{store: cut-off}``. One statement."""
    rows = db.session.execute(
        select(ServiceStat.store_id, ServiceStat.refreshed_at).where(
            ServiceStat.store_id.in_(ids), ServiceStat.kind == "stamp", ServiceStat.zone == zone_name(tz)
        )
    ).all()
    return {s: at if at.tzinfo else at.replace(tzinfo=dt.UTC) for s, at in rows}


def _by_cut(summarised: dict[int, Any]) -> dict[Any, tuple[int, ...]]:
    """``{store: cut-off}`` as ``{cut-off: stores}`` (stores refreshed alike share their parts)."""
    groups: dict[Any, list[int]] = {}
    for store, cut in summarised.items():
        groups.setdefault(cut, []).append(store)
    return {cut: tuple(sorted(stores)) for cut, stores in groups.items()}


def _month_label(period: Period, tz: str | None) -> Any:
    """The month of a live part: a constant when the part lies in one month."""
    if period.start.replace(day=1) == period.end.replace(day=1):
        return literal(f"{period.start:%Y-%m}", sa.String)
    return local_month(RepairOrder.opened_at, tz)


def revenue_selects(key: str, period: Period, tz: str | None, ids: tuple[int, ...], today: dt.date) -> list[Any]:
    """Selects of ``(key, "YYYY-MM", revenue)`` that add up (several rows a month) to the
    service revenue per store-local month of the period: the totals of the settled or closed
    repair orders opened that month (``role_tiles.monthly_sales_and_service``). The stores'
    stamps are read first (:func:`stamps`, one statement); then the summary's months of the
    summarised stores, the ROs they settled since their cut-off, the edges of the period and
    the stores never summarised, live."""
    label = literal(key, sa.String)
    months, edges = split(period, today)
    summarised = stamps(ids, tz) if months is not None else {}
    unsummarised = tuple(s for s in ids if s not in summarised)

    def live(part: Period, *where: Any) -> Any:
        start, end = part.bounds(tz)
        month = _month_label(part, tz)
        query = select(label, month, func.sum(RepairOrder.total)).where(
            RepairOrder.status.in_(SETTLED), RepairOrder.opened_at >= start, RepairOrder.opened_at < end, *where
        )
        return query if isinstance(month, sa.sql.elements.BindParameter) else query.group_by(month)

    out = [live(part, RepairOrder.store_id.in_(ids)) for part in edges]
    if months is None:
        return out
    whole = Period(months[0], Period.month_of(months[1]).end)
    if unsummarised:
        out.append(live(whole, RepairOrder.store_id.in_(unsummarised)))
    if summarised:
        month = _month(ServiceStat.month)
        out.append(
            select(label, month, func.sum(ServiceStat.revenue))
            .where(
                ServiceStat.store_id.in_(tuple(summarised)),
                ServiceStat.kind == "ro",
                ServiceStat.month >= months[0],
                ServiceStat.month <= months[1],
            )
            .group_by(month)
        )
        for cut, stores in _by_cut(summarised).items():
            out.append(live(whole, RepairOrder.store_id.in_(stores), RepairOrder.settled_at >= cut))
    return out
