"""Customers' consent to service and to marketing messages, recorded separately.

``record_consent`` keeps one current row per customer and purpose (with the time and the
source) and writes the change to the audit log; ``has_consent`` answers for one customer,
``consenting`` is the same rule as a SQL filter for set-based selects (bulk sends)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, tenancy
from ..customers.models import Customer
from ..domain import DomainError
from ..extensions import db
from ..timeutil import utcnow
from .models import CONSENT_PURPOSES, CONSENT_SOURCES, CustomerConsent

#: without a recorded answer: service messages go, marketing does not
DEFAULTS = {"service": True, "marketing": False}


class ConsentError(DomainError):
    pass


def _check(purpose: str) -> None:
    if purpose not in CONSENT_PURPOSES:
        raise ConsentError(_("未知的授权类型。"), "purpose")


def record_consent(customer_id: int, purpose: str, granted: bool, source: str, note: str = "") -> CustomerConsent:
    """Record the customer's answer for ``purpose`` (replacing the previous one)."""
    _check(purpose)
    if source not in CONSENT_SOURCES:
        raise ConsentError(_("请选择授权来源。"), "source")
    customer = tenancy.get_or_none(Customer, customer_id)
    if customer is None:
        raise ConsentError(_("客户不存在。"), "customer_id")
    ctx = tenancy.current()
    row = db.session.execute(
        select(CustomerConsent).where(CustomerConsent.customer_id == customer.id, CustomerConsent.purpose == purpose)
    ).scalar_one_or_none()
    fields = ["purpose", "granted", "source", "note", "recorded_at"]
    before = audit.snapshot(row, fields) if row is not None else None
    if row is None:
        row = CustomerConsent(customer_id=customer.id, purpose=purpose, store_id=customer.store_id)
        db.session.add(row)
    row.granted, row.source, row.note = bool(granted), source, (note or "")[:200]
    row.recorded_at, row.recorded_by_id = utcnow(), ctx.user_id
    db.session.flush()
    audit.record(
        "update" if before else "create",
        row,
        before=before,
        after=audit.snapshot(row, fields),
        summary=f"consent {purpose} {'yes' if granted else 'no'} ({source})",
    )
    return row


def consents_of(customer_id: int) -> dict[str, CustomerConsent | None]:
    """The customer's current answer per purpose (None: never asked)."""
    rows = db.session.execute(select(CustomerConsent).where(CustomerConsent.customer_id == customer_id)).scalars()
    found = {row.purpose: row for row in rows}
    return {purpose: found.get(purpose) for purpose in CONSENT_PURPOSES}


def has_consent(customer_id: int, purpose: str) -> bool:
    """May the customer get a message of ``purpose``?"""
    _check(purpose)
    granted = db.session.execute(
        select(CustomerConsent.granted).where(
            CustomerConsent.customer_id == customer_id, CustomerConsent.purpose == purpose
        )
    ).scalar_one_or_none()
    return DEFAULTS[purpose] if granted is None else bool(granted)


def consenting(customer_id_column, purpose: str):
    """A WHERE clause keeping the customers (``customer_id_column``) who may get ``purpose``
    messages: for service, no recorded refusal; for marketing, a recorded yes."""
    _check(purpose)
    table = CustomerConsent.__table__
    answer = sa.and_(table.c.customer_id == customer_id_column, table.c.purpose == purpose)
    if DEFAULTS[purpose]:
        return ~sa.exists().where(answer, table.c.granted.is_(False))
    return sa.exists().where(answer, table.c.granted.is_(True))


def refusing(customer_ids: set[int], purpose: str) -> set[int]:
    """Which of ``customer_ids`` may not get ``purpose`` messages (one statement)."""
    if not customer_ids:
        return set()
    allowed = set(
        db.session.execute(
            select(Customer.id).where(Customer.id.in_(customer_ids), consenting(Customer.id, purpose))
        ).scalars()
    )
    return set(customer_ids) - allowed
