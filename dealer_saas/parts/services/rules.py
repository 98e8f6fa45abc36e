"""What every parts aggregate shares: the module's errors, quantity and money parsing,
document numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import tenancy
from ...domain import DomainError, InvalidTransition, StaleEdit
from ...extensions import db
from ...timeutil import local_today

CENT = Decimal("0.01")
MILLI = Decimal("0.001")
MAX_QTY = Decimal("999999999.999")
MAX_MONEY = Decimal("9999999999.99")


class PartsError(DomainError):
    """A parts rule refused the action (message safe to show, ``field`` beside it)."""


class PartsTransitionError(PartsError, InvalidTransition):
    """A move a parts state table does not allow."""


class PartsStale(PartsError, StaleEdit):
    """Someone else saved the row first."""


class NotEnoughStock(PartsError):
    """The movement or reservation would take more than the store has."""


def quantity(value: Any, field: str | None = None, *, allow_zero: bool = False, signed: bool = False) -> Decimal:
    """A quantity as Decimal with three places: above 0 (or 0 with ``allow_zero``; any
    sign with ``signed``), at most 999 999 999.999."""
    try:
        result = Decimal(str(value).strip()).quantize(MILLI, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, AttributeError):
        raise PartsError(_("请填写数量。"), field) from None
    if not result.is_finite() or abs(result) > MAX_QTY:
        raise PartsError(_("数量过大。"), field)
    if not signed and (result < 0 or (result == 0 and not allow_zero)):
        raise PartsError(_("数量须大于 0。") if not allow_zero else _("数量不能为负数。"), field)
    return result


def money(value: Any, field: str | None = None) -> Decimal:
    """A non-negative amount, rounded half-up to the cent; empty is zero."""
    if value is None or value == "":
        return Decimal("0.00")
    try:
        result = Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise PartsError(_("金额格式不正确。"), field) from None
    if not result.is_finite() or result < 0:
        raise PartsError(_("金额不能为负数。"), field)
    if result > MAX_MONEY:
        raise PartsError(_("金额过大。"), field)
    return result


def next_number(model: Any, prefix: str) -> str:
    """``<prefix>-<yyyymmdd>-<nnn>`` per store and day. Callers hold the store lock."""
    store = tenancy.writable_store()
    lock_store(store)
    head = f"{prefix}-{local_today(store.timezone).strftime('%Y%m%d')}"
    last = db.session.execute(
        select(model.number)
        .where(model.number.like(head + "-%"))
        .order_by(sa.func.length(model.number).desc(), model.number.desc())
        .limit(1)
    ).scalar()
    seq = 1
    if last:
        try:
            seq = int(last.rsplit("-", 1)[1]) + 1
        except ValueError:
            seq = 1
    return f"{head}-{seq:03d}"


def lock_store(store: tenancy.Store) -> None:
    """Serialise a store's document numbering on its row (``FOR UPDATE``; SQLite serialises
    writers anyway). Held until the commit."""
    db.session.execute(select(tenancy.Store.id).where(tenancy.Store.id == store.id).with_for_update())


def user_id() -> int | None:
    return tenancy.current().user_id
