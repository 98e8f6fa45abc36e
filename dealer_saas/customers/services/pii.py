"""Who saw customers' full numbers, and the hourly ceiling on opening customer records.

**What counts as a view of a full number** (one ``view_pii`` audit row per page, naming the
customers and which fields were shown in full; nothing is logged when everything is masked):

- the customer 360 (``page="detail"``) when it shows the full mobile or the other phones
  (``can_call``), a contact's mobile (``can_see_full_mobile``) or the ID number
  (``customers.pii``);
- the edit form (``page="edit"``) when it is filled with the full mobile, other phones or the
  ID number;
- the customer list (``page="list"``), one row per page (the first page and every
  "load more"/search page) with the ids whose full mobile is on it (the call buttons of the
  consultant's own customers, every row for a role with ``customers.pii``). Lists keep the
  full number because a consultant dials from the list on the showroom floor; one row per
  page is cheap and tells who saw which numbers;
- every other page that shows a full number (a card, a visit, an order, the duplicates):
  the shared ``phone()`` / ``customer_tel()`` template helpers note it, and the row is named
  after the page's endpoint (``leads.card_detail``);
- the rows are collected per request (``customers/pii_log.py``) and written once at its end,
  also when the request's own changes roll back (a refused form still showed the numbers);
- the Excel export is its own ``export`` audit row (the filters and the number of rows; its
  phones are full exactly where the list shows them full, so no second row is written).

**Opening customer records** (:func:`record_open`): every customer 360 opened is a
``customer_opens`` row (user, customer, store, time; indexed by user and time). When a
user's opens in the last rolling hour exceed the store's threshold (store setting
``customer_records.opens_per_hour``, default 200), the account is frozen (``frozen_at``,
``frozen_reason``; signed out on the next request, refused at sign-in), an audit row is
written, and the store's admins (users holding ``admin.users`` in that store or for the whole
group) get a message in the outbox and see a banner on the user list until an admin
unfreezes the account from its edit page. Platform admins and group admins are never frozen
by this rule (they administer the accounts; their opens are still recorded). Opens before
the last unfreeze do not count again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ... import audit, tenancy
from ...extensions import db
from ...permissions import GROUP_ADMIN
from ...tenancy import Membership, Role, Store, User
from ...timeutil import as_utc, utcnow
from ..models import Customer, CustomerOpen
from ..settings import opens_per_hour
from ._common import can_see_full_mobile, can_see_id_number

WINDOW = dt.timedelta(hours=1)
#: the audit action of a page that showed full numbers
VIEW_ACTION = "view_pii"


def full_fields_on_detail(customer: Customer, *, can_call: bool, contacts: bool = True) -> list[str]:
    """The fields the 360 shows in full to the current user (``contacts=False``: without the
    contact persons, which the 360 shows in a panel of its own, :func:`full_fields_on_contacts`)."""
    fields = []
    if customer.mobile and can_call:
        fields.append("mobile")
    if customer.other_phones and can_call:
        fields.append("other_phones")
    if contacts:
        fields.extend(full_fields_on_contacts(customer, customer.contacts))
    if customer.id_number and can_see_id_number():
        fields.append("id_number")
    return fields


def full_fields_on_form(customer: Customer) -> list[str]:
    """The fields the edit form is filled with in full for the current user."""
    fields = []
    full = can_see_full_mobile(customer)
    if customer.mobile and full:
        fields.append("mobile")
    if customer.other_phones and full:
        fields.append("other_phones")
    if customer.id_number and can_see_id_number():
        fields.append("id_number")
    return fields


def record_pii_view(page: str, shown: dict[int, list[str]]) -> None:
    """One ``view_pii`` audit row for a page that showed full numbers: ``shown`` maps
    customer ids to the fields shown in full (customers with nothing shown are left out).
    Written as one INSERT at once (``audit.insert``): every list page and search sends one."""
    shown = {cid: sorted(fields) for cid, fields in shown.items() if fields}
    if not shown:
        return None
    ids = sorted(shown)
    names = sorted({f for fields in shown.values() for f in fields})
    audit.insert(
        VIEW_ACTION,
        "customers",
        ids[0] if len(ids) == 1 else None,
        summary=_("查看完整号码：%(page)s，%(n)d 位客户（%(fields)s）", page=page, n=len(ids), fields=", ".join(names)),
        after={"page": page, "customer_ids": ids, "fields": {str(cid): shown[cid] for cid in ids}},
    )


def record_list_view(customers: Iterable[Customer]) -> None:
    """The list page's row: the customers whose full mobile is on it."""
    record_pii_view("list", {c.id: ["mobile"] for c in customers if c.mobile and can_see_full_mobile(c)})


# --------------------------------------------------------------------------- opening records


def full_fields_on_contacts(customer: Customer, contacts: Iterable[Any]) -> list[str]:
    """The contact persons' mobiles, when shown in full (the customer's own PII rule)."""
    return ["contact_mobile"] if can_see_full_mobile(customer) and any(c.mobile for c in contacts) else []


def is_exempt(user: User) -> bool:
    """Platform admins and group admins are never frozen by the threshold."""
    if user.is_platform_admin:
        return True
    held = db.session.execute(
        select(Membership.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.user_id == user.id, Membership.store_id.is_(None), Role.code == GROUP_ADMIN)
        .limit(1)
    ).first()
    return held is not None


def _last_unfreeze(user_id: int) -> dt.datetime | None:
    return db.session.execute(
        select(func.max(audit.AuditLog.at)).where(
            audit.AuditLog.entity == "users", audit.AuditLog.entity_id == user_id, audit.AuditLog.action == "unfreeze"
        )
    ).scalar_one_or_none()


def opens_in_window(user_id: int, since: dt.datetime) -> int:
    return db.session.execute(
        select(func.count()).select_from(CustomerOpen).where(CustomerOpen.user_id == user_id, CustomerOpen.at > since)
    ).scalar_one()


def opens_in_window_column(now: dt.datetime) -> Any:
    """The current user's openings in the hour before ``now``, as a scalar subquery read with
    the customer (:func:`record_open` ``opened_before``): one statement less per 360."""
    return (
        select(func.count())
        .select_from(CustomerOpen)
        .where(CustomerOpen.user_id == tenancy.current().user_id, CustomerOpen.at > now - WINDOW)
        .scalar_subquery()
    )


def record_open(customer: Customer, *, opened_before: int | None = None, now: dt.datetime | None = None) -> bool:
    """Count one opening of ``customer``'s 360 by the current user; freeze the account when
    this open takes the user past the store's hourly threshold. True when it froze it.
    ``opened_before``: the user's openings in the hour before ``now``, already read
    (:func:`opens_in_window_column`); this one makes one more."""
    ctx = tenancy.current()
    if ctx.user_id is None or ctx.is_system:
        return False
    now = now or utcnow()
    db.session.add(
        CustomerOpen(
            org_id=customer.org_id, store_id=customer.store_id, user_id=ctx.user_id, customer_id=customer.id, at=now
        )
    )
    db.session.flush()
    user = db.session.get(User, ctx.user_id)
    if user is None or user.frozen_at is not None:
        return False
    store = db.session.get(Store, customer.store_id)
    limit = opens_per_hour(store)
    since = now - WINDOW
    count = opened_before + 1 if opened_before is not None else opens_in_window(user.id, since)
    if count <= limit:
        return False
    unfrozen = _last_unfreeze(user.id)
    if unfrozen is not None and as_utc(unfrozen) > since:
        count = opens_in_window(user.id, as_utc(unfrozen))
        if count <= limit:
            return False
    if is_exempt(user):
        return False
    freeze(user, store, count, limit)
    return True


def freeze(user: User, store: Store, count: int, limit: int) -> None:
    """Freeze the account and tell the store's admins."""
    before = audit.snapshot(user, ["frozen_at", "frozen_reason"])
    user.frozen_at = utcnow()
    user.frozen_reason = _(
        "一小时内打开客户档案 %(count)d 次，超过门店（%(store)s）上限 %(limit)d 次。",
        count=count,
        store=store.name,
        limit=limit,
    )[:200]
    db.session.flush()
    audit.record(
        "freeze",
        user,
        org_id=user.org_id,
        store_id=store.id,
        before=before,
        after=audit.snapshot(user, ["frozen_at", "frozen_reason"]),
        summary=f"{user.username}: {user.frozen_reason}",
    )
    _tell_admins(user, store)


def store_admins(store: Store) -> list[User]:
    """Active users holding ``admin.users`` in ``store`` (a store role there, or a group role)."""
    rows = db.session.execute(
        select(User, Role)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(
            User.org_id == store.org_id,
            User.is_active.is_(True),
            (Membership.store_id == store.id) | Membership.store_id.is_(None),
        )
    ).all()
    seen: dict[int, User] = {}
    for admin, role in rows:
        if "admin.users" in role.permission_set:
            seen.setdefault(admin.id, admin)
    return sorted(seen.values(), key=lambda u: u.id)


def _tell_admins(user: User, store: Store) -> None:
    """A message in the outbox for each of the store's admins with an address (the banner on
    the user list shows the frozen account to every admin in any case). Messages are store
    rows: in the read-only roll-up, or for another store than the active one, only the
    banner tells."""
    from ...messaging import services as messaging

    if tenancy.current().store_id != store.id:
        return
    body = _(
        "账号 %(username)s（%(name)s）已被冻结：%(reason)s 请在「用户」中核实后解冻。",
        username=user.username,
        name=user.name,
        reason=user.frozen_reason,
    )
    stamp = int(user.frozen_at.timestamp())
    from ...notifications.services import notify

    notify(
        kind="account.frozen",
        title=body,
        key=f"account-frozen:{user.id}:{stamp}",
        link=f"/admin/users/{user.id}",
        user_ids=[admin.id for admin in store_admins(store) if admin.id != user.id],
        store_id=store.id,
    )
    for admin in store_admins(store):
        if admin.id == user.id:
            continue
        channel, recipient = ("email", admin.email) if admin.email else ("sms", admin.phone)
        if not recipient:
            continue
        try:
            with db.session.begin_nested():
                messaging.queue_message(
                    channel,
                    recipient,
                    body,
                    key=f"account-frozen:{user.id}:{stamp}:{admin.id}",
                    subject=_("账号已冻结"),
                    template="account_frozen",
                )
        except messaging.MessagingError:
            continue  # an unusable address: the banner still tells
