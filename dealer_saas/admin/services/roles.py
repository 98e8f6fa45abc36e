"""Roles: the built-in roles (read-only) and the organisation's own, defined by group admins
from the grantable permissions (never the platform's).
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, permissions
from ...extensions import db
from ...permissions import ensure_builtin_roles
from ...tenancy import Role
from ._common import _CODE_RE, AdminError, _org_id, grantable_permissions, org_wide


def list_roles() -> tuple[list[Role], list[Role]]:
    """(built-in roles, the organisation's own roles)."""
    ensure_builtin_roles()
    builtin = db.session.execute(select(Role).where(Role.org_id.is_(None)).order_by(Role.id)).scalars().all()
    own = db.session.execute(select(Role).where(Role.org_id == _org_id()).order_by(Role.code)).scalars().all()
    order = list(permissions.ROLE_CODES)
    builtin = sorted(builtin, key=lambda r: order.index(r.code) if r.code in order else len(order))
    return list(builtin), list(own)


def get_role_or_404(role_id: int) -> Role:
    """A built-in role (read-only) or one of the organisation's roles; the organisation's roles
    are managed by group admins only, so a store-level holder gets 404 for them."""
    role = db.session.execute(select(Role).where(Role.id == role_id)).scalar_one_or_none()
    if role is None or (role.org_id is not None and (role.org_id != _org_id() or not org_wide("admin.roles"))):
        abort(404)
    return role


def _clean_role(data: dict[str, Any]) -> tuple[str, list[str]]:
    name = (data.get("name") or "").strip()
    if not name:
        raise AdminError(_("请输入角色名称。"), "name")
    chosen = sorted(set(data.get("permissions") or ()))
    unknown = set(chosen) - grantable_permissions()
    if unknown:
        raise AdminError(_("未知的权限。"), "permissions")
    if not chosen:
        raise AdminError(_("请至少选择一项权限。"), "permissions")
    return name, chosen


def create_role(data: dict[str, Any]) -> Role:
    """A group admin defines a role of their organisation. Raises AdminError (code taken)."""
    if not org_wide("admin.roles"):
        raise AdminError(_("只有集团管理员可以管理角色。"))
    code = (data.get("code") or "").strip().lower()
    if not _CODE_RE.match(code):
        raise AdminError(_("编码需 2-40 位小写字母、数字或下划线，以字母开头。"), "code")
    org_id = _org_id()
    if (
        code in permissions.ROLE_CODES
        or db.session.execute(select(Role.id).where(Role.org_id == org_id, Role.code == code)).first()
    ):
        raise AdminError(_("编码已被使用。"), "code")
    name, chosen = _clean_role(data)
    role = Role(
        org_id=org_id,
        code=code,
        name=name,
        is_group_role=bool(data.get("is_group_role")),
        is_builtin=False,
        permissions=chosen,
    )
    db.session.add(role)
    db.session.flush()
    audit.record("create", role, org_id=org_id, store_id=None, after=audit.snapshot(role), summary=code)
    return role


def update_role(role_id: int, data: dict[str, Any]) -> Role:
    """Edit an organisation role's name and permissions; built-in roles are read-only. Raises AdminError."""
    role = get_role_or_404(role_id)
    if role.org_id is None:
        raise AdminError(_("内置角色不能修改。"))
    name, chosen = _clean_role(data)
    before = audit.snapshot(role)
    role.name, role.permissions = name, chosen
    db.session.flush()
    audit.record(
        "update", role, org_id=role.org_id, store_id=None, before=before, after=audit.snapshot(role), summary=role.code
    )
    return role


def permission_groups() -> list[tuple[str, list[tuple[str, Any]]]]:
    """Grantable permissions grouped by their module prefix, in declaration order."""
    grantable = grantable_permissions()
    groups: dict[str, list[tuple[str, Any]]] = {}
    for name, label in permissions.permission_labels().items():
        if name in grantable:
            groups.setdefault(name.split(".")[0], []).append((name, label))
    return list(groups.items())
