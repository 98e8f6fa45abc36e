"""Administration rules: stores and their settings, users and memberships, roles,
organisations (platform) and reading the audit log.

Stores, users, memberships and roles are not store-scoped rows, so the tenancy core does not
filter them: every loader here applies the scope itself and answers 404 for a row outside it.
Scope: a holder of a permission in a *group* role (``ctx.group_permissions``) acts on the
whole organisation; a store-level holder acts on the active store only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from .. import audit, settings, tenancy
from ..audit import AuditLog
from ..auth import services as auth_services
from ..auth import sessions as auth_sessions
from ..extensions import db
from ..formatting import mask_phone
from ..pagination import Page, Sort, keyset_page
from ..permissions import ALL_PERMISSIONS, BUILTIN_ROLES, ensure_builtin_roles
from ..tenancy import Membership, Organisation, Role, Store, User
from ..timeutil import utcnow
from ..validation import InvalidValue, normalise_mobile


class AdminError(Exception):
    """A refused administration change; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


#: permissions an organisation's own role may hold (never the platform's)
GRANTABLE_PERMISSIONS = frozenset(ALL_PERMISSIONS - {"platform.orgs"})
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")


def org_wide(permission: str) -> bool:
    """Whether the current user holds ``permission`` for the whole organisation."""
    return permission in tenancy.current().group_permissions


def _org_id() -> int:
    ctx = tenancy.current()
    if ctx.org_id is None:
        abort(404)
    return ctx.org_id


# --------------------------------------------------------------------------- stores

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


def store_settings_values(store: Store) -> dict[str, Any]:
    """The effective settings of a store, flat, for the settings form."""
    days = settings.callback_days(store)
    sales_manager, store_manager = settings.approval_thresholds(store)
    values: dict[str, Any] = {f"callback_{level.lower()}": days[level] for level in settings.LEVELS}
    values.update(
        threshold_sales_manager=sales_manager,
        threshold_store_manager=store_manager,
        default_deposit=settings.default_deposit(store),
    )
    return values


def _decimal(value: Any, field: str) -> Decimal:
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise AdminError(_("请输入数字。"), field) from None
    if not result.is_finite() or result < 0:
        raise AdminError(_("不能为负数。"), field)
    return result


def update_store_settings(store_id: int, data: dict[str, Any]) -> Store:
    """Save call-back days per level, discount approval thresholds (sales manager below store
    manager, 0-100 %) and the default deposit. Raises AdminError naming the field."""
    store = get_store_or_404(store_id)
    days: dict[str, int] = {}
    for level in settings.LEVELS:
        key = f"callback_{level.lower()}"
        try:
            value = int(data.get(key))
        except (TypeError, ValueError):
            raise AdminError(_("请输入天数。"), key) from None
        if not 0 <= value <= 365:
            raise AdminError(_("天数需在 0 到 365 之间。"), key)
        days[level] = value
    sales_manager = _decimal(data.get("threshold_sales_manager"), "threshold_sales_manager")
    store_manager = _decimal(data.get("threshold_store_manager"), "threshold_store_manager")
    if sales_manager > 100:
        raise AdminError(_("折扣比例不能超过 100%。"), "threshold_sales_manager")
    if store_manager > 100:
        raise AdminError(_("折扣比例不能超过 100%。"), "threshold_store_manager")
    if store_manager < sales_manager:
        raise AdminError(_("总经理审批线不能低于销售经理审批线。"), "threshold_store_manager")
    deposit = _decimal(data.get("default_deposit"), "default_deposit")
    if deposit > Decimal("10000000"):
        raise AdminError(_("金额过大。"), "default_deposit")
    before = dict(store.settings or {})
    new = dict(before)
    new["callback_days"] = days
    new["approval_thresholds"] = {
        "sales_manager": str(sales_manager.normalize()),
        "store_manager": str(store_manager.normalize()),
    }
    new["default_deposit"] = str(deposit.quantize(Decimal("0.01")))
    store.settings = new  # a new dict, so the JSON column is seen as changed
    db.session.flush()
    audit.record(
        "update_settings", store, org_id=store.org_id, store_id=store.id, before=before, after=new, summary=store.name
    )
    return store


# --------------------------------------------------------------------------- users

USER_SORTS = {"username": Sort("用户名", (User.username, User.id))}


def _users_stmt() -> sa.Select:
    ctx = tenancy.current()
    stmt = select(User).where(User.org_id == _org_id())
    if not org_wide("admin.users"):
        in_store = select(Membership.id).where(
            Membership.user_id == User.id, Membership.store_id == (ctx.store_id or -1)
        )
        stmt = stmt.where(in_store.exists())
    return stmt


def list_users(q: str = "", after: str | None = None, size: int = 25, show_inactive: bool = True) -> Page:
    """Users in scope, searched by username, name or phone, by username (keyset pages)."""
    stmt = _users_stmt().options(
        selectinload(User.memberships).joinedload(Membership.role),
        selectinload(User.memberships).joinedload(Membership.store),
    )
    q = (q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(func.lower(User.username).like(like), User.name.like(f"%{q}%"), User.phone.like(f"%{q}%"))
        )
    if not show_inactive:
        stmt = stmt.where(User.is_active.is_(True))
    return keyset_page(stmt, USER_SORTS["username"], after, size)


def get_user_or_404(user_id: int) -> User:
    """A user in scope: same organisation, and for a store-level admin a member of the active store."""
    user = db.session.execute(_users_stmt().where(User.id == user_id)).scalar_one_or_none()
    if user is None:
        abort(404)
    return user


def can_manage_roles(user: User) -> bool:
    """Whether the current admin may grant or take away roles of ``user`` (in the active store,
    for a store-level admin): never of someone who holds power over the whole group, unless
    the admin is a group admin."""
    return org_wide("admin.users") or all(m.store_id is not None for m in user.memberships)


def can_manage_account(user: User) -> bool:
    """Whether the current admin may edit, deactivate or reset the password of ``user``: a group
    admin anyone of the organisation, a store-level admin only users whose every role is in the
    active store. The account is the same in every store, so otherwise store A1's manager could
    take over the manager of store A2 who also helps out in A1."""
    store_id = tenancy.current().store_id
    return org_wide("admin.users") or all(m.store_id is not None and m.store_id == store_id for m in user.memberships)


def _check_roles_manageable(user: User) -> None:
    if not can_manage_roles(user):
        raise AdminError(_("该用户拥有集团级角色，只有集团管理员可以修改。"))


def _check_account_manageable(user: User) -> None:
    _check_roles_manageable(user)
    if not can_manage_account(user):
        raise AdminError(_("该用户在其他门店也有角色，只有集团管理员可以修改其账号。"))


def grantable_roles() -> list[Role]:
    """Roles the current user may hand out: all of the organisation's (group admin), or store
    roles whose permissions the store-level admin holds themselves."""
    ctx = tenancy.current()
    ensure_builtin_roles()
    roles = (
        db.session.execute(
            select(Role)
            .where(or_(Role.org_id.is_(None), Role.org_id == _org_id()))
            .order_by(Role.org_id.is_not(None), Role.id)
        )
        .scalars()
        .all()
    )
    if org_wide("admin.users"):
        return list(roles)
    return [r for r in roles if not r.is_group_role and r.permission_set <= ctx.permissions]


def grantable_stores() -> list[Store]:
    """Stores a membership may be given for: the organisation's (group admin) or the active store."""
    ctx = tenancy.current()
    stmt = select(Store).where(Store.org_id == _org_id()).order_by(Store.code)
    if not org_wide("admin.users"):
        stmt = stmt.where(Store.id == (ctx.store_id or -1))
    return list(db.session.execute(stmt).scalars())


def _clean_user_fields(data: dict[str, Any]) -> dict[str, str]:
    name = (data.get("name") or "").strip()
    if not name:
        raise AdminError(_("请输入姓名。"), "name")
    phone = (data.get("phone") or "").strip()
    if phone:
        try:
            phone = normalise_mobile(phone)
        except InvalidValue as error:
            raise AdminError(str(error), "phone") from None
    email = (data.get("email") or "").strip().lower()
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise AdminError(_("邮箱格式不正确。"), "email")
    return {"name": name, "phone": phone, "email": email}


def _check_membership(store_id: int | None, role_id: int) -> tuple[Store | None, Role]:
    role = next((r for r in grantable_roles() if r.id == role_id), None)
    if role is None:
        raise AdminError(_("您不能授予该角色。"), "role_id")
    if role.is_group_role:
        if store_id is not None:
            raise AdminError(_("集团级角色适用于全部门店，请选择“全部门店”。"), "store_id")
        return None, role
    if store_id is None:
        raise AdminError(_("请选择门店。"), "store_id")
    store = next((s for s in grantable_stores() if s.id == store_id), None)
    if store is None:
        raise AdminError(_("您不能在该门店授予角色。"), "store_id")
    return store, role


def create_user(data: dict[str, Any]) -> tuple[User, str]:
    """Create a user of the organisation with a first membership; returns the user and the
    initial password to show once (generated when none was given). Raises AdminError."""
    username = (data.get("username") or "").strip().lower()
    if not _USERNAME_RE.match(username):
        raise AdminError(_("用户名需 3-80 位，由小写字母、数字和 . _ - 组成。"), "username")
    if db.session.execute(select(User.id).where(func.lower(User.username) == username)).first():
        raise AdminError(_("用户名已被使用。"), "username")
    fields = _clean_user_fields(data)
    store, role = _check_membership(data.get("store_id"), data.get("role_id"))
    password = (data.get("password") or "").strip()
    generated = not password
    if generated:
        password = secrets.token_urlsafe(6) + "7a"
    try:
        auth_services.check_password_rules(password)
    except auth_services.PasswordRuleError as error:
        raise AdminError(str(error), "password") from None
    user = User(
        org_id=_org_id(),
        username=username,
        password_hash=auth_services.hash_password(password),
        must_change_password=True,
        password_changed_at=utcnow(),
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    membership = Membership(org_id=user.org_id, user_id=user.id, store_id=store.id if store else None, role_id=role.id)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "create", user, org_id=user.org_id, store_id=membership.store_id, after=audit.snapshot(user), summary=username
    )
    audit.record(
        "create",
        membership,
        org_id=user.org_id,
        store_id=membership.store_id,
        after=audit.snapshot(membership),
        summary=f"{username} {role.code}",
    )
    return user, password


def update_user(user_id: int, data: dict[str, Any]) -> User:
    """Edit a user's name, phone and email. Raises AdminError (a group-role holder, or for a
    store-level admin a user with a role in another store)."""
    user = get_user_or_404(user_id)
    _check_account_manageable(user)
    fields = _clean_user_fields(data)
    before = audit.snapshot(user)
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.flush()
    audit.record(
        "update",
        user,
        org_id=user.org_id,
        store_id=tenancy.current().store_id,
        before=before,
        after=audit.snapshot(user),
        summary=user.username,
    )
    return user


def set_user_active(user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) a user; nobody deactivates themselves, and a store-level admin
    only users of the active store alone. Raises AdminError."""
    user = get_user_or_404(user_id)
    _check_account_manageable(user)
    if not active and user.id == tenancy.current().user_id:
        raise AdminError(_("不能停用自己的账号。"))
    before = audit.snapshot(user)
    user.is_active = active
    db.session.flush()
    if not active:
        auth_sessions.revoke_all(user.id)  # every signed-in browser of the user ends now
    audit.record(
        "activate" if active else "deactivate",
        user,
        org_id=user.org_id,
        store_id=tenancy.current().store_id,
        before=before,
        after=audit.snapshot(user),
        summary=user.username,
    )
    return user


def reset_password(user_id: int) -> tuple[User, str]:
    """An admin resets a user's password: a temporary one, to change at the next sign-in. A
    store-level admin resets only users of the active store alone. Raises AdminError."""
    user = get_user_or_404(user_id)
    _check_account_manageable(user)
    return user, auth_services.reset_password_by_admin(user)


def add_membership(user_id: int, store_id: int | None, role_id: int) -> Membership:
    """Grant a role in a store, or org-wide for a group role (group admins only). A store-level
    admin grants roles of the active store, also to a user who works in another store too: that
    touches only their own store. Raises AdminError."""
    user = get_user_or_404(user_id)
    _check_roles_manageable(user)
    store, role = _check_membership(store_id, role_id)
    store_clause = Membership.store_id == store.id if store else Membership.store_id.is_(None)
    if db.session.execute(
        select(Membership.id).where(Membership.user_id == user.id, Membership.role_id == role.id, store_clause)
    ).first():
        raise AdminError(_("该用户已拥有此角色。"), "role_id")
    membership = Membership(org_id=user.org_id, user_id=user.id, store_id=store.id if store else None, role_id=role.id)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "create",
        membership,
        org_id=user.org_id,
        store_id=membership.store_id,
        after=audit.snapshot(membership),
        summary=f"{user.username} {role.code}",
    )
    return membership


def get_membership_or_404(membership_id: int) -> Membership:
    """A membership in scope: the organisation's, and for a store-level admin the active store's."""
    ctx = tenancy.current()
    stmt = select(Membership).where(Membership.id == membership_id, Membership.org_id == _org_id())
    if not org_wide("admin.users"):
        stmt = stmt.where(Membership.store_id == (ctx.store_id or -1))
    membership = db.session.execute(stmt).scalar_one_or_none()
    if membership is None:
        abort(404)
    return membership


def remove_membership(membership_id: int) -> User:
    """Take a role away; nobody removes their own last membership that lets them manage users,
    and a store-level admin cannot remove a role they could not grant. Raises AdminError."""
    ctx = tenancy.current()
    membership = get_membership_or_404(membership_id)
    user = membership.user
    _check_roles_manageable(user)
    if not org_wide("admin.users") and membership.role not in grantable_roles():
        raise AdminError(_("您不能移除该角色。"))
    if user.id == ctx.user_id and "admin.users" in membership.role.permission_set:
        others = [m for m in user.memberships if m.id != membership.id and "admin.users" in m.role.permission_set]
        if not others:
            raise AdminError(_("不能移除自己最后一个具有用户管理权限的角色。"))
    before = audit.snapshot(membership)
    db.session.delete(membership)
    db.session.flush()
    audit.record(
        "delete",
        "memberships",
        membership_id,
        org_id=user.org_id,
        store_id=before["store_id"],
        before=before,
        summary=f"{user.username} {membership.role.code}",
    )
    return user


# --------------------------------------------------------------------------- roles


def list_roles() -> tuple[list[Role], list[Role]]:
    """(built-in roles, the organisation's own roles)."""
    ensure_builtin_roles()
    builtin = db.session.execute(select(Role).where(Role.org_id.is_(None)).order_by(Role.id)).scalars().all()
    own = db.session.execute(select(Role).where(Role.org_id == _org_id()).order_by(Role.code)).scalars().all()
    order = list(BUILTIN_ROLES)
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
    permissions = sorted(set(data.get("permissions") or ()))
    unknown = set(permissions) - GRANTABLE_PERMISSIONS
    if unknown:
        raise AdminError(_("未知的权限。"), "permissions")
    if not permissions:
        raise AdminError(_("请至少选择一项权限。"), "permissions")
    return name, permissions


def create_role(data: dict[str, Any]) -> Role:
    """A group admin defines a role of their organisation. Raises AdminError (code taken)."""
    if not org_wide("admin.roles"):
        raise AdminError(_("只有集团管理员可以管理角色。"))
    code = (data.get("code") or "").strip().lower()
    if not _CODE_RE.match(code):
        raise AdminError(_("编码需 2-40 位小写字母、数字或下划线，以字母开头。"), "code")
    org_id = _org_id()
    if (
        code in BUILTIN_ROLES
        or db.session.execute(select(Role.id).where(Role.org_id == org_id, Role.code == code)).first()
    ):
        raise AdminError(_("编码已被使用。"), "code")
    name, permissions = _clean_role(data)
    role = Role(
        org_id=org_id,
        code=code,
        name=name,
        is_group_role=bool(data.get("is_group_role")),
        is_builtin=False,
        permissions=permissions,
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
    name, permissions = _clean_role(data)
    before = audit.snapshot(role)
    role.name, role.permissions = name, permissions
    db.session.flush()
    audit.record(
        "update", role, org_id=role.org_id, store_id=None, before=before, after=audit.snapshot(role), summary=role.code
    )
    return role


def permission_groups() -> list[tuple[str, list[tuple[str, Any]]]]:
    """Grantable permissions grouped by their module prefix, in declaration order."""
    from ..permissions import PERMISSION_LABELS

    groups: dict[str, list[tuple[str, Any]]] = {}
    for name, label in PERMISSION_LABELS.items():
        if name in GRANTABLE_PERMISSIONS:
            groups.setdefault(name.split(".")[0], []).append((name, label))
    return list(groups.items())


# --------------------------------------------------------------------------- organisations (platform)

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


# --------------------------------------------------------------------------- audit log

AUDIT_SORT = Sort("时间", (AuditLog.at, AuditLog.id), desc=True)
#: filters offered on the audit page (name -> how it narrows the query); anything else is ignored
AUDIT_FILTERS = ("entity", "action", "user_id", "entity_id", "date_from", "date_to")


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
            stmt = stmt.where(column == int(raw))
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
