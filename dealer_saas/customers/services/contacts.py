"""Contact persons of company customers: only companies have them, one primary at most, and
a number the user may not see in full is kept when left blank."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ... import audit, tenancy
from ...extensions import db
from ...validation import InvalidValue, normalise_mobile
from ..models import Customer, CustomerContact
from ._common import FieldError, can_see_full_mobile, get_customer


def get_contact(customer_contact_id: Any) -> CustomerContact:
    """A company contact whose customer the current user may see, or 404."""
    contact = tenancy.get_or_404(CustomerContact, customer_contact_id)
    get_customer(contact.customer_id)
    return contact


def _clean_contact(data: dict[str, Any]) -> dict[str, Any]:
    name = (data.get("name") or "").strip()
    if not name:
        raise FieldError("name", _("请填写联系人姓名。"))
    raw = (data.get("mobile") or "").strip()
    try:
        mobile = normalise_mobile(raw) if raw else ""
    except InvalidValue as error:
        raise FieldError("mobile", str(error)) from None
    return {
        "name": name[:80],
        "title": (data.get("title") or "").strip()[:60],
        "mobile": mobile,
        "is_primary": bool(data.get("is_primary")),
    }


def _one_primary(customer: Customer, contact: CustomerContact) -> None:
    if contact.is_primary:
        for other in customer.contacts:
            if other is not contact:
                other.is_primary = False


def add_contact(customer_id: int, data: dict[str, Any]) -> CustomerContact:
    """Add a contact person to a company customer (FieldError for a person customer)."""
    customer = get_customer(customer_id)
    if customer.kind != "company":
        raise FieldError(None, _("只有公司客户可以添加联系人。"))
    contact = CustomerContact(**_clean_contact(data))
    customer.contacts.append(contact)
    _one_primary(customer, contact)
    db.session.flush()
    audit.record("create", contact, after=audit.snapshot(contact), summary=f"{customer.name} {contact.name}")
    return contact


def update_contact(customer_contact_id: int, data: dict[str, Any]) -> CustomerContact:
    """Edit a company contact. A blank mobile from a user who may not see the company's
    numbers in full keeps the stored one."""
    contact = get_contact(customer_contact_id)
    values = _clean_contact(data)
    if not values["mobile"] and not can_see_full_mobile(contact.customer):
        del values["mobile"]
    before = audit.snapshot(contact)
    for key, value in values.items():
        setattr(contact, key, value)
    _one_primary(contact.customer, contact)
    db.session.flush()
    audit.record("update", contact, before=before, after=audit.snapshot(contact), summary=contact.name)
    return contact


def remove_contact(customer_contact_id: int) -> int:
    """Remove a company contact; returns the customer id."""
    contact = get_contact(customer_contact_id)
    customer_id = contact.customer_id
    audit.record("delete", contact, before=audit.snapshot(contact), summary=contact.name)
    db.session.delete(contact)
    db.session.flush()
    return customer_id
