"""Quote rules: a quote priced from the catalogue (totals computed in pricing), numbered per
store and day, editable while draft or sent, its validity date, the customer's read-only
share link, and the draft -> sent -> accepted / expired table.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, domain, pagination, tenancy, visibility
from ...extensions import db
from ...tenancy import Store
from ...timeutil import local_today
from ..models import QUOTE_STATUSES, Quote
from ._common import (
    InvalidTransition,
    SalesError,
    StaleEdit,
    _ctx,
    _lock_store_paperwork,
    _next_number,
    _today_code,
    _visible,
    card_for_customer,
    customer_for_sales,
)
from .pricing import _catalogue_model, compute_totals, parse_accessories, purchase_tax_rate

#: quote states
QUOTE_MOVES = domain.Transitions(
    {"draft": {"sent", "accepted", "expired"}, "sent": {"accepted", "expired"}, "accepted": set(), "expired": set()},
    QUOTE_STATUSES,
    error=InvalidTransition,
    stale=StaleEdit,
)
QUOTE_TRANSITIONS = QUOTE_MOVES.moves
QUOTE_STATUSES_KEYS = ("draft", "sent", "accepted", "expired")
QUOTE_SORTS = {"new": pagination.Sort("new", (Quote.created_at, Quote.id), desc=True)}
QUOTE_FILTERS = {"status": Quote.status}


def quote_page(*, after: str | None = None, status: str | None = None, size: int = 20) -> pagination.Page:
    """The quotes the user may see, newest first (keyset)."""
    stmt = select(Quote).options(joinedload(Quote.customer), joinedload(Quote.vehicle_model))
    if status in QUOTE_STATUSES_KEYS:
        stmt = stmt.where(Quote.status == status)
    stmt = visibility.restrict(stmt, visibility.mine(Quote.consultant_id))
    return pagination.keyset_page(stmt, QUOTE_SORTS["new"], after, size)


def get_quote(quote_id: Any) -> Quote:
    return _visible(
        Quote, quote_id, joinedload(Quote.customer), joinedload(Quote.vehicle_model), joinedload(Quote.consultant)
    )


def _fill_quote(quote: Quote, data: dict[str, Any]) -> None:
    model = _catalogue_model(data.get("model_id"))
    accessories = parse_accessories(data.get("accessories"))
    totals = compute_totals(
        list_price=model.list_price,
        discount=data.get("discount"),
        accessories=accessories,
        insurance_amount=data.get("insurance_amount"),
        purchase_tax=data.get("purchase_tax"),
        registration_fee=data.get("registration_fee"),
        other_fees=data.get("other_fees"),
        tax_rate=purchase_tax_rate(tenancy.writable_store(), model),
    )
    payment_method = data.get("payment_method") or "cash"
    if payment_method not in ("cash", "loan"):
        raise SalesError(_("请选择付款方式。"), "payment_method")
    valid_until = data.get("valid_until")
    if valid_until is not None and valid_until < tenancy.store_today() and quote.id is None:
        raise SalesError(_("有效期不能早于今天。"), "valid_until")
    quote.model_id = model.id
    quote.colour = (data.get("colour") or "").strip()[:30]
    quote.list_price = totals.list_price
    quote.discount = totals.discount
    quote.accessories = accessories
    quote.accessories_total = totals.accessories_total
    quote.insurance_amount = totals.insurance_amount
    quote.purchase_tax = totals.purchase_tax
    quote.registration_fee = totals.registration_fee
    quote.other_fees = totals.other_fees
    quote.total = totals.total
    quote.payment_method = payment_method
    quote.valid_until = valid_until
    quote.notes = (data.get("notes") or "").strip()


def create_quote(customer_id: Any, data: dict[str, Any], card_id: Any = None) -> Quote:
    """A quote priced from the catalogue, totals computed here. Raises SalesError."""
    customer = customer_for_sales(customer_id)
    card = card_for_customer(card_id, customer)
    store = tenancy.writable_store()
    quote = Quote(
        customer_id=customer.id,
        card_id=card.id if card else None,
        consultant_id=_ctx().user_id,
        share_token=secrets.token_urlsafe(32),
        status="draft",
    )
    if data.get("valid_until") is None:
        data = {**data, "valid_until": tenancy.store_today() + dt.timedelta(days=7)}
    _fill_quote(quote, data)
    _lock_store_paperwork(store)
    quote.number = _next_number(Quote, f"Q-{store.code}-{_today_code()}")
    db.session.add(quote)
    db.session.flush()
    audit.record("create", quote, after=audit.snapshot(quote), summary=quote.number)
    return quote


def update_quote(quote_id: Any, data: dict[str, Any]) -> Quote:
    """Change a draft or sent quote; an accepted or expired one is frozen."""
    quote = get_quote(quote_id)
    if quote.status not in ("draft", "sent"):
        raise SalesError(_("已接受或已失效的报价不能修改。"))
    before = audit.snapshot(quote)
    _fill_quote(quote, data)
    db.session.flush()
    audit.record("update", quote, before=before, after=audit.snapshot(quote), summary=quote.number)
    return quote


def mark_quote_sent(quote_id: Any) -> Quote:
    """The consultant sent the quote (or its link) to the customer."""
    quote = get_quote(quote_id)
    QUOTE_MOVES.apply(quote, "sent", summary=quote.number)
    return quote


def is_quote_expired(quote: Quote, today: dt.date) -> bool:
    return quote.status == "expired" or (quote.valid_until is not None and quote.valid_until < today)


def quote_for_share_token(token: str) -> tuple[Quote, Store] | None:
    """The quote behind a customer's share link, read-only, or None (unknown or expired).
    Runs without a tenant (the customer has no login): the token is the only key."""
    if not token or len(token) > 64:
        return None
    with tenancy.system():
        quote = db.session.execute(
            select(Quote)
            .where(Quote.share_token == token)
            .options(joinedload(Quote.customer), joinedload(Quote.vehicle_model), joinedload(Quote.consultant))
        ).scalar_one_or_none()
        if quote is None:
            return None
        store = tenancy.store_of(quote)
    if is_quote_expired(quote, local_today(store.timezone)):
        return None
    return quote, store
