"""What every part of the customers services shares: the module's errors (all DomainErrors),
the consultant visibility rule applied to customers (own plus the unassigned pool, from
:mod:`dealer_saas.visibility`; anything else is a 404), the PII rule for full phone numbers
and ID numbers, the look-up by mobile (unique per store) and the search columns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import domain, tenancy, visibility
from ...extensions import db
from ...pinyin import full_pinyin, initials
from ...validation import bounded_id
from ..models import Customer, CustomerVehicle

PAGE_SIZE = 25
COUNT_LIMIT = 1000


class CustomerError(domain.DomainError):
    """A domain rule refused the change; ``str(error)`` is safe to show, ``field`` names the
    form field it belongs beside (None: the whole form)."""


class DuplicateMobile(CustomerError):
    """The mobile is already a customer's of the store (``existing``, when known)."""

    def __init__(self, existing: Customer | None):
        super().__init__(_("该手机号已登记为本店客户。"), "mobile")
        self.existing = existing


class DuplicateVin(CustomerError):
    """The VIN is already registered in the store (``existing``, when known)."""

    def __init__(self, existing: CustomerVehicle | None):
        super().__init__(_("该车架号已登记在本店。"), "vin")
        self.existing = existing


class StaleRecord(CustomerError, domain.StaleEdit):
    """Someone else saved the customer first."""

    def __init__(self) -> None:
        super().__init__(_("该客户已被他人修改，请查看最新内容后重试（已被他人修改，请刷新后重试）。"))


class FieldError(CustomerError):
    """A value refused beside its field (``field_name`` None: the whole form)."""

    def __init__(self, field_name: str | None, message: str):
        super().__init__(message, field_name)


class StaleVehicle(FieldError, domain.StaleEdit):
    """Someone else saved the car first (a FieldError above the form, as before)."""

    def __init__(self) -> None:
        super().__init__(None, _("该车辆已被他人修改，请刷新后重试。"))


def live_customers() -> sa.Select:
    """``select(Customer)`` of customers not deleted (``services.deleting``)."""
    return select(Customer).where(Customer.deleted_at.is_(None))


def visible_customers() -> sa.Select:
    """``select(Customer)`` restricted by the consultant visibility rule
    (:mod:`dealer_saas.visibility`: own customers plus the unassigned pool, or the whole store
    with ``customers.view_all``); tenancy adds the store. Every customer read (list, search,
    360, export, assignment) starts here, so a soft-deleted customer is in none of them."""
    return visibility.restrict(live_customers(), visibility.mine_or_pool(Customer.owner_id))


def get_customer(customer_id: Any) -> Customer:
    """A customer the current user may see, or 404 (another store's, or another
    consultant's customer, is simply not found)."""
    ident = bounded_id(customer_id)
    if ident is None:
        from flask import abort

        abort(404)
    customer = db.session.execute(visible_customers().where(Customer.id == ident)).scalar_one_or_none()
    if customer is None:
        from flask import abort

        abort(404)
    return customer


def is_visible(customer: Customer) -> bool:
    """The visibility rule for one loaded customer (the same answer as the list's)."""
    return visibility.is_mine_or_pool(customer.owner_id)


def can_see_full_mobile(customer: Customer) -> bool:
    """Full phone numbers: roles with ``customers.pii``, and the customer's own consultant
    (they have to call them)."""
    ctx = tenancy.current()
    return ctx.can("customers.pii") or (customer.owner_id is not None and customer.owner_id == ctx.user_id)


def can_see_id_number() -> bool:
    return tenancy.current().can("customers.pii")


def find_by_mobile(mobile: str) -> Customer | None:
    """The store's customer with this (normalised) mobile, if any. A mobile is unique per
    store, but the all-stores roll-up reads several stores: there the oldest match is
    returned (nothing is written in the roll-up). A deleted customer's number is free."""
    return (
        db.session.execute(live_customers().where(Customer.mobile == mobile).order_by(Customer.id).limit(1))
        .scalars()
        .first()
    )


def _fill_search_columns(customer: Customer) -> None:
    customer.name_pinyin = full_pinyin(customer.name)
    customer.name_initials = initials(customer.name)
    customer.mobile_last4 = customer.mobile[-4:] if customer.mobile else None
