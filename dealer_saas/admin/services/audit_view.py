"""Reading the audit log: the rows of the stores in view plus the store-less rows the
reader may see (an org-wide auditor all of the organisation's, a store-level one only
about their own staff), filters, and changes shown with customers' phones masked.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ... import audit, tenancy
from ...audit import AuditLog
from ...extensions import db
from ...formatting import mask_phone
from ...pagination import Page, Sort, keyset_page
from ...tenancy import Membership, User
from ...validation import bounded_id
from ._common import _org_id, org_wide

AUDIT_SORT = Sort("时间", (AuditLog.at, AuditLog.id), desc=True)
#: filters offered on the audit page (name -> how it narrows the query); anything else is ignored
AUDIT_FILTERS = ("entity", "action", "user_id", "entity_id", "date_from", "date_to")
#: the period choice: name -> (days back from today in the store, label)
AUDIT_PERIODS: dict[str, tuple[int, Any]] = {
    "today": (0, _l("今天")),
    "7d": (6, _l("近 7 天")),
    "30d": (29, _l("近 30 天")),
}


def _staff_ids_stmt(store_ids: tuple[int, ...]) -> sa.Select:
    """Ids of the users holding a role in one of ``store_ids``."""
    return select(Membership.user_id).where(Membership.org_id == _org_id(), Membership.store_id.in_(store_ids))


def audit_scope_stmt() -> sa.Select:
    """Audit rows of the stores the user reads, plus rows without a store (sign-ins and
    sign-outs, password changes, roles, the organisation itself). An org-wide auditor (a group
    role with admin.audit) sees every store-less row of the organisation; a store-level auditor
    only those about a user who holds a role in one of their stores, so a store manager audits
    their own staff's sign-ins but never learns a sibling store's staff, names or addresses.
    Leading with ``org_id`` lets the ``(org_id, at)`` index serve the newest-first order."""
    ctx = tenancy.current()
    store_ids = tuple(ctx.store_ids) or (-1,)
    storeless = AuditLog.store_id.is_(None)
    if not org_wide("admin.audit"):
        storeless = sa.and_(
            storeless, AuditLog.entity == User.__tablename__, AuditLog.entity_id.in_(_staff_ids_stmt(store_ids))
        )
    return select(AuditLog).where(AuditLog.org_id == _org_id(), or_(AuditLog.store_id.in_(store_ids), storeless))


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def list_audit(filters: dict[str, Any], after: str | None = None, size: int = 50, tz: dt.tzinfo | None = None) -> Page:
    """Audit rows in scope, newest first, narrowed by the allowlisted filters."""
    stmt = audit_scope_stmt()
    entity = (filters.get("entity") or "").strip()
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    action = (filters.get("action") or "").strip()
    if action:
        stmt = stmt.where(AuditLog.action == action)
    for key, column in (("user_id", AuditLog.user_id), ("entity_id", AuditLog.entity_id)):
        raw = str(filters.get(key) or "").strip()
        if raw.isdigit():
            stmt = stmt.where(column == (bounded_id(raw) or -1))
    tz = tz or dt.UTC
    date_from, date_to = _parse_date(filters.get("date_from")), _parse_date(filters.get("date_to"))
    if date_from:
        stmt = stmt.where(AuditLog.at >= dt.datetime.combine(date_from, dt.time(), tz))
    if date_to:
        stmt = stmt.where(AuditLog.at < dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(), tz))
    return keyset_page(stmt, AUDIT_SORT, after, size)


def audit_users(rows: list[AuditLog]) -> dict[int, User]:
    """The actors of a page of audit rows, in one query."""
    ids = {r.user_id for r in rows if r.user_id}
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}


def org_users_for_filter() -> list[User]:
    """Users for the audit page's user filter: the organisation's for an org-wide auditor, the
    staff of the stores in view for a store-level one (the same rule as the store-less rows)."""
    stmt = select(User).where(User.org_id == _org_id())
    if not org_wide("admin.audit"):
        stmt = stmt.where(User.id.in_(_staff_ids_stmt(tuple(tenancy.current().store_ids) or (-1,))))
    return list(db.session.execute(stmt.order_by(User.username)).scalars())


def _readable(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _mask_phones(values: dict[str, Any]) -> dict[str, Any]:
    """One side of an audit row with customers' phone numbers masked, nested snapshots (a
    merge's survivor and loser) included."""
    is_sms = values.get("channel") == "sms"
    masked: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            value = _mask_phones(value)
        elif isinstance(value, str) and (key in audit.PHONE_KEYS or (key == "recipient" and is_sms)):
            value = ",".join(mask_phone(number) for number in value.split(","))
        masked[key] = value
    return masked


def audit_changes(row: AuditLog) -> list[tuple[str, str | None, str | None]]:
    """(field, before, after) as readable text for every key either side mentions; customers'
    phone numbers are masked for a reader without customers.pii."""
    before, after = row.before or {}, row.after or {}
    if not tenancy.current().can("customers.pii"):
        before, after = _mask_phones(before), _mask_phones(after)
    keys = list(dict.fromkeys(list(before) + list(after)))
    return [(k, _readable(before.get(k)), _readable(after.get(k))) for k in keys]
