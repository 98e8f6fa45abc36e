"""Stores and their settings: which stores an admin administers (the whole organisation
for a group role, the active store otherwise), opening and editing a store, and saving the
settings sections every module declares (each validated by its module).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ... import audit, registry, tenancy
from ...extensions import db
from ...registry import SettingsSection
from ...tenancy import Store
from ._common import AdminError, _org_id, org_wide

STORE_FIELDS = ("name", "code", "city", "timezone", "brands", "phone", "address", "is_active")


def stores_stmt() -> sa.Select:
    """Stores the user may administer: the whole organisation (group role) or the active store."""
    ctx = tenancy.current()
    stmt = select(Store).where(Store.org_id == _org_id())
    if not org_wide("admin.stores") and not org_wide("sales.settings"):
        stmt = stmt.where(Store.id == (ctx.store_id if ctx.store_id is not None else -1))
    return stmt


def list_stores() -> list[Store]:
    """The stores in scope, by code."""
    return list(db.session.execute(stores_stmt().order_by(Store.code, Store.id)).scalars())


def get_store_or_404(store_id: int) -> Store:
    """A store in scope, or 404 (another organisation's or, for a store-level admin, another store)."""
    store = db.session.execute(stores_stmt().where(Store.id == store_id)).scalar_one_or_none()
    if store is None:
        abort(404)
    return store


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(_("未知的时区。"), "timezone") from None


def _apply_store_fields(store: Store, data: dict[str, Any]) -> None:
    code = (data.get("code") or "").strip().upper()
    if not code:
        raise AdminError(_("请输入门店编码。"), "code")
    _check_timezone((data.get("timezone") or "Asia/Shanghai").strip())
    duplicate = db.session.execute(
        select(Store.id).where(Store.org_id == store.org_id, Store.code == code, Store.id != (store.id or -1))
    ).first()
    if duplicate:
        raise AdminError(_("本集团已有编码为 %(code)s 的门店。", code=code), "code")
    store.code = code
    store.name = (data.get("name") or "").strip()
    store.city = (data.get("city") or "").strip()
    store.timezone = (data.get("timezone") or "Asia/Shanghai").strip()
    store.brands = ",".join(b.strip() for b in (data.get("brands") or "").replace("，", ",").split(",") if b.strip())
    store.phone = (data.get("phone") or "").strip()
    store.address = (data.get("address") or "").strip()
    store.is_active = bool(data.get("is_active", True))


def create_store(data: dict[str, Any]) -> Store:
    """A group admin opens a store in their organisation. Raises AdminError (duplicate code)."""
    if not org_wide("admin.stores"):
        raise AdminError(_("只有集团管理员可以新增门店。"))
    store = Store(org_id=_org_id(), settings={})
    _apply_store_fields(store, data)
    db.session.add(store)
    db.session.flush()
    audit.record(
        "create", store, org_id=store.org_id, store_id=store.id, after=audit.snapshot(store), summary=store.name
    )
    return store


def update_store(store_id: int, data: dict[str, Any]) -> Store:
    """Edit a store in scope. A store-level admin may not deactivate their own store. Raises AdminError."""
    store = get_store_or_404(store_id)
    before = audit.snapshot(store)
    if not org_wide("admin.stores") and not data.get("is_active", True):
        raise AdminError(_("只有集团管理员可以停用门店。"), "is_active")
    _apply_store_fields(store, data)
    db.session.flush()
    audit.record(
        "update",
        store,
        org_id=store.org_id,
        store_id=store.id,
        before=before,
        after=audit.snapshot(store),
        summary=store.name,
    )
    return store


def settings_sections() -> list[SettingsSection]:
    """The settings sections (each module's) the current user may change."""
    ctx = tenancy.current()
    return [section for section in registry.settings_sections() if ctx.can(section.permission)]


def settings_formdata(sections: list[SettingsSection], posted: Any, values: dict[str, Any]) -> MultiDict:
    """The post as the settings form reads it: a section none of whose fields was posted
    (a screen that predates a module's new section, a partial post) keeps what is stored;
    a section with any field posted is validated as posted."""
    formdata = MultiDict(posted)
    for section in sections:
        if any(name in posted for name in section.fields):
            continue
        for name in section.fields:
            value = values.get(name)
            formdata[name] = "" if value is None else str(value)
    return formdata


def store_settings_values(store: Store) -> dict[str, Any]:
    """The effective settings of a store, flat by field name, for the settings form."""
    values: dict[str, Any] = {}
    for section in settings_sections():
        values.update(section.load(store))
    return values


def update_store_settings(store_id: int, data: dict[str, Any]) -> Store:
    """Save every section the user may change, each validated by its module (call-back
    days, approval thresholds, the default deposit ...). Raises a DomainError naming the
    field; audit-logged with before and after."""
    store = get_store_or_404(store_id)
    before = dict(store.settings or {})
    new = dict(before)
    for section in settings_sections():
        section.save(new, data)
    store.settings = new  # a new dict, so the JSON column is seen as changed
    db.session.flush()
    audit.record(
        "update_settings", store, org_id=store.org_id, store_id=store.id, before=before, after=new, summary=store.name
    )
    return store
