"""Customer search and the list: the shape of what was typed picks the query (and the index
that serves it), allowlisted filters and sorts, keyset pages with a bounded count."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ... import tenancy
from ...extensions import db, plan_once
from ...pagination import Page, Sort, keyset_page, keyset_window
from ...tenancy import Membership, Role, User
from ...timeutil import local_day_bounds
from ...validation import DATE_MAX, DATE_MIN, bounded_id, normalise_plate, strip_controls
from ..models import LEVELS, SOURCES, Customer, CustomerTag, CustomerVehicle
from ._common import COUNT_LIMIT, PAGE_SIZE, visible_customers

SORTS: dict[str, Sort] = {
    "newest": Sort(_l("最新创建"), (Customer.created_at, Customer.id), desc=True),
    "oldest": Sort(_l("最早创建"), (Customer.created_at, Customer.id)),
    "name": Sort(_l("姓名拼音"), (Customer.name_pinyin, Customer.id)),
    "updated": Sort(_l("最近更新"), (Customer.updated_at, Customer.id), desc=True),
}
#: a search with fewer matches than this is matched first and sorted in the database; more,
#: and the page walks the list's order index. Walking costs about 25 x customers / matches
#: entries, matching first one per match, each about three times a walked entry's cost
#: where the walk reads the index alone (the group's) and a third of it where it reads the
#: table (a store's): about sqrt(8 x customers) over the group's 1 200 000 (3 100) and
#: sqrt(100 x customers) in a store of 200 000 (4 500; of 20 000, 1 400, where either costs
#: under a millisecond). Measured over the group: p95 16.4 ms at 3 000 against 17.6 at 5 000.
MATCH_WINDOW = 3000
FILTERS = ("q", "owner", "source", "level", "tag", "created_from", "created_to", "sort")

_DIGITS = re.compile(r"^\+?[\d\s-]+$")
_ASCII_LETTERS = re.compile(r"^[a-z]+$")
_ALNUM = re.compile(r"^[A-Z0-9]+$")
_PLATE = re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{0,6}[\u4e00-\u9fff]?$")
LIKE_ESCAPE = "\\"


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prefix(column, value: str) -> sa.ColumnElement[bool]:
    """A prefix match an index serves. PostgreSQL: a plain ``LIKE 'x%'``, which the
    ``varchar_pattern_ops`` indexes serve in any collation and which the planner estimates
    once (a range plus the LIKE was estimated twice, the selectivity squared: 18 rows
    expected where 1 900 matched, and the wrong plan; issue 15). SQLite: a range the
    B-tree index serves, plus the exact LIKE."""
    pattern = _like_escape(value) + "%"
    if db.session.get_bind().dialect.name == "postgresql":
        return column.like(pattern, escape=LIKE_ESCAPE)
    upper = value[:-1] + chr(ord(value[-1]) + 1)
    return sa.and_(column >= value, column < upper, column.like(pattern, escape=LIKE_ESCAPE))


def _contains(column, value: str) -> sa.ColumnElement[bool]:
    return column.like("%" + _like_escape(value) + "%", escape=LIKE_ESCAPE)


def _vehicle_owners(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return Customer.id.in_(select(CustomerVehicle.owner_id).where(condition, CustomerVehicle.owner_id.isnot(None)))


def search_clause(q: str) -> tuple[str, sa.ColumnElement[bool] | None]:
    """The search as one clause: its alternatives (:func:`search_alternatives`) ORed.
    Returns (kind, clause)."""
    kind, alternatives = search_alternatives(q)
    return kind, _either(alternatives)


def _either(alternatives: tuple[sa.ColumnElement[bool], ...]) -> sa.ColumnElement[bool] | None:
    if not alternatives:
        return None
    return alternatives[0] if len(alternatives) == 1 else sa.or_(*alternatives)


def search_alternatives(q: str) -> tuple[str, tuple[sa.ColumnElement[bool], ...]]:
    """Choose the query by the shape of what was typed, so one index serves it:
    11 digits = exact mobile, 4 digits = last-4 index, other digits = substring on mobile
    (trigram on PostgreSQL); lower-case letters = pinyin initials or full-pinyin prefix
    (B-tree ranges) or a Latin name; 5+ digits also match a VIN's serial; a plate ("粤B12345") = plate
    prefix/substring; 17 letters and digits = exact VIN; shorter letters+digits = VIN or plate substring;
    anything else = name substring.

    Returns (kind, alternatives): clauses that no customer matches two of, each served by
    its own index, so the matches are the UNION ALL of one index read per alternative (an
    OR of two indexes is a bitmap of both, then a read of every matching row in the table).
    """
    raw = (q or "").strip()
    if not raw:
        return "", ()
    if _DIGITS.match(raw):
        digits = re.sub(r"[\s-]", "", raw).lstrip("+")
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if len(digits) == 11:
            return "mobile", (Customer.mobile == digits,)
        if len(digits) == 4:
            return "last4", (Customer.mobile_last4 == digits,)
        if len(digits) >= 5:
            # a VIN's last six are digits: the serial number people read off the windscreen
            return "mobile_part", (
                sa.or_(_contains(Customer.mobile, digits), _vehicle_owners(_contains(CustomerVehicle.vin, digits))),
            )
        return "mobile_part", (_contains(Customer.mobile, digits),)
    lowered = raw.lower().replace(" ", "")
    if _ASCII_LETTERS.match(lowered):
        # Latin names are their own "pinyin" (full_pinyin keeps them), so the two B-tree
        # prefixes cover them too; an OR with a name substring would scan the store.
        # The second alternative excludes the first's matches, read from the same index (it
        # carries the initials).
        initials = _prefix(Customer.name_initials, lowered)
        return "pinyin", (initials, sa.and_(_prefix(Customer.name_pinyin, lowered), sa.not_(initials)))
    compact = normalise_plate(raw)
    if _PLATE.match(compact):
        # a plate starts with its province character: what starts with it is a prefix
        return "plate", (_vehicle_owners(_prefix(CustomerVehicle.plate, compact)),)
    if _ALNUM.match(compact) and re.search(r"\d", compact):
        if len(compact) == 17:
            return "vin", (_vehicle_owners(CustomerVehicle.vin == compact),)
        return "vin_part", (
            _vehicle_owners(sa.or_(_contains(CustomerVehicle.vin, compact), _contains(CustomerVehicle.plate, compact))),
        )
    if len(raw) < 3:
        # Trigrams need three characters: a one- or two-character name ("张", "张三") is a
        # prefix (surname first), which the trigram index serves; longer input a substring.
        return "name", (Customer.name.like(_like_escape(raw) + "%", escape=LIKE_ESCAPE),)
    return "name", (_contains(Customer.name, raw),)


@dataclass
class CustomerQuery:
    """The list's search box, filters and sort, from request args (unknown names ignored)."""

    q: str = ""
    owner: str = ""
    source: str = ""
    level: str = ""
    tag: str = ""
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    sort: str = "newest"
    after: str | None = None

    @classmethod
    def from_args(cls, raw) -> CustomerQuery:
        # the list's query string, or the same filters posted (export, assign): no control
        # characters either way, and only days a page can count from
        names = ("q", "owner", "source", "level", "tag", "created_from", "created_to", "sort", "after")
        args = {name: strip_controls(raw.get(name) or "") or "" for name in names}

        def day(name: str) -> dt.date | None:
            try:
                value = dt.date.fromisoformat(args.get(name, "").strip())
            except ValueError:
                return None
            return value if DATE_MIN <= value <= DATE_MAX else None

        sort = args.get("sort", "newest")
        return cls(
            q=args.get("q", "").strip()[:60],
            owner=args.get("owner", "").strip(),
            source=args.get("source", "") if args.get("source", "") in SOURCES else "",
            level=args.get("level", "") if args.get("level", "") in LEVELS else "",
            tag=args.get("tag", "").strip()[:30],
            created_from=day("created_from"),
            created_to=day("created_to"),
            sort=sort if sort in SORTS else "newest",
            after=args.get("after") or None,
        )

    def args(self, **override: Any) -> dict[str, Any]:
        """The non-empty query-string values (for links and the next page)."""
        values = {
            "q": self.q,
            "owner": self.owner,
            "source": self.source,
            "level": self.level,
            "tag": self.tag,
            "created_from": self.created_from.isoformat() if self.created_from else "",
            "created_to": self.created_to.isoformat() if self.created_to else "",
            "sort": self.sort if self.sort != "newest" else "",
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}


#: between a row's tags in the list statement (a tag never holds control characters)
_TAG_SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customer as the list shows it: the columns of one card, read as plain values (no
    ORM entity, no identity map; ``tags`` sorted, ``owner_name`` None when unassigned)."""

    id: int
    name: str
    kind: str
    level: str
    mobile: str | None
    owner_id: int | None
    store_id: int
    updated_at: dt.datetime
    owner_name: str | None
    tags: tuple[str, ...]


_LISTED: list[tuple[tuple[Any, ...], Any, Any]] = []


def _listed(stmt: sa.Select) -> sa.Select:
    """The list's columns for the customers of ``stmt``: the owner's name joined, the tags
    as one aggregated string per row (a correlated subquery on the (customer_id) index).
    The columns and the join are built once per process (a sixth of the search's CPU)."""
    if not _LISTED:
        owner = aliased(User)
        tags = (
            select(sa.func.aggregate_strings(CustomerTag.tag, _TAG_SEP))
            .where(CustomerTag.customer_id == Customer.id)
            .correlate(Customer)
            .scalar_subquery()
        )
        columns = (
            Customer.id,
            Customer.name,
            Customer.kind,
            Customer.level,
            Customer.mobile,
            Customer.owner_id,
            Customer.store_id,
            Customer.updated_at,
            owner.name,
            tags,
        )
        _LISTED.append((columns, owner, owner.id == Customer.owner_id))
    columns, owner, on = _LISTED[0]
    return stmt.with_only_columns(*columns).outerjoin(owner, on)


def _row(values: Any) -> CustomerRow:
    tags = values[9]
    return CustomerRow(*values[:9], tuple(sorted(tags.split(_TAG_SEP))) if tags else ())


def _rows_by_id(ids: list[int]) -> dict[int, CustomerRow]:
    """The list's rows of the customers ``ids`` (matched already, and visible: the rule is
    applied again), by their primary key: the same statement whatever was typed, so it is
    planned once per connection."""
    if not ids:
        return {}
    stmt = plan_once(_listed(visible_customers()).where(Customer.id.in_(ids)))
    return {row.id: row for row in map(_row, db.session.execute(stmt).all())}


def _page_of_rows(listed: sa.Select, sort: Sort, after: str | None, size: int) -> Page:
    page = keyset_page(listed, sort, after, size, scalars=False)
    return Page(items=[_row(values) for values in page.items], next_token=page.next_token)


@dataclass
class CustomerPage:
    page: Page
    count: int
    count_is_more: bool
    kind: str = ""
    query: CustomerQuery = field(default_factory=CustomerQuery)


def limited_digits_clause(q: str) -> tuple[str, sa.ColumnElement[bool]]:
    """Part of a number, typed by a user without ``customers.pii``: no match on the mobile
    (a few digits at a time would rebuild a number that is masked for them); they search by
    the full number or its last 4 digits. Five or more digits still match a VIN's serial."""
    digits = re.sub(r"[\s+-]", "", q or "")
    if len(digits) >= 5:
        return "mobile_limited", _vehicle_owners(_contains(CustomerVehicle.vin, digits))
    return "mobile_limited", sa.false()


def matching_customers(query: CustomerQuery, tz: str | None) -> tuple[sa.Select, str]:
    """The customers the user may see that match the list's search and filters (unordered),
    and the kind of search the text was read as."""
    filtered, kind, alternatives = _matching(query, tz)
    return _any_of(filtered, alternatives), kind


def _any_of(filtered: sa.Select, alternatives: tuple[sa.ColumnElement[bool], ...]) -> sa.Select:
    clause = _either(alternatives)
    return filtered if clause is None else filtered.where(clause)


def _matching(query: CustomerQuery, tz: str | None) -> tuple[sa.Select, str, tuple[sa.ColumnElement[bool], ...]]:
    """The customers the user may see that pass the list's filters, the kind of search the
    text was read as and the search's alternatives (:func:`search_alternatives`)."""
    ctx = tenancy.current()
    stmt = visible_customers()
    kind, alternatives = search_alternatives(query.q)
    if kind == "mobile_part" and not ctx.can("customers.pii"):
        kind, clause = limited_digits_clause(query.q)
        alternatives = (clause,)
    if query.owner == "none":
        stmt = stmt.where(Customer.owner_id.is_(None))
    elif query.owner == "me":
        stmt = stmt.where(Customer.owner_id == ctx.user_id)
    elif query.owner.isdigit():
        stmt = stmt.where(Customer.owner_id == (bounded_id(query.owner) or -1))
    if query.source:
        stmt = stmt.where(Customer.source == query.source)
    if query.level:
        stmt = stmt.where(Customer.level == query.level)
    if query.tag:
        stmt = stmt.where(Customer.id.in_(select(CustomerTag.customer_id).where(CustomerTag.tag == query.tag)))
    if query.created_from:
        stmt = stmt.where(Customer.created_at >= local_day_bounds(query.created_from, tz)[0])
    if query.created_to:
        stmt = stmt.where(Customer.created_at < local_day_bounds(query.created_to, tz)[1])
    return stmt, kind, alternatives


def _matches(filtered: sa.Select, alternatives: tuple[sa.ColumnElement[bool], ...], columns, window: int) -> sa.Select:
    """Up to ``window`` matches (``columns`` of them, unordered): one index read per
    alternative, their UNION ALL (no customer matches two), in a subquery so that the
    tenancy core scopes each read."""
    reads = [filtered.where(alternative).with_only_columns(*columns).order_by(None) for alternative in alternatives]
    if len(reads) == 1:
        return reads[0].limit(window)
    union = sa.union_all(*reads).subquery("matches")
    return select(*union.c).limit(window)


def search_customers(
    query: CustomerQuery, *, tz: str | None = None, size: int = PAGE_SIZE, with_count: bool = True
) -> CustomerPage:
    """One keyset page of the customers the user may see that match ``query``, with a
    bounded count (never a count over the whole store).

    The plain list (no search text) is ONE statement: the count is an uncorrelated scalar
    subquery (PostgreSQL runs it once, as an InitPlan); the page's rows are the card's
    columns (``CustomerRow``: the owner's name joined, the tags aggregated per row), not ORM
    entities. A search matches first (:func:`_search_matched_first`): up to a window of
    matches from the search's indexes, sorted and cut to the page in the database, then the
    page's rows by id; a full window means dense matches, and the page walks the list's
    order index (over the group by ids first, on an index that carries what a search
    tests). The window is ``MATCH_WINDOW`` matches: walking the order index for 25 of 1 500
    matches among 1 200 000 customers read 20 000 rows, 160 ms; for 25 of 1 100 among the
    large store's 200 000, 6 100 rows, 6.7 ms, where matching first takes 1-2 ms."""
    filtered, kind, alternatives = _matching(query, tz)
    stmt = _any_of(filtered, alternatives)
    sort = SORTS[query.sort]
    listed = _listed(stmt)
    if kind:
        return _search_matched_first(filtered, alternatives, listed, sort, query, size, kind, with_count)
    counted = with_count and not query.after
    if counted:
        bounded = stmt.order_by(None).limit(COUNT_LIMIT + 1).subquery()
        listed = listed.add_columns(select(sa.func.count()).select_from(bounded).scalar_subquery().label("_count"))
    page = keyset_page(listed, sort, query.after, size, scalars=False)
    count = more = 0
    if counted:
        total = page.items[0][10] if page.items else 0  # no row on the first page: none match
        count, more = min(total, COUNT_LIMIT), total > COUNT_LIMIT
    page = Page(items=[_row(values) for values in page.items], next_token=page.next_token)
    return CustomerPage(page=page, count=count, count_is_more=bool(more), kind=kind, query=query)


def _keyed(sort: Sort) -> list[sa.ColumnElement[Any]]:
    """A match's id and sort values, labelled apart (the id is often a sort value too)."""
    return [Customer.id.label("cid"), *(column.label(f"k{i}") for i, column in enumerate(sort.columns))]


def _search_matched_first(
    filtered: sa.Select,
    alternatives: tuple[sa.ColumnElement[bool], ...],
    listed: sa.Select,
    sort: Sort,
    query: CustomerQuery,
    size: int,
    kind: str,
    with_count: bool,
) -> CustomerPage:
    """A search matched first in the database: up to ``MATCH_WINDOW`` matches (id and sort
    values) in a materialised CTE, sorted and cut to the page there, with their number, in
    one statement; then the page's rows by id. Python sees the page's 26 ids, not the
    window's thousands (fetching 5 000 ids and sorting them here was ~15 ms of CPU per
    request). A full window means dense matches: the page walks the list's order index.
    Over the group it walks by ids first, in the same statement: the group's order index
    carries what a search tests (``ix_customers_org_created_search``), so the walk tests
    the search on index entries and only the page's rows come from the table (walking the
    rows themselves read 4 400 of them for a two-letter prefix: 6 ms; 1.3 ms this way)."""
    window = max(COUNT_LIMIT + 1, MATCH_WINDOW)
    matched = (
        _matches(filtered, alternatives, _keyed(sort), window)
        .cte("matched")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    total = select(sa.func.count()).select_from(matched).scalar_subquery()
    in_window = Sort(sort.label, tuple(matched.c[f"k{i}"] for i in range(len(sort.columns))), sort.desc)
    found = keyset_page(select(matched.c.cid, total), in_window, query.after, size, scalars=False)
    matches = found.items[0][1] if found.items else 0
    if found.items and matches < window or not found.items and not query.after:
        ids = [row[0] for row in found.items]
        rows = _rows_by_id(ids)
        page = Page(items=[rows[i] for i in ids if i in rows], next_token=found.next_token)
    else:  # dense (or past the window's last page): walk the order index
        start = _walk_start(kind, query)
        if start is not None:
            filtered, listed = filtered.where(start), listed.where(start)
        if tenancy.current().is_rollup:
            walk = _any_of(filtered, alternatives).with_only_columns(Customer.id).order_by(None)
            listed = listed.where(Customer.id.in_(keyset_window(walk, sort, query.after, size)))
        page = _page_of_rows(listed, sort, query.after, size)
        matches = max(matches, window)
    count = min(matches, COUNT_LIMIT) if with_count and not query.after else 0
    more = matches > COUNT_LIMIT
    return CustomerPage(page=page, count=count, count_is_more=more and count > 0, kind=kind, query=query)


def _walk_start(kind: str, query: CustomerQuery) -> sa.ColumnElement[bool] | None:
    """Where a dense walk in name order may start: a pinyin search's matches all spell
    their pinyin from the typed first letter (the initials and the full pinyin come from the
    same syllables), so the walk starts at that letter instead of reading every name before
    it ("dx" over the group sorted by name skipped 90 000 names from "a": 200 ms). Only a
    lower bound, which holds in any collation; None where the order is not the name's."""
    if kind != "pinyin" or query.sort != "name":
        return None
    return Customer.name_pinyin >= query.q.strip().lower()[:1]


@dataclass(frozen=True)
class Owner:
    id: int
    name: str


def list_filter_options(*, with_owners: bool, limit: int = 50) -> tuple[list[Owner], list[str]]:
    """The list's filter choices in one statement: the store's tags (distinct over the
    (store_id, tag) index) and, for those who see the whole store, the staff a customer may
    be assigned to (members whose role follows up cards: ``assignable_users``' rule)."""
    tags = select(CustomerTag.tag).distinct().order_by(CustomerTag.tag).limit(limit).subquery()
    tag_rows = select(
        sa.literal("tag").label("kind"),
        sa.cast(sa.null(), sa.Integer).label("user_id"),
        tags.c.tag.label("text"),
        sa.cast(sa.null(), Role.code.type).label("role_code"),
        sa.cast(sa.null(), sa.Boolean).label("role_is_builtin"),
        sa.cast(sa.null(), Role.permissions.type).label("role_permissions"),
    ).select_from(tags)
    statement = tag_rows
    if with_owners:
        ctx = tenancy.current()
        staff = (
            select(sa.literal("user"), User.id, User.name, Role.code, Role.is_builtin, Role.permissions)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.store_id == ctx.store_id, User.is_active.is_(True), User.org_id == ctx.org_id)
        )
        statement = sa.union_all(tag_rows, staff)
    rows = db.session.execute(statement).all()
    owners: dict[int, Owner] = {}
    for row in sorted((r for r in rows if r.kind == "user"), key=lambda r: (r.text, r.user_id)):
        # a role's powers as the tenancy core reads them (built-in roles from code)
        role = Role(code=row.role_code, is_builtin=row.role_is_builtin, permissions=row.role_permissions or [])
        if "cards.edit" in role.permission_set:
            owners.setdefault(row.user_id, Owner(row.user_id, row.text))
    return list(owners.values()), sorted(r.text for r in rows if r.kind == "tag")


def store_tags(limit: int = 50) -> list[str]:
    """The store's tags for the filter (distinct over the (store_id, tag) index)."""
    return list(db.session.execute(select(CustomerTag.tag).distinct().order_by(CustomerTag.tag).limit(limit)).scalars())
