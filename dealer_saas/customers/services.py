"""Customer rules: normalised unique mobiles per store, pinyin for search, ownership."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit, tenancy
from ..extensions import db
from ..pinyin import full_pinyin, initials
from ..validation import InvalidValue, normalise_mobile
from .models import Customer


def find_by_mobile(mobile: str) -> Customer | None:
    """The store's customer with this (normalised) mobile, if any."""
    return db.session.execute(select(Customer).where(Customer.mobile == mobile)).scalar_one_or_none()


def find_or_create_for_visit(*, name: str, mobile: str | None, source: str,
                             owner_id: int | None) -> tuple[Customer | None, bool]:
    """The visit log's rule: find the store's customer by mobile or create one on the spot.

    Returns (customer, created). Without a mobile no customer is made (the visit is still
    logged and counted as "no contact details"): (None, False). Raises InvalidValue for a
    malformed mobile. An existing customer keeps their owner and name.
    """
    if not mobile or not mobile.strip():
        return None, False
    normalised = normalise_mobile(mobile)
    existing = find_by_mobile(normalised)
    if existing is not None:
        return existing, False
    if not (name or "").strip():
        raise InvalidValue(_("新客户请填写姓名。"))
    customer = Customer(
        name=name.strip(),
        name_pinyin=full_pinyin(name.strip()),
        name_initials=initials(name.strip()),
        mobile=normalised,
        mobile_last4=normalised[-4:],
        source=source,
        owner_id=owner_id,
        created_by_id=tenancy.current().user_id,
    )
    db.session.add(customer)
    db.session.flush()
    audit.record("create", customer, after=audit.snapshot(customer), summary=customer.name)
    return customer, True
