"""The per-request shell: who is signed in, which store is active, what they may do, and
what the header and menus show.

The active store lives in the session and is checked against the user's memberships on
every request; group roles may choose "all stores" (a read-only roll-up).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from . import registry, tenancy
from .extensions import db, login_manager, plan_once
from .registry import MenuEntry
from .tenancy import Membership, Store, TenantContext, User

ALL_STORES = "all"


@dataclass(frozen=True)
class StoreRef:
    """A store as the shell keeps it for a signed-in user (the switcher, the roll-up's store
    badges, the store names of a list): immutable and detached from any database session,
    so one copy serves every request of every thread of a worker."""

    id: int
    org_id: int
    name: str
    code: str
    is_active: bool
    timezone: str


def _store_ref(store: Store) -> StoreRef:
    return StoreRef(store.id, store.org_id, store.name, store.code, bool(store.is_active), store.timezone)


@dataclass(frozen=True)
class Access:
    """What the signed-in user may reach: stores, and permissions per store. Immutable: the
    shell keeps one per user and worker (``_ACCESS_CACHE``) while its fingerprint holds."""

    stores: tuple[StoreRef, ...] = ()
    per_store: dict[int, frozenset[str]] = field(default_factory=dict)
    group_permissions: frozenset[str] = frozenset()
    #: the permissions of the user's own store memberships (group roles not included)
    member_permissions: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def can_rollup(self) -> bool:
        return "reports.group" in self.group_permissions and len(self.stores) > 1


def load_access(user: User) -> Access:
    """Stores and permissions from the user's memberships (ORM objects: the user's
    memberships with their roles and stores, and for a group role the organisation's stores,
    as ``_load_access_graph`` loads them in one statement)."""
    if user.is_platform_admin and user.org_id is None:
        return Access()
    organisation = user.organisation
    org_stores = {s.id: s for s in organisation.stores} if organisation is not None else {}
    group_perms: set[str] = set()
    per_store: dict[int, set[str]] = {}
    member: dict[int, set[str]] = {}
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
                member.setdefault(m.store_id, set()).update(m.role.permission_set)
                stores[m.store_id] = store
    if group_perms:
        for store in org_stores.values():
            if store.is_active:
                stores[store.id] = store
                per_store.setdefault(store.id, set()).update(group_perms)
    ordered = sorted(stores.values(), key=lambda s: (s.code, s.id))
    return Access(
        stores=tuple(_store_ref(s) for s in ordered),
        per_store={k: frozenset(v) for k, v in per_store.items()},
        group_permissions=frozenset(group_perms),
        member_permissions={k: frozenset(v) for k, v in member.items()},
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


# --------------------------------------------------------------------------- the signed-in user
#
# Per request the shell sends ONE small statement: the user's row (one ORM entity, for
# ``current_user``), their session record (exists, not revoked), the organisation's active
# flag, the active store's row (so ``tenancy.current_store()`` needs no query), and two
# fingerprints computed by the database: the user's memberships with their roles and stores,
# and for a group role the organisation's stores (every column ``Access`` is built from).
# ``Access`` is kept per worker process (``_ACCESS_CACHE``) under the user and those
# fingerprints, so any change to a membership, a role's permissions, a store (active flag,
# name, code, time zone) or the organisation is seen by the very next request in every
# process without a version column: the fingerprint differs, the entry is not found and the
# graph is loaded again (a second statement, once). A password change, a revocation, a
# deactivation or a freeze are in the user's and the session's rows, read every request.

#: users whose ``Access`` a worker process keeps (least recently used dropped first)
ACCESS_CACHE_SIZE = 4096
_SEP = "\x1f"  # between columns of a fingerprint row
_ROW_SEP = "\x1e"  # between rows


class _AccessCache:
    """A bounded, thread-safe LRU of ``Access`` per (user, fingerprints)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[int, tuple[tuple, Access]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: int, key: tuple) -> Access | None:
        with self._lock:
            found = self._items.get(user_id)
            if found is None or found[0] != key:
                return None
            self._items.move_to_end(user_id)
            return found[1]

    def put(self, user_id: int, key: tuple, access: Access) -> None:
        with self._lock:
            self._items[user_id] = (key, access)
            self._items.move_to_end(user_id)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_ACCESS_CACHE = _AccessCache(ACCESS_CACHE_SIZE)


def _text(column: Any) -> Any:
    return sa.func.coalesce(sa.cast(column, sa.Text), "")


def _row(*columns: Any) -> Any:
    """The columns as one text, ``_SEP`` between them (a fingerprint row)."""
    row = _text(columns[0])
    for column in columns[1:]:
        row = row + _SEP + _text(column)
    return row


def _fingerprints(user_id: Any) -> tuple[Any, Any]:
    """Two scalar subqueries: every column ``load_access`` reads, as one string each."""
    from .tenancy import Role

    m, r, st = aliased(Membership), aliased(Role), aliased(Store)
    membership_row = _row(
        m.id,
        m.org_id,
        m.store_id,
        r.id,
        r.code,
        r.is_builtin,
        r.permissions,
        st.org_id,
        st.name,
        st.code,
        st.is_active,
        st.timezone,
    )
    rows = (
        select(membership_row.label("t"))
        .select_from(m)
        .join(r, r.id == m.role_id)
        .outerjoin(st, st.id == m.store_id)
        .where(m.user_id == user_id)
        .order_by(m.id)
        .subquery()
    )
    memberships = select(sa.func.aggregate_strings(rows.c.t, _ROW_SEP)).scalar_subquery()
    gs = aliased(Store)
    store_row = _row(gs.id, gs.name, gs.code, gs.is_active, gs.timezone)
    group_rows = (
        select(store_row.label("t"))
        .where(
            gs.org_id == select(User.org_id).where(User.id == user_id).scalar_subquery(),
            sa.exists().where(Membership.user_id == user_id, Membership.store_id.is_(None)),
        )
        .order_by(gs.id)
        .subquery()
    )
    group_stores = select(sa.func.aggregate_strings(group_rows.c.t, _ROW_SEP)).scalar_subquery()
    return memberships, group_stores


def _load_access_graph(user: User) -> Access:
    """On a cache miss: the memberships with roles and stores (and a group role's
    organisation stores) in one statement, then ``load_access``."""
    from .tenancy import Organisation

    db.session.execute(
        select(User)
        .where(User.id == user.id)
        .options(
            joinedload(User.organisation).joinedload(
                Organisation.stores.and_(
                    sa.exists().where(Membership.user_id == user.id, Membership.store_id.is_(None))
                )
            ),
            joinedload(User.memberships).joinedload(Membership.role),
            joinedload(User.memberships).joinedload(Membership.store),
        )
        .execution_options(populate_existing=True)
    ).unique().first()
    return load_access(user)


_VALIDATING_STATEMENT: list[Any] = []


def _validating_statement() -> Any:
    """The loader's statement, built once per process (building it was a tenth of a
    request): the user id, the token's hash and the stores to load are bound parameters.
    The store row it brings into the identity map (so ``tenancy.current_store()`` needs no
    query) is the active store's. The roll-up loads none: its stores' names, codes and zones
    are in ``Access.stores`` (:func:`store_name`), and a page that needs a store's settings
    asks ``tenancy.store_of(row)`` for that one (loading the group's 51 rows with their
    settings for every request was a tenth of a roll-up list's CPU)."""
    if _VALIDATING_STATEMENT:
        return _VALIDATING_STATEMENT[0]
    from .auth.models import UserSession
    from .tenancy import Organisation

    user_id = sa.bindparam("user_id", type_=sa.Integer)
    memberships_fp, group_fp = _fingerprints(user_id)
    statement = (
        select(
            User,
            Store,
            UserSession.id,
            UserSession.last_seen_at,
            Organisation.is_active,
            memberships_fp,
            group_fp,
        )
        .join(
            UserSession,
            (UserSession.user_id == User.id)
            & (UserSession.token_hash == sa.bindparam("token_hash", type_=sa.String))
            & UserSession.revoked_at.is_(None),
        )
        .outerjoin(Organisation, Organisation.id == User.org_id)
        .outerjoin(
            Store,
            (Store.org_id == User.org_id) & (Store.id == sa.bindparam("store_id", type_=sa.Integer)),
        )
        .where(User.id == user_id)
        .execution_options(populate_existing=True)
    )
    statement = plan_once(statement)  # the same plan for every user and store
    _VALIDATING_STATEMENT.append(statement)
    return statement


@login_manager.user_loader
def _load_user(user_key: str) -> User | None:
    """The signed-in user, in ONE statement (see above); ``g.access`` from the worker's cache."""
    from .auth import sessions

    try:
        user_id, stamp = (int(part) for part in user_key.split(":"))
    except ValueError:
        return None
    token = session.get(sessions.SESSION_KEY)
    if not isinstance(token, str) or not token:
        return None
    choice = session.get("store_id")
    rows = db.session.execute(
        _validating_statement(),
        {
            "user_id": user_id,
            "token_hash": sessions.hash_token(token),
            "store_id": choice if isinstance(choice, int) and not isinstance(choice, bool) else -1,
        },
    ).all()
    if not rows:
        return None
    user, _store, record_id, last_seen_at, org_active, fp_memberships, fp_group = rows[0]
    if not user.is_active or user.get_id() != f"{user_id}:{stamp}":
        return None
    if user.org_id is not None and not org_active:
        return None
    sessions.touch_row(record_id, last_seen_at)
    key = (user.org_id, user.is_platform_admin, fp_memberships, fp_group)
    access = _ACCESS_CACHE.get(user.id, key)
    if access is None:
        access = _load_access_graph(user)
        _ACCESS_CACHE.put(user.id, key, access)
    g._shell_access = access
    if _store is not None:
        tenancy.keep_store(_store)
    return user


def _enter_request_context() -> None:
    # An app context may outlive one request (tests push one around several): start clean.
    for key in (
        "_login_user",
        "_shell_access",
        "rollback_only",
        "after_commit",
        "access",
        "_flask_babel",
        "_translations",
        "_store_names",
        "_store_badges",
    ):
        g.pop(key, None)
    g.tenant_token = None
    if request.endpoint == "static" or not current_user.is_authenticated:
        return
    g.access = g.pop("_shell_access", None) or load_access(current_user)
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
    key = (ctx.permissions, ctx.group_permissions, ctx.is_system, ctx.is_rollup, get_locale(), request.script_root)
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
        return {
            "tenant": ctx,
            "access": access,
            "active_store": active_store(),
            "navigation": navigation,
            "menu_groups": groups,
            "tabs": tabs,
            "menu_urls": urls,
            "can": (lambda permission: can_in_view(ctx, permission)),
            "ALL_STORES": ALL_STORES,
            "url_map_endpoints": app.view_functions,
        }

    from . import formatting

    formatting.init_app(app)
    app.jinja_env.globals.update(rollup_store=rollup_store, store_name=store_name)


def store_names() -> dict[int, str]:
    """The names of the stores the signed-in user reaches, by id: from the worker's
    ``Access`` (no statement), made once per request."""
    access = g.get("access")
    names = g.get("_store_names")
    if names is None or names[0] is not access:
        names = g._store_names = (access, {store.id: store.name for store in access.stores} if access else {})
    return names[1]


def store_name(store_id: int | None) -> str:
    """A store's name, shown beside a row of the roll-up or a transfer's other store. A
    store outside the user's reach (a transfer's other end) is read once per request."""
    if store_id is None:
        return ""
    name = store_names().get(store_id)
    if name is None:
        store = tenancy.store_by_id(store_id)
        name = store.name if store is not None else ""
    return name


_STORE_BADGE = Markup('<span class="badge text-bg-secondary fw-normal" data-testid="row-store">{}</span>')


@functools.lru_cache(maxsize=64)
def _store_badges(names: tuple[tuple[int, str], ...]) -> dict[int, Markup]:
    """The badges of a set of store names, made once per process (51 ``Markup.format`` a
    request were about 1 ms of a roll-up list's CPU); a renamed store is another key."""
    return {sid: _STORE_BADGE.format(name) for sid, name in names}


def rollup_store(row: Any) -> Markup:
    """In the read-only roll-up, the store a list row belongs to (a badge); nothing otherwise.
    The badges are looked up once per request (a list asks once per row)."""
    ctx = tenancy.maybe_current()
    if ctx is None or not ctx.is_rollup:
        return Markup("")
    badges = g.get("_store_badges")
    if badges is None or badges[0] is not ctx:
        badges = g._store_badges = (ctx, _store_badges(tuple(store_names().items())))
    store_id = getattr(row, "store_id", None)
    return badges[1].get(store_id) or _STORE_BADGE.format(store_name(store_id))
