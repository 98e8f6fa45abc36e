"""The funnel's visits summarised per store and day (``report_visit_stats``,
:class:`VisitStat`).

The summary exists for scale (issue 18: every report fragment p95 <= 300 ms group-wide over
1 000 000 customers): a visit counts once per customer per day (``metrics.visit_count``), so
a month's visits of a group (133 000 in the benchmark) were de-duplicated on every request,
300-400 ms of sorting for the sales funnel and the stores side by side. Because of that very
definition the per-day figures add up: a period's visits are the sum of its days' visits, in
total and under every key of a breakdown. So the summary keeps one row per store, day and key
(a few thousand a month group-wide), for the days before its **cut-off day** (the store-local
day the refresh ran on); the readers count the days from the cut-off on live (today's visits:
a few hundred through ``ix_visits_store_time_in``) and the stores never summarised live whole.

It is rebuilt whole, per store, by the hourly job ``reports.refresh_visit_stats`` (one DELETE
and five INSERT ... SELECT, the definition of ``metrics.visit_count``): a visit of an earlier
day that is logged late, edited or removed shows in the reports at the next refresh, within
the hour; the funnel's caption says when the summary was made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import func, literal, select

from ..extensions import db
from ..leads.models import Visit
from ..timeutil import utcnow
from .customer_stats import run_refresh
from .metrics import Period, among, local_date, zone_name
from .models import VisitStat
from .service_stats import _by_cut

#: the breakdowns summarised: kind -> the visit's column and the summary's column
BREAKDOWNS = {
    "all": (None, None),
    "source": ("source", "source"),
    "consultant": ("consultant_id", "person_id"),
    "model": ("model_id", "model_id"),
}
#: the key of the per-transaction memo of the stamps in ``Session.info``
_MEMO = "reports.visit_stats"


def cut_day(now: dt.datetime, tz: str | None) -> dt.date:
    """The store-local day the summary stops before: the day of ``now`` in the zone."""
    return now.astimezone(ZoneInfo(zone_name(tz))).date()


def refresh_statements(store_id: int, org_id: int, tz: str | None, now: dt.datetime) -> list[Any]:
    """The statements that rebuild one store's summary (run in order, in one transaction)."""
    table, vi = VisitStat.__table__, Visit.__table__.c
    cut = cut_day(now, tz)
    before = Period(cut, cut).bounds(tz)[0]  # the start of the cut-off day
    columns = ["store_id", "org_id", "kind", "zone", "day", "source", "person_id", "model_id", "n", "refreshed_at"]
    sid, oid = literal(store_id, sa.Integer), literal(org_id, sa.Integer)
    zone, at = literal(zone_name(tz), sa.String), literal(now, sa.DateTime(timezone=True))
    no_source, nobody = sa.cast(sa.null(), sa.String), sa.cast(sa.null(), sa.Integer)
    parts = [
        select(sid, oid, literal("stamp"), zone, literal(cut, sa.Date), no_source, nobody, nobody).add_columns(
            literal(0, sa.Integer), at
        )
    ]
    for kind, (visit_column, stat_column) in BREAKDOWNS.items():
        per_day = _per_day(
            local_date(vi.time_in, tz),
            vi[visit_column] if visit_column else None,
            vi.store_id == store_id,
            vi.time_in < before,
        )
        dim = per_day.c.dim if visit_column else None
        keys = {"source": no_source, "person_id": nobody, "model_id": nobody}
        if stat_column:
            keys[stat_column] = dim
        parts.append(
            select(sid, oid, literal(kind), zone, per_day.c.day, keys["source"], keys["person_id"], keys["model_id"])
            .add_columns(func.count(), at)
            .group_by(per_day.c.day, *([dim] if dim is not None else []))
        )
    return [
        sa.delete(table).where(table.c.store_id == store_id),
        *(sa.insert(table).from_select(columns, part) for part in parts),
    ]


def refresh(
    store_id: int, org_id: int, tz: str | None, *, connection: Any = None, now: dt.datetime | None = None
) -> int:
    """Rebuild one store's summary; answers its row count (``customer_stats.run_refresh``).
    Through the session, the transaction's memo of the stamps is dropped."""
    statements = refresh_statements(store_id, org_id, tz, now or utcnow())
    rows = run_refresh(statements, VisitStat.__table__, store_id, connection)
    if connection is None:
        db.session.info.pop(_MEMO, None)
    return rows


# --------------------------------------------------------------------------- reading


def _per_day(day: Any, dim: Any, *where: Any) -> Any:
    """``SELECT DISTINCT store, who, day[, dim]`` of the visits: a customer once per day (and
    key); a visit without a customer is its own."""
    who = func.coalesce(Visit.customer_id, -Visit.id)
    columns = [Visit.store_id.label("store_id"), who.label("who"), day.label("day")]
    if dim is not None:
        columns.append(dim.label("dim"))
    return select(*columns).where(*where).distinct().subquery("visit_days")


def stamps(ids: tuple[int, ...], tz: str | None) -> dict[int, tuple[dt.date, dt.datetime]]:
    """The summarised stores of ``ids`` in zone ``tz``: ``{store: (cut-off day,
    refreshed_at)}``. One statement, then kept for the rest of the transaction (a report
    builds several visit tallies from the same stamps)."""
    zone = zone_name(tz)
    memo = db.session.info.setdefault(_MEMO, {})
    transaction = db.session().get_transaction()
    hit = memo.get((ids, zone))
    if hit is not None and transaction is not None and hit[0] is transaction:
        return hit[1]
    rows = db.session.execute(
        select(VisitStat.store_id, VisitStat.day, VisitStat.refreshed_at).where(
            VisitStat.store_id.in_(ids), VisitStat.kind == "stamp", VisitStat.zone == zone
        )
    ).all()
    found = {s: (day, at if at.tzinfo else at.replace(tzinfo=dt.UTC)) for s, day, at in rows}
    memo[(ids, zone)] = (db.session().get_transaction(), found)
    return found


def as_of(ids: tuple[int, ...], period: Period, tz: str | None) -> dt.datetime | None:
    """When the summary behind a period's visits was made: the oldest refresh of the stores
    whose summary covers part of the period (None: every visit counted live)."""
    used = [at for cut, at in stamps(ids, tz).values() if period.start < cut]
    return min(used) if used else None


def visit_selects(period: Period, by: str | None, tz: str | None, ids: tuple[int, ...]) -> list[Any]:
    """Selects of ``(store_id, dim, n)`` (``dim`` only with a breakdown ``by``) that add up
    to ``metrics.visit_count``: the summary's days of the summarised stores, their days from
    the cut-off on and the stores never summarised, live. Reads the stamps first
    (:func:`stamps`, one statement per transaction)."""
    summarised = stamps(ids, tz) if ids else {}
    kind = by or "all"
    visit_column, stat_column = BREAKDOWNS[kind]
    out = []

    def live(part: Period, stores: tuple[int, ...]) -> None:
        start, end = part.bounds(tz)
        dim = Visit.__table__.c[visit_column] if visit_column else None
        per_day = _per_day(
            local_date(Visit.time_in, tz),
            dim,
            among(Visit.store_id, stores),
            Visit.time_in >= start,
            Visit.time_in < end,
        )
        keys = [per_day.c.dim] if dim is not None else []
        out.append(select(per_day.c.store_id, *keys, func.count().label("n")).group_by(per_day.c.store_id, *keys))

    unsummarised = tuple(s for s in ids if s not in summarised)
    if unsummarised:
        live(period, unsummarised)
    for cut, stores_ in sorted(_by_cut({store: cut for store, (cut, _at) in summarised.items()}).items()):
        last = min(period.end, cut - dt.timedelta(days=1))
        if period.start <= last:
            keys = [VisitStat.__table__.c[stat_column]] if stat_column else []
            out.append(
                select(VisitStat.store_id, *keys, VisitStat.n).where(
                    among(VisitStat.store_id, stores_),
                    VisitStat.kind == kind,
                    VisitStat.zone == zone_name(tz),
                    VisitStat.day >= period.start,
                    VisitStat.day <= last,
                )
            )
        first = max(period.start, cut)
        if first <= period.end:
            live(Period(first, period.end), stores_)
    return out
