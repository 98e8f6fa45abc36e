"""What every sales aggregate shares: the module's errors (on the rules kernel), money
rounding, who may see a sales row (the consultant visibility rule of
``dealer_saas/visibility.py``), and the store's paperwork numbering and its lock.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from ... import domain, tenancy, visibility
from ...customers.models import Customer
from ...extensions import db
from ...leads.models import FollowUpCard
from ...tenancy import Store
from ...validation import InvalidValue, bounded_id, check_numeric
from ..models import ZERO

CENT = Decimal("0.01")


class SalesError(domain.DomainError):
    """A sales rule refused the action; the message is safe to show. ``field`` names the
    form field it belongs beside (None: the whole form)."""


class InvalidTransition(SalesError, domain.InvalidTransition):
    """A state change the module's table does not allow."""


class StaleEdit(SalesError, domain.StaleEdit):
    """Someone else saved the row first (optimistic locking)."""


def money(value: Any) -> Decimal:
    """A money value as Decimal rounded half-up to the cent; None counts as zero. Raises
    SalesError unless it fits a money column (Numeric(12, 2))."""
    if value is None or value == "":
        return ZERO
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
        return check_numeric(amount)
    except InvalidValue as error:  # before ValueError, its base
        raise SalesError(str(error)) from None
    except (InvalidOperation, ValueError):
        raise SalesError(_("金额格式不正确。")) from None


def _ctx() -> tenancy.TenantContext:
    return tenancy.current()


def flush() -> None:
    """Flush; a row someone else saved first becomes the module's StaleEdit."""
    domain.flush_or_stale(StaleEdit)


# --------------------------------------------------------------------------- visibility


def own_clause(model: Any) -> sa.ColumnElement[bool] | None:
    """The consultant rule for a sales row: the consultant or (where the row has one) the
    creator is the user; None for those who see the whole store."""
    owners = [model.consultant_id]
    if hasattr(model, "created_by_id"):
        owners.append(model.created_by_id)
    return visibility.mine(*owners)


def _visible(model: Any, ident: Any, *options: Any) -> Any:
    """Load a sales row by id: 404 when foreign or (for a consultant) not theirs."""
    ident = bounded_id(ident)
    if ident is None:
        abort(404)
    stmt = tenancy.with_store_of(select(model).where(model.id == ident), model).options(*options)
    row = db.session.execute(visibility.restrict(stmt, own_clause(model))).one_or_none()
    if row is None:
        abort(404)
    tenancy.keep_stores_of(row)  # a quote's or order's prices read the store's rules
    return row[0]


def customer_for_sales(customer_id: Any) -> Customer:
    """The customer a consultant may sell to: theirs or the unassigned pool (else 404)."""
    customer = tenancy.get_or_404(Customer, customer_id)
    if not visibility.is_mine_or_pool(customer.owner_id):
        abort(404)
    return customer


def card_for_customer(card_id: Any, customer: Customer) -> FollowUpCard | None:
    """The follow-up card the sale comes from: one the user may see (leads.services owns
    that rule), of the same customer; else 404."""
    from ...leads import services as leads_services

    if card_id in (None, "", 0):
        return None
    card = leads_services.get_card(card_id)
    if card.customer_id != customer.id:
        abort(404)
    return card


# --------------------------------------------------------------------------- numbering


def _lock_store_paperwork(store: Store) -> None:
    """Serialise the store's numbering (and the one-order-per-quote check) on its row: a
    second request waits until the first commits, then sees its number or order. Held for
    the rest of the transaction; a store makes a few hundred quotes a day at most."""
    db.session.execute(select(Store.id).where(Store.id == store.id).with_for_update())


def _next_number(model: Any, prefix: str) -> str:
    """``<prefix>-<seq>``: the next sequence number of the day for this store (call
    :func:`_lock_store_paperwork` first)."""
    last = db.session.execute(
        select(model.number)
        .where(model.number.like(prefix + "-%"))
        .order_by(sa.func.length(model.number).desc(), model.number.desc())
        .limit(1)  # -1000 after -999
    ).scalar()
    seq = 1
    if last:
        try:
            seq = int(last.rsplit("-", 1)[1]) + 1
        except ValueError:
            seq = 1
    return f"{prefix}-{seq:03d}"


def _today_code() -> str:
    """The day part of a paperwork number: today in the active (written-to) store's zone."""
    return tenancy.store_today().strftime("%Y%m%d")
