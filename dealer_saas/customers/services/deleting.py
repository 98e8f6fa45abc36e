"""Deleting a customer: a soft delete by a store manager or admin (``customers.delete``),
with a reason, restorable for ``RESTORE_DAYS`` days, then purged by the daily job.

- A deleted customer (``deleted_at`` set) is gone from every list, search, 360 and export:
  :func:`._common.visible_customers`, where every customer read starts, keeps only live
  customers (and so does the look-up by mobile, so its number can be given to a new customer;
  the unique mobile per store is a partial index over live customers).
- :func:`purge_deleted` (the daily job ``customers.purge_deleted``, per store, idempotent)
  takes customers deleted more than ``RESTORE_DAYS`` days ago. A customer no other module's
  row refers to is deleted with its own rows (tags, contacts, its cars and their owner
  history, its record opens). A customer that visits, follow-up cards, quotes, orders (or
  another customer's car history) still refer to is **anonymised** instead (the safe default:
  those records stay whole and nothing personal remains): name "已删除客户", phones, ID
  number, address, e-mail, WeChat, birthday and notes cleared, tags and contacts removed,
  ``purged_at`` set. Messages keep their row (their ``customer_id`` is set to NULL).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ... import audit, tenancy
from ...extensions import db
from ...timeutil import as_utc, utcnow
from ..models import Customer, CustomerContact, CustomerOpen, CustomerTag, CustomerVehicle, VehicleOwnership
from ._common import CustomerError, DuplicateMobile, FieldError, _fill_search_columns, find_by_mobile, get_customer

RESTORE_DAYS = 30
#: the name an anonymised customer keeps (stored data, like any name)
ANONYMOUS_NAME = "已删除客户"
DELETE_PERMISSION = "customers.delete"
#: the customers module's own tables (purged with the customer)
_OWN_TABLES = {"customer_contacts", "customer_tags", "customer_vehicles", "vehicle_ownerships", "customer_opens"}


def can_delete() -> bool:
    """Store managers and admins (``customers.delete``)."""
    return tenancy.current().can(DELETE_PERMISSION)


def _require_delete() -> None:
    if not can_delete():
        raise CustomerError(_("只有店总或管理员可以删除或恢复客户。"))


def _cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or utcnow()) - dt.timedelta(days=RESTORE_DAYS)


def delete_customer(customer_id: int, reason: str) -> Customer:
    """Soft-delete a customer the user may see, with a reason. Raises CustomerError."""
    _require_delete()
    reason = " ".join((reason or "").split())
    if not reason:
        raise FieldError("reason", _("请填写删除原因。"))
    if len(reason) > 200:
        raise FieldError("reason", _("删除原因最多 200 个字。"))
    customer = get_customer(customer_id)
    ctx = tenancy.current()
    customer.deleted_at = utcnow()
    customer.deleted_by_id = ctx.user_id
    customer.delete_reason = reason
    db.session.flush()
    audit.record("delete", customer, after={"reason": reason}, summary=f"{customer.name}: {reason}")
    return customer


def _deleted_stmt() -> sa.Select:
    return select(Customer).where(Customer.deleted_at.isnot(None), Customer.purged_at.is_(None))


def recently_deleted(limit: int = 200) -> list[Customer]:
    """Customers deleted in the last ``RESTORE_DAYS`` days, newest first (still restorable)."""
    _require_delete()
    return list(
        db.session.execute(
            _deleted_stmt()
            .where(Customer.deleted_at >= _cutoff())
            .order_by(Customer.deleted_at.desc(), Customer.id.desc())
            .limit(limit)
        ).scalars()
    )


def restore_until(customer: Customer) -> dt.date:
    return (as_utc(customer.deleted_at) + dt.timedelta(days=RESTORE_DAYS)).date()


def get_deleted_customer(customer_id: Any) -> Customer:
    """A deleted (not yet purged) customer of the store, or 404."""
    try:
        ident = int(customer_id)
    except (TypeError, ValueError):
        abort(404)
    customer = db.session.execute(_deleted_stmt().where(Customer.id == ident)).scalar_one_or_none()
    if customer is None:
        abort(404)
    return customer


def restore_customer(customer_id: Any) -> Customer:
    """Undo a delete within ``RESTORE_DAYS`` days. Raises CustomerError (DuplicateMobile when a
    new customer has the number since)."""
    customer = get_deleted_customer(customer_id)
    _require_delete()
    if as_utc(customer.deleted_at) < _cutoff():
        raise CustomerError(_("删除已超过 %(n)d 天，不能恢复。", n=RESTORE_DAYS))
    if customer.mobile:
        existing = find_by_mobile(customer.mobile)
        if existing is not None:
            raise DuplicateMobile(existing)
    before = {"reason": customer.delete_reason}
    customer.deleted_at = None
    customer.deleted_by_id = None
    customer.delete_reason = None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DuplicateMobile(find_by_mobile(customer.mobile)) from None
    audit.record("restore", customer, before=before, summary=customer.name)
    return customer


# --------------------------------------------------------------------------- purge


def _outside_references(customer_id: int) -> list[str]:
    """Tables of other modules (or other customers' car history) that still refer to the
    customer; empty when it may be deleted outright."""
    from .merge import _referencing_columns

    found = []
    for _target, column in _referencing_columns():
        if column.table.name in _OWN_TABLES or all(
            (fk.ondelete or "").upper() == "SET NULL" for fk in column.foreign_keys
        ):
            continue  # the customers module's own rows, or rows the database detaches (messages)
        if db.session.execute(select(column).where(column == customer_id).limit(1)).first() is not None:
            found.append(column.table.name)
    # another customer's car whose history names this customer
    theirs = db.session.execute(
        select(VehicleOwnership.id)
        .join(CustomerVehicle, CustomerVehicle.id == VehicleOwnership.vehicle_id)
        .where(VehicleOwnership.customer_id == customer_id, CustomerVehicle.owner_id.is_distinct_from(customer_id))
        .limit(1)
    ).first()
    if theirs is not None:
        found.append("vehicle_ownerships")
    # the customer's own cars referenced by other modules (repair orders, deliveries)
    vehicle_ids = select(CustomerVehicle.id).where(CustomerVehicle.owner_id == customer_id)
    for table in db.Model.metadata.sorted_tables:
        if table.name in _OWN_TABLES:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is CustomerVehicle.__table__ and fk.column.name == "id":
                if db.session.execute(select(fk.parent).where(fk.parent.in_(vehicle_ids)).limit(1)).first():
                    found.append(table.name)
    return sorted(set(found))


def _anonymise(customer: Customer, references: list[str], now: dt.datetime) -> None:
    customer.name = ANONYMOUS_NAME
    customer.mobile = None
    customer.other_phones = ""
    customer.id_number = None
    customer.address = ""
    customer.email = ""
    customer.wechat = ""
    customer.birthday = None
    customer.notes = ""
    customer.purged_at = now
    _fill_search_columns(customer)
    db.session.execute(delete(CustomerTag).where(CustomerTag.customer_id == customer.id))
    db.session.execute(delete(CustomerContact).where(CustomerContact.customer_id == customer.id))
    db.session.flush()
    db.session.expire(customer, ["tags", "contacts"])
    audit.record(
        "anonymise",
        customer,
        after={"referenced_by": references},
        summary=_(
            "删除满 %(n)d 天，已匿名（仍被其他记录引用：%(tables)s）", n=RESTORE_DAYS, tables=", ".join(references)
        ),
    )


def _hard_delete(customer: Customer) -> None:
    ident, store_id, org_id = customer.id, customer.store_id, customer.org_id
    vehicle_ids = select(CustomerVehicle.id).where(CustomerVehicle.owner_id == ident).scalar_subquery()
    db.session.execute(delete(VehicleOwnership).where(VehicleOwnership.vehicle_id.in_(vehicle_ids)))
    db.session.execute(delete(VehicleOwnership).where(VehicleOwnership.customer_id == ident))
    db.session.execute(delete(CustomerVehicle).where(CustomerVehicle.owner_id == ident))
    db.session.execute(delete(CustomerOpen).where(CustomerOpen.customer_id == ident))
    # messages keep their row: their foreign key is ON DELETE SET NULL (the messaging module's)
    db.session.delete(customer)
    db.session.flush()
    audit.record("purge", "customers", ident, store_id=store_id, org_id=org_id, summary=f"#{ident}")


def purge_deleted(now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job's work in the current store: customers deleted more than RESTORE_DAYS
    days ago are deleted, or anonymised when other records refer to them. Idempotent: a purged
    row is gone or has ``purged_at``."""
    now = now or utcnow()
    rows = list(db.session.execute(_deleted_stmt().where(Customer.deleted_at < _cutoff(now))).scalars())
    deleted = anonymised = 0
    for customer in rows:
        references = _outside_references(customer.id)
        if references:
            _anonymise(customer, references, now)
            anonymised += 1
        else:
            _hard_delete(customer)
            deleted += 1
    return {"deleted": deleted, "anonymised": anonymised}


def deleted_count() -> int:
    return db.session.execute(select(func.count()).select_from(_deleted_stmt().subquery())).scalar_one()
