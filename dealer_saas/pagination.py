"""Keyset pagination: pages cost the same at row 20 and row 2 000 000.

A list service declares its sorts as data (name -> columns, each ending in a unique column
such as ``id``); the page token carries the last row's sort values. No total count: a
bounded count (``count_upto``) answers "more than N" without scanning a whole store.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Sort:
    """Columns to order by, with a direction: ``Sort(label, (Customer.created_at, Customer.id), desc=True)``.
    The last column must be unique so that every row has one place in the order."""

    label: Any
    columns: tuple[InstrumentedAttribute, ...]
    desc: bool = False


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_token: str | None

    @property
    def has_more(self) -> bool:
        return self.next_token is not None


def _encode(values: Sequence[Any]) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return {"dt": v.isoformat()}
        if isinstance(v, dt.date):
            return {"d": v.isoformat()}
        if isinstance(v, decimal.Decimal):
            return {"n": str(v)}
        return v

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


#: a token's integers stay inside a BIGINT; anything else is a forged token
_INT_BOUND = 2**63


def _decode(token: str) -> list[Any] | None:
    """The sort values of a token, or None for a mangled or forged one (it starts from the
    first page): only the types ``_encode`` writes, integers a column holds, text without
    NUL bytes."""

    def typed(v: Any) -> Any:
        if isinstance(v, dict):
            if "dt" in v:
                return dt.datetime.fromisoformat(v["dt"])
            if "d" in v:
                return dt.date.fromisoformat(v["d"])
            if "n" in v:
                number = decimal.Decimal(v["n"])
                if not number.is_finite():
                    raise ValueError("not finite")
                return number
            raise ValueError("unknown value")
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int) and -_INT_BOUND <= v < _INT_BOUND:
            return v
        if isinstance(v, str) and "\x00" not in v:
            return v
        raise ValueError("not a sort value")

    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
        return [typed(v) for v in values] if isinstance(values, list) else None
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        return None  # a mangled token starts from the first page


def _fits(value: Any, column: InstrumentedAttribute) -> bool:
    """A token value can be compared with its column (a forged token could put text where a
    timestamp is, which PostgreSQL refuses)."""
    if value is None:
        return True
    try:
        expected = column.type.python_type
    except NotImplementedError:
        return True
    if expected is dt.datetime:
        return isinstance(value, dt.datetime)
    if expected is dt.date:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if expected is decimal.Decimal:
        return isinstance(value, (decimal.Decimal, int)) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is bool:
        return isinstance(value, bool)
    return isinstance(value, expected)


def keyset_window(stmt: sa.Select, sort: Sort, after: str | None, size: int) -> sa.Select:
    """``stmt`` ordered by ``sort``, after the row encoded in ``after``, cut to one row more
    than a page (whether there is a next page): the statement :func:`keyset_page` runs, for
    a caller that runs it as a subquery."""
    columns = sort.columns
    if after:
        values = _decode(after)
        if values is not None and len(values) == len(columns) and all(map(_fits, values, columns)):
            key = sa.tuple_(*columns)
            bound = sa.tuple_(*[sa.literal(v) if v is not None else sa.null() for v in values])
            stmt = stmt.where(key < bound if sort.desc else key > bound)
    order = [c.desc() if sort.desc else c.asc() for c in columns]
    return stmt.order_by(*order).limit(size + 1)


def keyset_page(stmt: sa.Select, sort: Sort, after: str | None, size: int, *, scalars: bool = True) -> Page:
    """Run ``stmt`` ordered by ``sort``, starting after the row encoded in ``after``."""
    columns = sort.columns
    stmt = keyset_window(stmt, sort, after, size)
    # The sort values are selected alongside the row so the token needs no attribute access.
    stmt = stmt.add_columns(*[c.label(f"_k{i}") for i, c in enumerate(columns)])
    # unique(): a joined eager load of a collection repeats the row once per child
    rows = db.session.execute(stmt).unique().all()
    has_more = len(rows) > size
    rows = rows[:size]
    n = len(columns)
    items = [row[0] if scalars else tuple(row[:-n]) for row in rows]
    next_token = _encode(list(rows[-1][-n:])) if has_more and rows else None
    return Page(items=items, next_token=next_token)


def count_upto(stmt: sa.Select, limit: int = 1000) -> tuple[int, bool]:
    """Count the rows of ``stmt`` but stop at ``limit``: (count, is_more_than_limit)."""
    bounded = stmt.order_by(None).limit(limit + 1).subquery()
    total = db.session.execute(sa.select(sa.func.count()).select_from(bounded)).scalar_one()
    return min(total, limit), total > limit
