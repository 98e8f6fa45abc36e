"""Tell users about something (``notify``), list a user's inbox, count and mark what is read."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import tenancy
from ..extensions import db
from ..pagination import Page, Sort, keyset_page
from ..tenancy import Membership, Role, Store, User
from ..timeutil import utcnow
from .models import Notification

NEWEST = Sort("newest", (Notification.created_at, Notification.id), desc=True)
#: the bell shows "99+" above this
BELL_CAP = 99


def holders(store: Store, permission: str) -> list[int]:
    """Ids of the active users holding ``permission`` in ``store`` (a role there, or a group
    role), in id order."""
    rows = db.session.execute(
        select(User.id, Role)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(
            User.org_id == store.org_id,
            User.is_active.is_(True),
            (Membership.store_id == store.id) | Membership.store_id.is_(None),
        )
    ).all()
    return sorted({user_id for user_id, role in rows if permission in role.permission_set})


def notify(
    *,
    kind: str,
    title: str,
    key: str,
    link: str = "",
    user_ids: Iterable[int] = (),
    permission: str | None = None,
    store_id: int | None = None,
) -> int:
    """One notification per recipient (``user_ids`` and every holder of ``permission`` in the
    store, default the active one), idempotent on (user, key). Returns how many were new."""
    store = db.session.get(Store, store_id) if store_id is not None else tenancy.writable_store()
    if store is None:
        raise tenancy.TenancyError(f"no store {store_id}")
    recipients = set(user_ids)
    if permission:
        recipients.update(holders(store, permission))
    if recipients:  # only members of the store's organisation are ever told
        recipients = set(
            db.session.execute(select(User.id).where(User.id.in_(recipients), User.org_id == store.org_id)).scalars()
        )
    if not recipients:
        return 0
    key = key[:160]
    told = set(
        db.session.execute(
            select(Notification.user_id).where(Notification.key == key, Notification.user_id.in_(recipients))
        ).scalars()
    )
    created = 0
    now = utcnow()
    for user_id in sorted(recipients - told):
        row = Notification(
            store_id=store.id,
            org_id=store.org_id,
            user_id=user_id,
            kind=kind[:60],
            title=title[:200],
            link=link[:300],
            key=key,
            created_at=now,
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            continue  # told by a concurrent call in the meantime
        created += 1
    return created


def _mine():
    return select(Notification).where(Notification.user_id == tenancy.current().user_id)


def inbox(*, unread_only: bool = False, after: str | None = None, size: int = 25) -> Page[Notification]:
    """The signed-in user's notifications in the active store(s), newest first."""
    stmt = _mine()
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return keyset_page(stmt, NEWEST, after, size)


def unread_count() -> int:
    """Unread notifications of the signed-in user in the active store(s), capped."""
    capped = _mine().where(Notification.read_at.is_(None)).limit(BELL_CAP + 1).subquery()
    return db.session.execute(select(sa.func.count()).select_from(capped)).scalar_one()


def get(notification_id: int) -> Notification:
    """One of the user's own notifications, else 404 (another user's is as foreign as another
    store's)."""
    row = tenancy.get_or_none(Notification, notification_id)
    if row is None or row.user_id != tenancy.current().user_id:
        abort(404)
    return row


def mark_read(notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (all unread ones when no ids are given).

    A notification is the user's own row, not store data: marking it read is allowed in the
    read-only roll-up too, so this is one table-level UPDATE bounded by the user and the
    stores the context may read."""
    ctx = tenancy.current()
    table = Notification.__table__
    stmt = (
        sa.update(table)
        .where(
            table.c.user_id == ctx.user_id,
            table.c.org_id == ctx.org_id,
            table.c.store_id.in_(ctx.store_ids or (-1,)),
            table.c.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
    if notification_ids is not None:
        ids = [i for i in notification_ids if i]
        if not ids:
            return 0
        stmt = stmt.where(table.c.id.in_(ids))
    return db.session.execute(stmt).rowcount or 0
