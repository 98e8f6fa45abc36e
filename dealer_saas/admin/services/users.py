"""Users and their memberships (roles per store): the users an admin manages, creating,
editing, deactivating a user, resetting a password, granting and taking away roles.

Users and memberships are not store-scoped rows: every loader applies the scope itself and
answers 404 for a row outside it. A store-level admin manages only accounts whose every role
is in the active store, and grants only store roles whose permissions they hold.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from ... import audit, tenancy
from ...auth import services as auth_services
from ...auth import sessions as auth_sessions
from ...extensions import db
from ...pagination import Page, Sort, keyset_page
from ...permissions import ensure_builtin_roles
from ...tenancy import Membership, Role, Store, User
from ...timeutil import utcnow
from ...validation import InvalidValue, normalise_mobile
from ._common import _USERNAME_RE, AdminError, _org_id, org_wide

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
    if not active:
        auth_sessions.revoke_all(user.id)  # every signed-in browser of the user ends now
    db.session.flush()
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


def frozen_users(limit: int = 20) -> list[User]:
    """Accounts in scope frozen by the customer-record threshold (the banner on the user
    list), most recently frozen first."""
    stmt = _users_stmt().where(User.frozen_at.isnot(None)).order_by(User.frozen_at.desc(), User.id).limit(limit)
    return list(db.session.execute(stmt).scalars())


def unfreeze_user(user_id: int) -> User:
    """Lift a freeze of the customer-record threshold (``customers.services.pii``); the opens
    before now do not count again. Audit-logged. Raises AdminError."""
    user = get_user_or_404(user_id)
    _check_account_manageable(user)
    if user.frozen_at is None:
        raise AdminError(_("该账号未被冻结。"))
    before = audit.snapshot(user, ["frozen_at", "frozen_reason"])
    user.frozen_at = None
    user.frozen_reason = None
    db.session.flush()
    audit.record(
        "unfreeze",
        user,
        org_id=user.org_id,
        store_id=tenancy.current().store_id,
        before=before,
        after=audit.snapshot(user, ["frozen_at", "frozen_reason"]),
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
