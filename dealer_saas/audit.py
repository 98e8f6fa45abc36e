"""The audit log: who changed what, when, from where, with the before and after values.

Services call :func:`record` for every create, update, delete and state change; the actor
and address come from the tenant context, so services stay free of request objects.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from . import tenancy
from .extensions import db
from .timeutil import utcnow


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.Index("ix_audit_log_store_at", "store_id", "at"),
        sa.Index("ix_audit_log_entity", "entity", "entity_id"),
        sa.Index("ix_audit_log_org_at", "org_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: create, update, delete, transition, login, logout, switch_store, export, merge ...
    action: Mapped[str] = mapped_column(sa.String(40))
    entity: Mapped[str] = mapped_column(sa.String(60))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(64))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


#: columns never written to the log (secrets, encrypted values)
_NEVER_LOGGED = {"password_hash", "id_number", "id_number_encrypted"}
#: keys holding customers' phone numbers (customers, their contacts; an SMS's ``recipient`` is
#: one too): logged in full, so the log stays complete, but shown masked to readers without
#: customers.pii
PHONE_KEYS = frozenset({"mobile", "other_phones"})

#: the common verbs of the log as a person reads them; modules add their own
#: (``ModuleSpec.audit_actions``)
ACTION_LABELS: dict[str, Any] = {
    "create": _l("新建"),
    "update": _l("修改"),
    "delete": _l("删除"),
    "transition": _l("状态变更"),
    "approve": _l("审批"),
    "assign": _l("分配"),
    "claim": _l("认领"),
    "merge": _l("合并"),
    "transfer": _l("转移"),
    "activate": _l("启用/停用"),
    "export": _l("导出"),
    "enqueue": _l("提交任务"),
    "login": _l("登录"),
    "logout": _l("退出登录"),
    "password_change": _l("修改密码"),
    "password_reset": _l("重置密码"),
    "switch_store": _l("切换门店"),
    "update_settings": _l("修改设置"),
}


def action_labels() -> dict[str, Any]:
    from .registry import audit_action_labels

    return {**ACTION_LABELS, **audit_action_labels()}


def snapshot(obj: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The column values of a row, JSON-ready."""
    mapper = sa.inspect(type(obj))
    names = fields or [c.key for c in mapper.column_attrs]
    return {n: _jsonable(getattr(obj, n)) for n in names if n not in _NEVER_LOGGED}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def record(
    action: str,
    entity: str | Any,
    entity_id: int | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    summary: str = "",
    store_id: int | None = None,
    org_id: int | None = None,
    user_id: int | None = None,
) -> AuditLog:
    """Write one audit row in the current transaction. ``entity`` is a name or a model
    instance (its table name and id are used)."""
    if not isinstance(entity, str):
        entity_id = entity_id if entity_id is not None else getattr(entity, "id", None)
        store_id = store_id if store_id is not None else getattr(entity, "store_id", None)
        org_id = org_id if org_id is not None else getattr(entity, "org_id", None)
        entity = type(entity).__tablename__
    ctx = tenancy.maybe_current()
    if before is not None and after is not None:
        before, after = diff(before, after)
    row = AuditLog(
        action=action,
        entity=entity,
        entity_id=entity_id,
        summary=summary[:300],
        before=_jsonable(before) if before else None,
        after=_jsonable(after) if after else None,
        store_id=store_id if store_id is not None else (ctx.store_id if ctx else None),
        org_id=org_id if org_id is not None else (ctx.org_id if ctx else None),
        user_id=user_id if user_id is not None else (ctx.user_id if ctx else None),
        ip=ctx.ip if ctx else None,
    )
    db.session.add(row)
    return row


#: the INSERT of :func:`insert`, built once: its values are bound per row (written with
#: ``.values()`` each time, the eleven values were coerced and keyed anew: 1 ms a page)
_INSERT = sa.insert(AuditLog.__table__)


def insert(
    action: str,
    entity: str,
    entity_id: int | None = None,
    *,
    after: dict | None = None,
    summary: str = "",
) -> None:
    """:func:`record` as one INSERT sent at once, without an ORM object for the unit of work
    to flush: for rows written on every page view (``view_pii``), where nothing reads the
    row back in the request. The actor, store and address come from the tenant context."""
    ctx = tenancy.maybe_current()
    db.session.execute(
        _INSERT,
        {
            "at": utcnow(),
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "summary": summary[:300],
            "before": None,
            "after": _jsonable(after) if after else None,
            "store_id": ctx.store_id if ctx else None,
            "org_id": ctx.org_id if ctx else None,
            "user_id": ctx.user_id if ctx else None,
            "ip": ctx.ip if ctx else None,
        },
    )
