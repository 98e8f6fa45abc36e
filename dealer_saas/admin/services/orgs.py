"""Organisations (the platform screens): only a platform admin outside any organisation
lists, creates (with a first store and group admin) and suspends dealer groups.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ... import audit, tenancy
from ...auth import services as auth_services
from ...extensions import db
from ...pagination import Page, Sort, keyset_page
from ...permissions import ensure_builtin_roles
from ...tenancy import Membership, Organisation, Store, User
from ...timeutil import utcnow
from ._common import _CODE_RE, _USERNAME_RE, AdminError

ORG_SORT = Sort("编号", (Organisation.id,), desc=True)


def is_platform_admin() -> bool:
    """The platform permission counts only for a platform admin outside any organisation, even
    if an organisation's role lists it."""
    ctx = tenancy.current()
    if not ctx.can("platform.orgs") or ctx.org_id is not None or ctx.user_id is None:
        return False
    user = db.session.execute(select(User).where(User.id == ctx.user_id)).scalar_one_or_none()
    return user is not None and user.is_platform_admin and user.org_id is None


def _require_platform() -> None:
    if not is_platform_admin():
        abort(403)


def list_organisations(after: str | None = None, size: int = 50) -> Page:
    """Every organisation, newest first (platform admins only)."""
    _require_platform()
    return keyset_page(select(Organisation).options(selectinload(Organisation.stores)), ORG_SORT, after, size)


def get_organisation_or_404(organisation_id: int) -> Organisation:
    """An organisation by id for a platform admin (403 for anyone else, 404 when missing)."""
    _require_platform()
    org = db.session.execute(select(Organisation).where(Organisation.id == organisation_id)).scalar_one_or_none()
    if org is None:
        abort(404)
    return org


def create_organisation(data: dict[str, Any]) -> tuple[Organisation, User, str]:
    """Create a dealer group with its first store and first group admin (temporary password,
    to change at first sign-in). Raises AdminError (code or username taken)."""
    _require_platform()
    code = (data.get("code") or "").strip().lower()
    if not _CODE_RE.match(code):
        raise AdminError(_("编码需 2-40 位小写字母、数字或下划线，以字母开头。"), "code")
    if db.session.execute(select(Organisation.id).where(Organisation.code == code)).first():
        raise AdminError(_("编码已被使用。"), "code")
    name = (data.get("name") or "").strip()
    if not name:
        raise AdminError(_("请输入集团名称。"), "name")
    username = (data.get("admin_username") or "").strip().lower()
    if not _USERNAME_RE.match(username):
        raise AdminError(_("用户名需 3-80 位，由小写字母、数字和 . _ - 组成。"), "admin_username")
    if db.session.execute(select(User.id).where(func.lower(User.username) == username)).first():
        raise AdminError(_("用户名已被使用。"), "admin_username")
    admin_name = (data.get("admin_name") or "").strip()
    if not admin_name:
        raise AdminError(_("请输入姓名。"), "admin_name")
    store_code = (data.get("store_code") or "").strip().upper()
    store_name = (data.get("store_name") or "").strip()
    if not store_code:
        raise AdminError(_("请输入门店编码。"), "store_code")
    if not store_name:
        raise AdminError(_("请输入门店名称。"), "store_name")
    org = Organisation(code=code, name=name, is_active=True)
    db.session.add(org)
    db.session.flush()
    store = Store(
        org_id=org.id,
        code=store_code,
        name=store_name,
        city=(data.get("store_city") or "").strip(),
        brands=(data.get("store_brands") or "").strip(),
        settings={},
    )
    db.session.add(store)
    password = secrets.token_urlsafe(6) + "7a"
    user = User(
        org_id=org.id,
        username=username,
        name=admin_name,
        password_hash=auth_services.hash_password(password),
        must_change_password=True,
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(
        Membership(org_id=org.id, user_id=user.id, store_id=None, role_id=ensure_builtin_roles()["group_admin"].id)
    )
    db.session.flush()
    audit.record("create", org, org_id=org.id, after=audit.snapshot(org), summary=name)
    audit.record("create", store, org_id=org.id, store_id=store.id, after=audit.snapshot(store), summary=store_name)
    audit.record("create", user, org_id=org.id, after=audit.snapshot(user), summary=username)
    return org, user, password


def set_organisation_active(organisation_id: int, active: bool) -> Organisation:
    """Suspend or restore a dealer group: its users cannot sign in while it is inactive."""
    org = get_organisation_or_404(organisation_id)
    before = audit.snapshot(org)
    org.is_active = active
    db.session.flush()
    audit.record(
        "activate" if active else "deactivate",
        org,
        org_id=org.id,
        before=before,
        after=audit.snapshot(org),
        summary=org.name,
    )
    return org
