"""The per-request shell: who is signed in, which store is active, what they may do, and
what the header and menus show.

The active store lives in the session and is checked against the user's memberships on
every request; group roles may choose "all stores" (a read-only roll-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import tenancy
from .extensions import db, login_manager
from .tenancy import Membership, Store, TenantContext, User

ALL_STORES = "all"


@dataclass
class Access:
    """What the signed-in user may reach: stores, and permissions per store."""

    stores: list[Store] = field(default_factory=list)
    per_store: dict[int, frozenset[str]] = field(default_factory=dict)
    group_permissions: frozenset[str] = frozenset()

    @property
    def can_rollup(self) -> bool:
        return "reports.group" in self.group_permissions and len(self.stores) > 1


def load_access(user: User) -> Access:
    """Stores and permissions from the user's memberships. Issues no query of its own: it
    reads what ``_load_user`` loaded in its one statement (the memberships with their roles,
    and the organisation with its stores, of which every membership's store is one)."""
    if user.is_platform_admin and user.org_id is None:
        return Access()
    organisation = user.organisation
    org_stores = {s.id: s for s in organisation.stores} if organisation is not None else {}
    group_perms: set[str] = set()
    per_store: dict[int, set[str]] = {}
    stores: dict[int, Store] = {}
    for m in user.memberships:
        if m.org_id != user.org_id:
            continue  # never trust a membership that points outside the user's organisation
        if m.store_id is None:
            group_perms |= m.role.permission_set
        else:
            store = org_stores.get(m.store_id)  # a store of another organisation is not there
            if store is not None and store.is_active:
                per_store.setdefault(m.store_id, set()).update(m.role.permission_set)
                stores[m.store_id] = store
    if group_perms:
        for store in org_stores.values():
            if store.is_active:
                stores[store.id] = store
                per_store.setdefault(store.id, set()).update(group_perms)
    ordered = sorted(stores.values(), key=lambda s: (s.code, s.id))
    return Access(
        stores=ordered,
        per_store={k: frozenset(v) for k, v in per_store.items()},
        group_permissions=frozenset(group_perms),
    )


def context_for_request(user: User, access: Access, choice: Any) -> TenantContext:
    ip = request.remote_addr
    if user.is_platform_admin and user.org_id is None:
        return TenantContext(
            org_id=None, store_id=None, user_id=user.id, ip=ip, permissions=frozenset({"platform.orgs"})
        )
    if choice == ALL_STORES and access.can_rollup:
        return TenantContext(
            org_id=user.org_id,
            store_id=None,
            store_ids=tuple(s.id for s in access.stores),
            user_id=user.id,
            ip=ip,
            permissions=access.group_permissions,
            group_permissions=access.group_permissions,
        )
    store_ids = [s.id for s in access.stores]
    store_id = choice if choice in store_ids else (store_ids[0] if store_ids else None)
    if store_id is None:
        return TenantContext(
            org_id=user.org_id, store_id=None, store_ids=(), user_id=user.id, ip=ip, permissions=frozenset()
        )
    return TenantContext(
        org_id=user.org_id,
        store_id=store_id,
        store_ids=(store_id,),
        user_id=user.id,
        ip=ip,
        permissions=access.per_store[store_id],
        group_permissions=access.group_permissions,
    )


def active_store() -> Store | None:
    ctx = tenancy.maybe_current()
    if ctx is None or ctx.store_id is None:
        return None
    for store in getattr(g, "access", Access()).stores:
        if store.id == ctx.store_id:
            return store
    return None


@login_manager.user_loader
def _load_user(user_key: str) -> User | None:
    """The signed-in user, in ONE statement: the user, their server-side session record
    (which must exist and not be revoked), organisation with its stores, and memberships
    with their roles. ``load_access`` then needs no query."""
    from .auth import sessions
    from .auth.models import UserSession
    from .tenancy import Organisation

    try:
        user_id, stamp = (int(part) for part in user_key.split(":"))
    except ValueError:
        return None
    token = session.get(sessions.SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    row = (
        db.session.execute(
            select(User, UserSession)
            .join(
                UserSession,
                (UserSession.user_id == User.id)
                & (UserSession.token_hash == sessions.hash_token(token))
                & UserSession.revoked_at.is_(None),
            )
            .where(User.id == user_id)
            .options(
                joinedload(User.organisation).joinedload(Organisation.stores),
                joinedload(User.memberships).joinedload(Membership.role),
            )
            .execution_options(populate_existing=True)
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    user, record = row
    if not user.is_active or user.get_id() != f"{user_id}:{stamp}":
        return None
    if user.org_id is not None and (user.organisation is None or not user.organisation.is_active):
        return None
    sessions.touch(record)
    return user


def _enter_request_context() -> None:
    # An app context may outlive one request (tests push one around several): start clean.
    for key in ("_login_user", "rollback_only", "after_commit", "access", "_flask_babel"):
        g.pop(key, None)
    g.tenant_token = None
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    g.access = load_access(current_user)
    ctx = context_for_request(current_user, g.access, session.get("store_id"))
    if ctx.store_id is not None:
        session["store_id"] = ctx.store_id
    elif ctx.is_rollup and ctx.store_ids:
        session["store_id"] = ALL_STORES
    g.tenant_token = tenancy.set_context(ctx)


def _leave_request_context(exc: BaseException | None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        tenancy.reset_context(token)


# --------------------------------------------------------------------------- navigation


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    permission: str
    icon: str = ""
    section: Any = ""


#: the module menu, in order; an item shows when the active role has its permission
NAVIGATION: list[NavItem] = [
    NavItem("dashboard.index", _l("工作台"), "dashboard.view", "🏠"),
    NavItem("leads.my_day", _l("我的今天"), "cards.edit", "📋", _l("销售")),
    NavItem("leads.visit_board", _l("来店登记"), "visits.view", "🚶", _l("销售")),
    NavItem("customers.customer_list", _l("客户"), "customers.view", "👤", _l("销售")),
    NavItem("leads.card_list", _l("意向跟进"), "cards.view", "🔥", _l("销售")),
    NavItem("sales.test_drive_list", _l("试驾"), "sales.test_drive", "🚗", _l("销售")),
    NavItem("sales.quote_list", _l("报价"), "sales.quote", "🧾", _l("销售")),
    NavItem("sales.order_list", _l("订单"), "sales.view", "📑", _l("销售")),
    NavItem("inventory.stock_list", _l("整车库存"), "inventory.view", "🏭", _l("库存")),
    NavItem("messaging.outbox", _l("消息发件箱"), "messages.view", "✉️", _l("管理")),
    NavItem("admin.user_list", _l("用户"), "admin.users", "👥", _l("管理")),
    NavItem("admin.store_list", _l("门店"), "admin.stores", "🏬", _l("管理")),
    NavItem("admin.role_list", _l("角色"), "admin.roles", "🔑", _l("管理")),
    NavItem("admin.settings_current", _l("门店设置"), "sales.settings", "🛠️", _l("管理")),
    NavItem("admin.audit_list", _l("审计日志"), "admin.audit", "📜", _l("管理")),
    NavItem("jobs.run_list", _l("后台任务"), "admin.jobs", "⚙️", _l("管理")),
    NavItem("admin.org_list", _l("经销商集团"), "platform.orgs", "🏢", _l("平台")),
]


def visible_navigation(app: Flask) -> list[NavItem]:
    ctx = tenancy.maybe_current()
    if ctx is None:
        return []
    endpoints = app.view_functions
    return [item for item in NAVIGATION if item.endpoint in endpoints and ctx.can(item.permission)]


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.session_protection = "basic"
    app.before_request(_enter_request_context)
    app.teardown_request(_leave_request_context)

    @app.context_processor
    def shell_globals() -> dict[str, Any]:
        ctx = tenancy.maybe_current()
        access = g.get("access")
        return {
            "tenant": ctx,
            "access": access,
            "active_store": active_store(),
            "navigation": visible_navigation(app) if current_user.is_authenticated else [],
            "can": (lambda permission: ctx is not None and ctx.can(permission)),
            "ALL_STORES": ALL_STORES,
        }

    from . import formatting

    formatting.init_app(app)
