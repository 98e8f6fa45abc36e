"""The customer 360 timeline: every module contributes its events through one registry.

A source is a pair: ``query(customer_ids) -> Select | list[Select] | None``, the events of
that kind for the customers (an expanding bind parameter) as a select of the common column
shape (:func:`row`); and ``render(row) -> TimelineEntry``, the entry the staff sees for one
row. Its ``permission`` decides whether it takes part for the viewer. :func:`timeline`
runs every source's select as one ``UNION ALL`` (each branch served by its ``customer_id``
index), newest first, keyset-paged on ``(at, key)``: one statement per page, whatever the
number of sources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from .. import tenancy
from ..extensions import db, plan_once
from ..timeutil import as_utc, utcnow


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    #: a short code for styling and filtering: visit, card, contact, test_drive, quote, order...
    kind: str
    title: str
    detail: str = ""
    url: str | None = None
    icon: str = "•"
    #: makes the order total when two entries share a time
    key: str = ""


# --------------------------------------------------------------------------- the row shape

AT = sa.DateTime(timezone=True)
#: the common columns of every source's select, with the type each is cast to (a UNION ALL
#: needs one type per column on PostgreSQL); ``at`` and ``key`` order and page the timeline
SLOTS: dict[str, sa.types.TypeEngine] = {
    "kind": sa.String(),
    "id": sa.Integer(),
    "ref": sa.Integer(),
    "num": sa.Integer(),
    "amount": sa.Numeric(),
    "t1": sa.String(),
    "t2": sa.String(),
    "t3": sa.String(),
    "t4": sa.String(),
    "t5": sa.String(),
}


def key(prefix: str, ident: Any) -> sa.ColumnElement[str]:
    """A row's tie-breaking key, ``prefix`` followed by the id (``"visit:12"``)."""
    return sa.literal(prefix, sa.String()) + sa.cast(ident, sa.String())


def row(at: Any, key: Any, **slots: Any) -> list[sa.ColumnElement[Any]]:
    """The column list of a source's select: ``at`` (a UTC time), ``key`` (:func:`key`) and
    any of :data:`SLOTS` (``kind`` a literal or column, ``id``/``ref``/``num`` integers,
    ``amount`` a number, ``t1``-``t5`` texts); the slots left out are typed NULLs."""
    unknown = set(slots) - set(SLOTS)
    if unknown:
        raise TypeError(f"unknown timeline slots: {sorted(unknown)}")
    columns = [sa.type_coerce(at, AT).label("at"), sa.type_coerce(key, sa.String()).label("key")]
    for name, type_ in SLOTS.items():
        value = slots.get(name)
        if value is None:
            value = sa.null()
        elif isinstance(value, str | int):
            value = sa.literal(value)
        columns.append(sa.cast(value, type_).label(name))
    return columns


class day_start(FunctionElement):
    """The start of a calendar day (a DATE column) in a zone ``minutes`` east of UTC, as a
    UTC time in the format the dialect stores times in (the owner-history dates)."""

    type = AT
    name = "day_start"
    inherit_cache = True


@compiles(day_start)
def _day_start_sqlite(element, compiler, **kw) -> str:
    day, minutes = (compiler.process(c, **kw) for c in element.clauses)
    # the text SQLAlchemy stores a DateTime as on SQLite ("YYYY-MM-DD HH:MM:SS.ffffff")
    return f"(strftime('%Y-%m-%d %H:%M:%f', {day}, (-({minutes})) || ' minutes') || '000')"


@compiles(day_start, "postgresql")
def _day_start_postgresql(element, compiler, **kw) -> str:
    day, minutes = (compiler.process(c, **kw) for c in element.clauses)
    return f"((CAST({day} AS timestamp) - make_interval(mins => {minutes})) AT TIME ZONE 'UTC')"


def utc_offset_minutes(tz: str) -> int:
    """The zone's offset from UTC now, in minutes (the stores' zones keep no summer time;
    a zone that does is off by its shift for the ordering only, never for what is shown)."""
    offset = utcnow().astimezone(ZoneInfo(tz)).utcoffset() or dt.timedelta()
    return int(offset.total_seconds() // 60)


# --------------------------------------------------------------------------- the registry

Query = Callable[[Any], "sa.Select[Any] | Sequence[sa.Select[Any]] | None"]
Render = Callable[[Any], "TimelineEntry | None"]


@dataclass(frozen=True)
class TimelineSource:
    name: str
    query: Query
    render: Render
    #: the permission the viewer needs for the source to take part (None: everyone)
    permission: str | None = None
    #: what the source's select depends on besides the customers (the viewer, the zone):
    #: part of the key the built statement is kept under
    variant: Callable[[], Hashable] | None = None


_SOURCES: dict[str, TimelineSource] = {}


def timeline_source(
    name: str, *, render: Render, permission: str | None = None, variant: Callable[[], Hashable] | None = None
) -> Callable[[Query], Query]:
    """Register ``query`` under a unique name (``"leads.visits"``) with the ``render`` that
    turns one of its rows into an entry. ``query`` receives the customer ids as one expanding
    bind parameter (use it with ``in_()``): the statement is built once per combination of
    the sources taking part (``permission``) and their ``variant``, then only executed."""

    def decorator(query: Query) -> Query:
        _SOURCES[name] = TimelineSource(name, query, render, permission, variant)
        return query

    return decorator


Cursor = tuple[dt.datetime, str]
CUSTOMER_IDS = sa.bindparam("timeline_customer_ids", expanding=True)
_BEFORE_AT = sa.bindparam("timeline_before_at", type_=AT)
_BEFORE_KEY = sa.bindparam("timeline_before_key", type_=sa.String())
#: built statements by (sources and variants, paged, limit); bounded
_STATEMENTS: dict[Hashable, tuple[Any, list[TimelineSource]]] = {}
_STATEMENTS_MAX = 512


def _branch(stmt: sa.Select[Any], index: int) -> sa.Select[Any]:
    """One source's select as a UNION ALL member, tagged with the source's index. No ORDER
    BY/LIMIT of its own: the customer's rows of one kind are few (its ``customer_id``
    index), and PostgreSQL plans the flat union in half the time of one with a sorted,
    limited subquery per branch (7 against 14 ms on the benchmark data, issue 15); the
    cursor's condition is pushed down into every branch."""
    return stmt.add_columns(sa.literal(index, sa.Integer()).label("src"))


def _taking_part() -> list[TimelineSource]:
    ctx = tenancy.maybe_current()
    return [s for s in _SOURCES.values() if s.permission is None or (ctx is not None and ctx.can(s.permission))]


def timeline_statement(paged: bool, limit: int) -> tuple[Any, list[TimelineSource]]:
    """The one statement of a timeline page (binds: the customer ids, and the cursor when
    ``paged``) and the sources taking part; (None, []) when none does. Built once per key."""
    taking = _taking_part()
    key = (tuple((s.name, s.variant() if s.variant else None) for s in taking), paged, limit)
    built = _STATEMENTS.get(key)
    if built is not None:
        return built
    sources: list[TimelineSource] = []
    branches = []
    for source in taking:
        selects = source.query(CUSTOMER_IDS)
        if selects is None:
            continue
        sources.append(source)
        for stmt in [selects] if isinstance(selects, sa.Select) else selects:
            branches.append(_branch(stmt, len(sources) - 1))
    if branches:
        union = sa.union_all(*branches).subquery("timeline")
        page = sa.select(union)
        if paged:
            page = page.where(
                sa.or_(union.c.at < _BEFORE_AT, sa.and_(union.c.at == _BEFORE_AT, union.c.key < _BEFORE_KEY))
            )
        built = page.order_by(union.c.at.desc(), union.c.key.desc()).limit(limit), sources
    else:
        built = None, []
    if len(_STATEMENTS) >= _STATEMENTS_MAX:
        _STATEMENTS.clear()
    _STATEMENTS[key] = built
    return built


@contextmanager
def narrowed_to(store_ids: Sequence[int] | None) -> Iterator[None]:
    """The tenant context narrowed to those of its readable stores that are in
    ``store_ids`` (never wider: a store the context cannot read stays out), for a read of
    rows known to be in those stores (a record's own rows are in its store). A customer's
    events are rows of the customer's own store (a row is written in one store's context,
    where only that store's customers can be read), so the roll-up's timeline need not
    make every branch carry the group's 51 store ids: PostgreSQL planned that union in
    15-45 ms and ran it with parallel workers (issue 15); with one id it is about 2 ms."""
    ctx = tenancy.maybe_current()
    if store_ids is None or ctx is None or ctx.is_system:
        yield
        return
    wanted = set(store_ids)
    narrowed = tuple(s for s in ctx.store_ids if s in wanted)
    if narrowed == tuple(ctx.store_ids):
        yield
        return
    with tenancy.use(replace(ctx, store_ids=narrowed or (-1,))):
        yield


def timeline(
    customer_ids: Sequence[int],
    before: Cursor | None = None,
    limit: int = 20,
    *,
    store_ids: Sequence[int] | None = None,
) -> tuple[list[TimelineEntry], Cursor | None]:
    """The newest ``limit`` entries across every source (one statement), and the cursor
    ``(at, key)`` of the next page (None when there is no more). ``store_ids``: the stores
    of the customers (their events are rows of those stores); the read is narrowed to them,
    within what the tenant context may read."""
    if not customer_ids:
        return [], None
    stmt, sources = timeline_statement(before is not None, limit + 1)
    if stmt is None:
        return [], None
    params: dict[str, Any] = {CUSTOMER_IDS.key: list(customer_ids)}
    if before is not None:
        params |= {_BEFORE_AT.key: before[0], _BEFORE_KEY.key: before[1]}
    with narrowed_to(store_ids):
        # planned once per connection: planning this union of about 20 branches cost 3-4.5 ms
        # against 0.2-0.5 ms of execution, and its plan does not depend on the values (every
        # branch reads a customer's rows by its ``customer_id`` index; issue 15)
        rows = db.session.execute(plan_once(stmt), params).all()
    has_more = len(rows) > limit
    page = rows[:limit]
    entries = [entry for r in page if (entry := sources[r.src].render(r)) is not None]
    cursor = (as_utc(page[-1].at), page[-1].key) if has_more and page else None
    return entries, cursor


# --------------------------------------------------------------------------- the 360 header
#
# Besides the timeline, other modules tell the customer 360 what they are doing with the
# customer right now (an open follow-up card and its consultant) and which quick actions
# they offer, so the page never contradicts them: the card's consultant may call, nobody
# claims a customer a colleague is following, and no second card is offered.


@dataclass(frozen=True)
class OpenWork:
    """Something another module has open for the customer (an open follow-up card)."""

    kind: str
    title: str
    state: str = ""
    #: the member of staff working on it (None: unassigned)
    user_id: int | None = None
    user_name: str = ""
    url: str | None = None
    #: a short code the page styles (an intent level "H")
    badge: str = ""


@dataclass(frozen=True)
class QuickAction:
    """A button on the customer 360 (``endpoint`` takes ``customer_id``)."""

    endpoint: str
    permission: str
    icon: str
    label: str
    order: int = 100
    #: not offered while the customer has open work of this kind (no second card)
    unless_open: str | None = None


OpenWorkQuery = Callable[[int], "sa.Select[Any] | None"]
OpenWorkRender = Callable[[Any], "OpenWork | None"]


@dataclass(frozen=True)
class OpenWorkSource:
    name: str
    query: OpenWorkQuery
    render: OpenWorkRender


_OPEN_WORK: dict[str, OpenWorkSource] = {}
QUICK_ACTIONS: dict[str, QuickAction] = {}


def open_work_source(name: str, *, render: OpenWorkRender) -> Callable[[OpenWorkQuery], OpenWorkQuery]:
    """Register ``query(customer_id) -> Select | None``, the customer's open work as a select
    of the timeline's row shape (:func:`row`: ``at`` orders it, newest first), and ``render``
    turning one row into an :class:`OpenWork`. The 360 header reads every source's rows in
    the customer's own statement (:func:`open_work_subquery`)."""

    def decorator(query: OpenWorkQuery) -> OpenWorkQuery:
        _OPEN_WORK[name] = OpenWorkSource(name, query, render)
        return query

    return decorator


def quick_action(action: QuickAction) -> QuickAction:
    QUICK_ACTIONS[action.endpoint] = action
    return action


def open_work_subquery(customer_id: int) -> tuple[Any, list[OpenWorkSource]]:
    """Every open-work source's rows for the customer as one subquery (a ``src`` column
    names the source), and the sources taking part; (None, []) when none does."""
    sources: list[OpenWorkSource] = []
    branches = []
    for source in _OPEN_WORK.values():
        stmt = source.query(customer_id)
        if stmt is None:
            continue
        branches.append(stmt.add_columns(sa.literal(len(sources), sa.Integer()).label("src")))
        sources.append(source)
    if not branches:
        return None, []
    union = branches[0] if len(branches) == 1 else sa.union_all(*branches)
    return union.subquery("open_work"), sources


def render_open_work(rows: list[dict[str, Any]], sources: list[OpenWorkSource]) -> list[OpenWork]:
    """The rows of :func:`open_work_subquery` (as dicts of its columns; the all-NULL row of
    an outer join is skipped), newest first."""
    from types import SimpleNamespace

    seen, work = set(), []
    for values in sorted(
        (v for v in rows if v.get("src") is not None), key=lambda v: (as_utc(v["at"]), v["key"]), reverse=True
    ):
        if (values["src"], values["key"]) in seen:
            continue
        seen.add((values["src"], values["key"]))
        entry = sources[values["src"]].render(SimpleNamespace(**values))
        if entry is not None:
            work.append(entry)
    return work


def open_work(customer_id: int) -> list[OpenWork]:
    """The customer's open work on its own (one statement; the 360 reads it with the
    customer)."""
    subquery, sources = open_work_subquery(customer_id)
    if subquery is None:
        return []
    rows = db.session.execute(sa.select(subquery)).mappings().all()
    return render_open_work([dict(r) for r in rows], sources)
