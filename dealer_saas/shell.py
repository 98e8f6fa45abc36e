"""The per-request shell: who is signed in, which store is active, what they may do, and
what the header and menus show.

The active store lives in the session and is checked against the user's memberships on
every request; group roles may choose "all stores" (a read-only roll-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from . import registry, tenancy
from .extensions import db, login_manager
from .registry import MenuEntry
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
    reads what ``_load_user`` loaded in its one statement (the memberships with their roles
    and stores, and for a group role the organisation's stores)."""
    if user.is_platform_admin and user.org_id is None:
        return Access()
    organisation = user.organisation
    # ``organisation.stores`` is loaded for group roles only (see ``_load_user``)
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
            store = m.store if m.store is not None and m.store.org_id == user.org_id else None  # never another org's
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


#: the active store comes from the tenancy core (kept under this name for the templates)
active_store = tenancy.current_store


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
                # every store of the organisation only for a group role (a membership without
                # a store); a store user's stores come with their memberships: 1 row instead
                # of one per store of the group (51 in the benchmark, ~2 ms per request)
                joinedload(User.organisation).joinedload(
                    Organisation.stores.and_(
                        sa.exists().where(Membership.user_id == user_id, Membership.store_id.is_(None))
                    )
                ),
                joinedload(User.memberships).joinedload(Membership.role),
                joinedload(User.memberships).joinedload(Membership.store),
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
    for key in ("_login_user", "rollback_only", "after_commit", "access", "_flask_babel", "_store_tz", "_store_names"):
        g.pop(key, None)
    g.tenant_token = None
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    g.access = load_access(current_user)
    choice = session.get("store_id")
    if choice is None and g.access.can_rollup:
        choice = ALL_STORES  # a group role starts on the roll-up of its stores after sign-in
    ctx = context_for_request(current_user, g.access, choice)
    # written only when it changes: an unchanged session is not signed and sent again
    if ctx.store_id is not None:
        if choice != ctx.store_id:
            session["store_id"] = ctx.store_id
    elif ctx.is_rollup and ctx.store_ids:
        if session.get("store_id") != ALL_STORES:
            session["store_id"] = ALL_STORES
    g.tenant_token = tenancy.set_context(ctx)


def _leave_request_context(exc: BaseException | None) -> None:
    token = g.pop("tenant_token", None)
    if token is not None:
        tenancy.reset_context(token)


# --------------------------------------------------------------------------- navigation


def visible_navigation(app: Flask) -> list[MenuEntry]:
    """The menu every module declared (``registry``), filtered by the active role."""
    ctx = tenancy.maybe_current()
    if ctx is None:
        return []
    endpoints = app.view_functions
    return [item for item in registry.menu() if item.endpoint in endpoints and ctx.can(item.permission)]


@dataclass(frozen=True)
class MenuGroup:
    """One place in the menu bar: a single entry, or a section's entries in one drop-down."""

    label: Any
    entries: tuple[MenuEntry, ...]

    @property
    def is_dropdown(self) -> bool:
        return self.label is not None and len(self.entries) > 1


#: places in the desktop menu bar that fit at 1280 px beside the store switcher, the bell and
#: the user menu; past this, pinned entries go back into their section's drop-down
MAX_MENU_PLACES = 8


def _groups(entries: list[MenuEntry], pinned: set[int]) -> list[MenuGroup]:
    groups: list[tuple[Any, list[MenuEntry]]] = []
    by_section: dict[str, list[MenuEntry]] = {}
    for n, entry in enumerate(entries):
        if n in pinned or not entry.section:
            groups.append((None, [entry]))
            continue
        key = str(entry.section)
        if key not in by_section:
            by_section[key] = []
            groups.append((entry.section, by_section[key]))
        by_section[key].append(entry)
    return [MenuGroup(label if len(items) > 1 else None, tuple(items)) for label, items in groups]


def menu_groups(entries: list[MenuEntry]) -> list[MenuGroup]:
    """The menu bar: pinned entries and entries without a section stand alone; the rest of a
    section share one drop-down, placed where its first entry is. A role with many modules
    (a store manager) would overflow the bar, so pinned entries fold back into their
    sections, last first, until it has at most ``MAX_MENU_PLACES`` places. On a phone the
    same groups show as headed lists in the off-canvas menu."""
    pinned = [n for n, entry in enumerate(entries) if entry.pinned and entry.section]
    groups = _groups(entries, set(pinned))
    while len(groups) > MAX_MENU_PLACES and pinned:
        pinned.pop()
        groups = _groups(entries, set(pinned))
    return groups


#: distinct menus kept per app (one per permission set, scope and language: a handful)
_MENU_CACHE_SIZE = 256


def _translated(entry: MenuEntry) -> MenuEntry:
    return replace(entry, label=str(entry.label), section=str(entry.section) if entry.section else "")


def shell_menu(
    app: Flask, ctx: TenantContext | None
) -> tuple[list[MenuEntry], list[MenuGroup], list[MenuEntry], dict[str, str]]:
    """The menu entries, the menu bar's groups and the phone's tab bar for the request's
    role. They depend only on the permissions, the scope (the roll-up hides write entries'
    tabs) and the language, so they are built once per such key and kept on the app, the
    labels translated into plain strings; a request only marks its active entry (in the
    template). Nothing is kept while the modules are still being collected."""
    if ctx is None:
        return [], [], [], {}
    key = (ctx.permissions, ctx.group_permissions, ctx.is_system, ctx.is_rollup, str(get_locale()), request.script_root)
    cache: dict[tuple, tuple] = app.extensions.setdefault("shell_menu", {})
    found = cache.get(key)
    if found is not None:
        return found
    navigation = [_translated(entry) for entry in visible_navigation(app)]
    tabs = [
        _translated(t) for t in registry.tabs() if t.endpoint in app.view_functions and can_in_view(ctx, t.permission)
    ]
    tabs = tabs if len(tabs) > 1 else []
    # each entry's address, built once too (url_for per entry and request was a tenth of a page)
    urls = {entry.endpoint: url_for(entry.endpoint) for entry in (*navigation, *tabs)}
    found = (navigation, menu_groups(navigation), tabs, urls)
    if registry.collect():
        if len(cache) >= _MENU_CACHE_SIZE:
            cache.clear()
        cache[key] = found
    return found


def can_in_view(ctx: TenantContext | None, permission: str) -> bool:
    """What the templates ask before showing a control: the role holds the permission, and in
    the read-only roll-up only permissions that change nothing count, so no write control is
    shown there at all (it would be refused after the user filled it in)."""
    if ctx is None or not ctx.can(permission):
        return False
    return not ctx.is_rollup or permission in registry.read_permissions()


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
        if current_user.is_authenticated:
            navigation, groups, tabs, urls = shell_menu(app, ctx)
        else:
            navigation, groups, tabs, urls = [], [], [], {}
        stores = {store.id: store for store in access.stores} if access else {}
        return {
            "tenant": ctx,
            "access": access,
            "active_store": active_store(),
            "navigation": navigation,
            "menu_groups": groups,
            "tabs": tabs,
            "menu_urls": urls,
            "can": (lambda permission: can_in_view(ctx, permission)),
            "store_name_of": (lambda row: stores[row.store_id].name if row.store_id in stores else ""),
            "ALL_STORES": ALL_STORES,
            "url_map_endpoints": app.view_functions,
        }

    from . import formatting

    formatting.init_app(app)
    app.jinja_env.globals["rollup_store"] = rollup_store


def rollup_store(row: Any) -> Markup:
    """In the read-only roll-up, the store a list row belongs to (a badge); nothing otherwise.
    The names come from the stores the shell loaded for the request: no query per row."""
    ctx = tenancy.maybe_current()
    access = g.get("access")
    if ctx is None or not ctx.is_rollup or access is None:
        return Markup("")
    names = g.get("_store_names")
    if names is None or names[0] is not access:
        names = g._store_names = (access, {store.id: store.name for store in access.stores})
    name = names[1].get(getattr(row, "store_id", None), "")
    return Markup('<span class="badge text-bg-secondary fw-normal" data-testid="row-store">{}</span>').format(name)
