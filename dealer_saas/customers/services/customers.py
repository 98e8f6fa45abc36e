"""The customer record: creating (mobile unique per store; a consultant's new customer is
theirs), the visit log's find-or-create by mobile, editing over a version (StaleRecord),
tags, who may own customers, assigning owners and claiming from the unassigned pool."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ... import audit, tenancy, visibility
from ...extensions import db
from ...pinyin import full_pinyin, initials
from ...tenancy import Membership, Role, User
from ...validation import InvalidValue, normalise_id_number, normalise_mobile
from ..models import GENDERS, KINDS, LEVELS, SOURCES, Customer, CustomerTag
from ._common import (
    DuplicateMobile,
    FieldError,
    StaleRecord,
    _fill_search_columns,
    can_see_full_mobile,
    can_see_id_number,
    find_by_mobile,
    get_customer,
    visible_customers,
)


def find_or_create_for_visit(
    *, name: str, mobile: str | None, source: str, owner_id: int | None
) -> tuple[Customer | None, bool]:
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


def assignable_users() -> list[User]:
    """Members of the active store whose role works the sales floor (may follow up cards):
    the only people a customer may be assigned to."""
    ctx = tenancy.current()
    rows = db.session.execute(
        select(User, Role)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.store_id == ctx.store_id, User.is_active.is_(True), User.org_id == ctx.org_id)
        .order_by(User.name, User.id)
    ).all()
    users: dict[int, User] = {}
    for user, role in rows:
        if "cards.edit" in role.permission_set:
            users[user.id] = user
    return list(users.values())


def store_owners() -> list[User]:
    """Staff who may appear as owners in the filter (the assignable ones)."""
    return assignable_users()


def may_own_customers() -> bool:
    """Whether the current user may hold customers (claim from the pool): the same people
    a customer may be assigned to (:func:`assignable_users`: an active member of the active
    store whose role there may follow up cards), read from the signed-in user's memberships
    (kept by the shell, no query). Owning one shows its full phone numbers, so a service
    advisor or a receptionist must not get them by claiming."""
    ctx = tenancy.current()
    user = db.session.get(User, ctx.user_id) if ctx.user_id is not None else None
    if user is None or not user.is_active or user.org_id != ctx.org_id:
        return False
    # the signed-in user's own store memberships are in the shell's ``Access`` (no query)
    access = g.get("access") if has_app_context() else None
    if access is not None and user.id == getattr(g.get("_login_user"), "id", None):
        return "cards.edit" in access.member_permissions.get(ctx.store_id, frozenset())
    return any(m.store_id == ctx.store_id and "cards.edit" in m.role.permission_set for m in user.memberships)


def followed_by(customer: Customer, work: list[Any] | None = None) -> list[int]:
    """Staff working on the customer in another module now (an open follow-up card's
    consultant), from the customer 360's registered open-work sources (``work``: already
    read with the customer, :func:`customer_360`)."""
    from ..timeline import open_work

    if work is None:
        work = open_work(customer.id)
    return [w.user_id for w in work if w.user_id is not None]


def can_claim(customer: Customer, work: list[Any] | None = None) -> bool:
    """Whether the current user may take this (visible) customer from the pool: it has no
    owner, nobody follows it on an open card, and the user may hold customers. The 360
    page's button and :func:`claim_customer` both ask here."""
    return customer.owner_id is None and may_own_customers() and not followed_by(customer, work)


def can_call(customer: Customer, work: list[Any] | None = None) -> bool:
    """The full number on the customer 360: the customers rule (``customers.pii`` or the
    owner), or the consultant following the customer on an open card (the card's own rule,
    ``leads.services.can_call``): the page never masks what the card shows."""
    return can_see_full_mobile(customer) or tenancy.current().user_id in followed_by(customer, work)


def parse_tags(text: str) -> list[str]:
    parts = re.split(r"[,，、;；\s]+", text or "")
    seen: dict[str, None] = {}
    for part in parts:
        tag = part.strip()[:30]
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def _set_tags(customer: Customer, tags: list[str]) -> None:
    wanted = set(tags)
    for row in list(customer.tags):
        if row.tag not in wanted:
            customer.tags.remove(row)
    have = {row.tag for row in customer.tags}
    for tag in tags:
        if tag not in have:
            customer.tags.append(CustomerTag(tag=tag))


_PLAIN_FIELDS = (
    "name",
    "kind",
    "other_phones",
    "gender",
    "birthday",
    "email",
    "wechat",
    "address",
    "source",
    "level",
    "notes",
)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Normalise what the form sent; raises FieldError beside the offending field."""
    values: dict[str, Any] = {}
    name = (data.get("name") or "").strip()
    if not name:
        raise FieldError("name", _("请填写姓名。"))
    values["name"] = name[:80]
    for key, allowed in (("kind", KINDS), ("gender", GENDERS), ("source", SOURCES), ("level", LEVELS)):
        value = data.get(key) or ""
        if key in data and value not in allowed:
            raise FieldError(key, _("请选择有效的选项。"))
        if key in data:
            values[key] = value
    for key in ("email", "wechat", "address", "notes"):
        if key in data:
            values[key] = (data.get(key) or "").strip()
    if "birthday" in data:
        values["birthday"] = data.get("birthday")
    if "other_phones" in data:
        phones = []
        for part in re.split(r"[,，、;；\s]+", data.get("other_phones") or ""):
            if part.strip():
                try:
                    phones.append(normalise_mobile(part))
                except InvalidValue:
                    phones.append(part.strip())  # landlines and extensions are kept as typed
        values["other_phones"] = ",".join(dict.fromkeys(phones))[:200]
    if "mobile" in data:
        raw = (data.get("mobile") or "").strip()
        try:
            values["mobile"] = normalise_mobile(raw) if raw else None
        except InvalidValue as error:
            raise FieldError("mobile", str(error)) from None
    if "id_number" in data:
        raw = (data.get("id_number") or "").strip()
        if raw:
            try:
                values["id_number"] = normalise_id_number(raw)
            except InvalidValue as error:
                raise FieldError("id_number", str(error)) from None
    if "tags" in data:
        values["tags"] = parse_tags(data.get("tags") or "")
    return values


def _check_mobile_free(mobile: str | None, customer_id: int | None) -> None:
    if not mobile:
        return
    existing = find_by_mobile(mobile)
    if existing is not None and existing.id != customer_id:
        raise DuplicateMobile(existing)


def _flush_unique(customer: Customer) -> None:
    """Flush in a savepoint so a concurrent insert of the same mobile is a clear message."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DuplicateMobile(find_by_mobile(customer.mobile) if customer.mobile else None) from None
    except StaleDataError:
        raise StaleRecord() from None


def create_customer(data: dict[str, Any]) -> Customer:
    """Create a customer: normalised mobile unique per store (DuplicateMobile), valid ID
    number (FieldError); a consultant's new customer is theirs, others' go to the pool."""
    ctx = tenancy.current()
    values = _clean(data)
    _check_mobile_free(values.get("mobile"), None)
    tags = values.pop("tags", [])
    customer = Customer(
        created_by_id=ctx.user_id, owner_id=None if visibility.sees_whole_store() else ctx.user_id, **values
    )
    _fill_search_columns(customer)
    _set_tags(customer, tags)
    db.session.add(customer)
    _flush_unique(customer)
    audit.record("create", customer, after=audit.snapshot(customer), summary=customer.name)
    return customer


def update_customer(customer_id: int, data: dict[str, Any], expected_version: int | None) -> Customer:
    """Save an edit over the version it was loaded from (StaleRecord when someone saved in
    between: nothing is overwritten); mobile unique per store (DuplicateMobile). A blank
    ``mobile``/``other_phones``/``id_number`` that the user could not see keeps the stored
    value; other phones typed by such a user are added to the hidden ones."""
    customer = get_customer(customer_id)
    if expected_version is not None and customer.version != expected_version:
        raise StaleRecord()
    data = dict(data)
    if not can_see_full_mobile(customer):
        if not (data.get("mobile") or "").strip():
            data.pop("mobile", None)
        if not (data.get("other_phones") or "").strip():
            data.pop("other_phones", None)
        elif "other_phones" in data:
            # they could not see the stored numbers, so they cannot have meant to remove them
            data["other_phones"] = ",".join(p for p in (customer.other_phones, data["other_phones"]) if p)
    if not (data.get("id_number") or "").strip():
        data.pop("id_number", None)
    if not can_see_id_number():
        data.pop("id_number", None)
    values = _clean(data)
    _check_mobile_free(values.get("mobile"), customer.id)
    before = audit.snapshot(customer)
    tags_before = customer.tag_names
    tags = values.pop("tags", None)
    for key, value in values.items():
        setattr(customer, key, value)
    _fill_search_columns(customer)
    if tags is not None:
        _set_tags(customer, tags)
    # a tag-only change still bumps the version, so concurrent editors are told
    customer.updated_at = dt.datetime.now(dt.UTC)
    _flush_unique(customer)
    after = audit.snapshot(customer)
    if tags is not None and sorted(tags) != sorted(tags_before):
        before["tags"], after["tags"] = tags_before, tags
    audit.record("update", customer, before=before, after=after, summary=customer.name)
    return customer


def assign_customers(customer_ids: list[int], owner_id: int | None) -> list[Customer]:
    """Give customers to a consultant (or back to the pool with None); the owner must be a
    sales member of the store (FieldError). Audit-logged per customer."""
    if owner_id is not None and owner_id not in {u.id for u in assignable_users()}:
        raise FieldError("owner_id", _("只能分配给本店的销售人员。"))
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        raise FieldError(None, _("请先勾选客户。"))
    customers = db.session.execute(visible_customers().where(Customer.id.in_(ids))).scalars().all()
    if len(customers) != len(ids):
        from flask import abort

        abort(404)
    for customer in customers:
        if customer.owner_id == owner_id:
            continue
        before = {"owner_id": customer.owner_id}
        customer.owner_id = owner_id
        audit.record("assign", customer, before=before, after={"owner_id": owner_id}, summary=customer.name)
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleRecord() from None
    return customers


def claim_customer(customer_id: int) -> Customer:
    """A consultant takes an unassigned customer from the pool (FieldError if it already
    has an owner, or if the user is not one a customer may be assigned to)."""
    ctx = tenancy.current()
    customer = get_customer(customer_id)
    # the two conditions of can_claim, each with its own message
    if not may_own_customers():
        raise FieldError(None, _("只有本店的销售人员可以认领客户。"))
    if customer.owner_id is not None:
        raise FieldError(None, _("该客户已有归属顾问。"))
    if followed_by(customer):
        raise FieldError(None, _("该客户正由顾问跟进中（有未关闭的跟进卡），不能认领。"))
    customer.owner_id = ctx.user_id
    audit.record("claim", customer, before={"owner_id": None}, after={"owner_id": ctx.user_id}, summary=customer.name)
    try:
        db.session.flush()
    except StaleDataError:
        raise StaleRecord() from None
    return customer
