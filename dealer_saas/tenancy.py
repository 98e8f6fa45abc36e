"""The tenancy core: organisations, stores, users, memberships, roles and the tenant context.

Every tenant-owned model mixes in :class:`StoreScoped` (or :class:`OrgScoped` for group-wide
reference data). Once a context is entered (per request in ``before_request``, per job by
``enter()``), every ORM select, update and delete of such a model is filtered to the
context's stores by a ``do_orm_execute`` hook, new rows get ``org_id``/``store_id`` filled
in, and a flush that would write a row of another store is refused. Views never filter by
tenant themselves; services fetch by id through :func:`get_or_404`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort
from sqlalchemy import event, select
from sqlalchemy.orm import (
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
    with_loader_criteria,
)
from sqlalchemy.orm.util import identity_key

from .extensions import db, plan_once
from .timeutil import utcnow
from .validation import bounded_id


class TenancyError(RuntimeError):
    """A tenant-owned row was read or written outside its tenant context."""


class ReadOnlyContext(TenancyError):
    """A write was attempted in the read-only "all stores" roll-up mode."""


# --------------------------------------------------------------------------- models


class Organisation(db.Model):
    """A dealer group (经销商集团): the hard wall nothing crosses."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    stores: Mapped[list[Store]] = relationship(back_populates="organisation", order_by="Store.code")


class Store(db.Model):
    """A 4S store: the tenant."""

    __tablename__ = "stores"
    __table_args__ = (sa.UniqueConstraint("org_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    code: Mapped[str] = mapped_column(sa.String(32))
    city: Mapped[str] = mapped_column(sa.String(60), default="")
    timezone: Mapped[str] = mapped_column(sa.String(60), default="Asia/Shanghai")
    #: brands sold, comma separated (e.g. "大众,奥迪")
    brands: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    #: per-store settings (call-back days per level, approval thresholds...); see settings.py
    settings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="stores")

    @property
    def brand_list(self) -> list[str]:
        return [b.strip() for b in self.brands.replace("，", ",").split(",") if b.strip()]


class Role(db.Model):
    """A named set of permissions. Built-in roles (``org_id`` NULL) take their permissions
    from code (``permissions.BUILTIN_ROLES``) so a release can extend them; an organisation's
    own roles keep theirs in ``permissions``."""

    __tablename__ = "roles"
    __table_args__ = (sa.UniqueConstraint("org_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(80))
    #: a group-level role may be held for the whole organisation (membership without store)
    is_group_role: Mapped[bool] = mapped_column(default=False)
    is_builtin: Mapped[bool] = mapped_column(default=False)
    permissions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    @property
    def permission_set(self) -> frozenset[str]:
        from .permissions import BUILTIN_ROLES

        if self.is_builtin and self.code in BUILTIN_ROLES:
            return BUILTIN_ROLES[self.code].permissions
        # An organisation's own role can never carry platform powers.
        return frozenset(self.permissions or ()) - {"platform.orgs"}

    @property
    def display_name(self) -> str:
        from flask_babel import gettext

        return gettext(self.name) if self.is_builtin else self.name


class User(db.Model):
    """A member of staff. Belongs to one organisation; platform admins to none."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: "zh" or "en"; empty means "follow the browser"
    locale: Mapped[str] = mapped_column(sa.String(10), default="")
    must_change_password: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: frozen by the customer-record threshold (``customers.services.pii``) until an admin
    #: unfreezes the account: signed out on the next request, cannot sign in
    frozen_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    frozen_reason: Mapped[str | None] = mapped_column(sa.String(200))

    organisation: Mapped[Organisation | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="Membership.user_id"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The password change timestamp invalidates old sessions after a reset.
        stamp = int(self.password_changed_at.timestamp()) if self.password_changed_at else 0
        return f"{self.id}:{stamp}"


class Membership(db.Model):
    """A user's role in one store, or in every store of the group (``store_id`` NULL)."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "store_id", "role_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    role_id: Mapped[int] = mapped_column(sa.ForeignKey("roles.id"), index=True)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    store: Mapped[Store | None] = relationship()
    role: Mapped[Role] = relationship()


# --------------------------------------------------------------------------- mixins


class OrgScoped:
    """Reference data shared by every store of one organisation (models, catalogues)."""

    __org_scoped__ = True

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("organisations.id"), index=True, nullable=False)


class StoreScoped(OrgScoped):
    """A tenant-owned row. Composite indexes on such a table lead with ``store_id``."""

    @declared_attr
    def store_id(cls) -> Mapped[int]:
        return mapped_column(sa.ForeignKey("stores.id"), index=True, nullable=False)


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class TenantContext:
    """Who is acting, and which stores they act on.

    ``store_id`` is the store writes go to; ``store_ids`` the stores that may be read (one,
    or every store of the group in the read-only roll-up mode, when ``store_id`` is None).
    ``is_system`` is for CLI set-up and migrations: no filter, no check.
    """

    org_id: int | None
    store_id: int | None
    store_ids: tuple[int, ...] = ()
    user_id: int | None = None
    ip: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    #: permissions held for the whole organisation (group roles): admin screens go org-wide
    group_permissions: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False
    #: stores a service may write to besides the active one (inventory transfers)
    extra_writable: tuple[int, ...] = ()

    @property
    def is_rollup(self) -> bool:
        """The read-only "all stores" mode (a platform admin, with no stores, is not in it)."""
        return self.store_id is None and not self.is_system and bool(self.store_ids)

    def can(self, permission: str) -> bool:
        return self.is_system or permission in self.permissions


_current: contextvars.ContextVar[TenantContext | None] = contextvars.ContextVar("tenant", default=None)


def current() -> TenantContext:
    """The active tenant context; raises when there is none."""
    ctx = _current.get()
    if ctx is None:
        raise TenancyError("no tenant context: enter one with tenancy.enter() or a request")
    return ctx


def maybe_current() -> TenantContext | None:
    return _current.get()


def set_context(ctx: TenantContext | None) -> contextvars.Token:
    return _current.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def use(ctx: TenantContext) -> Iterator[TenantContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def context_for_store(
    store_id: int, *, user_id: int | None = None, permissions: frozenset[str] | None = None, ip: str | None = None
) -> TenantContext:
    store = db.session.execute(select(Store).where(Store.id == store_id)).scalar_one_or_none()
    if store is None:
        raise TenancyError(f"no store {store_id}")
    from .permissions import ALL_PERMISSIONS

    return TenantContext(
        org_id=store.org_id,
        store_id=store.id,
        store_ids=(store.id,),
        user_id=user_id,
        ip=ip,
        permissions=ALL_PERMISSIONS if permissions is None else permissions,
    )


@contextlib.contextmanager
def enter(
    store_id: int, *, user_id: int | None = None, permissions: frozenset[str] | None = None
) -> Iterator[TenantContext]:
    """Act as (a user of) one store: jobs, CLI commands and service tests use this."""
    with use(context_for_store(store_id, user_id=user_id, permissions=permissions)) as ctx:
        yield ctx


@contextlib.contextmanager
def system() -> Iterator[TenantContext]:
    """No tenant filter at all: set-up commands, demo data and migrations only."""
    with use(TenantContext(org_id=None, store_id=None, is_system=True)) as ctx:
        yield ctx


@contextlib.contextmanager
def allow_writes_to(store_id: int) -> Iterator[TenantContext]:
    """Let a service write one row into another store of the same organisation (a stock
    transfer). The target must belong to the context's organisation."""
    ctx = current()
    target = db.session.execute(select(Store).where(Store.id == store_id)).scalar_one_or_none()
    if target is None or (not ctx.is_system and target.org_id != ctx.org_id):
        raise TenancyError("cannot write to a store outside the organisation")
    widened = replace(
        ctx,
        extra_writable=ctx.extra_writable + (store_id,),
        store_ids=tuple(dict.fromkeys(ctx.store_ids + (store_id,))),
    )
    with use(widened):
        yield widened


# --------------------------------------------------------------------------- the active store
#
# The only helpers that answer "which store, which zone, which day" for a request or a job.
# A roll-up has no single store: ``current_store()`` is None there, ``store_timezone()`` is
# None (the default zone, DEFAULT_TZ) and ``store_today()`` is today in that zone; a caller
# that writes asks ``writable_store()``, which refuses the roll-up.


_HELD_STORES = "tenancy.held_stores"


def keep_store(store: Store | None) -> Store | None:
    """Keep a loaded store for the life of the database session: the identity map holds
    objects weakly, and a store asked for twice in a request would be read twice."""
    if store is not None:
        db.session.info.setdefault(_HELD_STORES, {})[store.id] = store
    return store


def store_by_id(store_id: int) -> Store | None:
    """One store by id (Store is not tenant-owned: callers pass ids of rows they read
    through the tenancy core). From the session when it holds it, else one statement."""
    return keep_store(db.session.get(Store, store_id))


def stores_by_id(ids: Iterable[int]) -> dict[int, Store]:
    """The stores of ``ids`` by id: those the session holds, the others in one statement."""
    found: dict[int, Store] = {}
    missing = []
    for store_id in ids:
        store = db.session.identity_map.get(identity_key(Store, store_id))
        if store is not None and not sa.inspect(store).expired:
            found[store_id] = store
        else:
            missing.append(store_id)
    if missing:
        for store in db.session.execute(select(Store).where(Store.id.in_(missing))).scalars():
            found[store.id] = keep_store(store)  # type: ignore[assignment]
    return found


def with_store_of(stmt: Any, model: Any) -> Any:
    """A detail page's select of a ``model`` row by its id (every caller's): in the roll-up
    it also reads the row's store (its last column), so the page's ``store_of(row)`` costs
    no statement of its own; in a store (whose row the shell loaded) no join. Either way
    planned once per connection (``extensions.plan_once``: a row by its id has one best
    plan, and planning such a page's statement cost 1-4 ms against 0.2-0.6 ms of
    execution). Read the rows with :func:`keep_stores_of`."""
    stmt = plan_once(stmt)
    ctx = _current.get()
    if ctx is None or ctx.store_id is not None or not issubclass(model, StoreScoped):
        return stmt
    return stmt.outerjoin_from(model, Store, Store.id == model.store_id).add_columns(Store)


def keep_stores_of(row: Any) -> None:
    """Hold the store :func:`with_store_of` added to a result row, if it did."""
    last = row[-1]
    if isinstance(last, Store):
        keep_store(last)


def current_store() -> Store | None:
    """The active store; None in the read-only roll-up and for the platform admin."""
    ctx = _current.get()
    if ctx is None or ctx.store_id is None:
        return None
    return store_by_id(ctx.store_id)  # the shell loads it with the user: no statement in a request


def writable_store() -> Store:
    """The store writes go to; raises ReadOnlyContext in the roll-up."""
    store = current_store()
    if store is None:
        raise ReadOnlyContext("the all-stores view is read-only: pick a store to make changes")
    return store


def store_of(row: Any) -> Store:
    """The store a tenant row belongs to (in the roll-up, not the active one: there is none)."""
    return store_by_id(row.store_id)  # type: ignore[return-value]  # a tenant row's store exists (foreign key)


def store_timezone() -> str | None:
    """The active store's time zone; None (the default zone) in the roll-up."""
    store = current_store()
    return store.timezone if store is not None else None


def store_today() -> dt.date:
    """Today in the active store's time zone (in the default zone in the roll-up)."""
    from .timeutil import local_today

    return local_today(store_timezone())


M = TypeVar("M")


def get_or_404(model: type[M], ident: Any, *options: Any, fresh: bool = False) -> M:
    """Load a row by id through a scoped select: another tenant's id is a plain 404, and so
    is anything that is not an id (garbage, 0, a number past an INTEGER column). ``options``
    load what a detail page shows in the same statement (``joinedload``: a document, its
    lines and their parts are one statement, not one a relationship). ``fresh``: the row
    and what the options load are read again even if the session holds them (a page drawn
    after a change: its lines as they are now), without expiring the rest of the session
    (the signed-in user and the store, which would each cost a statement again)."""
    ident = bounded_id(ident)
    if ident is None:
        abort(404)
    stmt = with_store_of(select(model).where(model.id == ident), model)  # type: ignore[attr-defined]
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    row = db.session.execute(stmt.options(*options)).unique().one_or_none()
    if row is None:
        abort(404)
    keep_stores_of(row)
    return row[0]


def get_or_none(model: type[M], ident: Any) -> M | None:
    ident = bounded_id(ident)
    if ident is None:
        return None
    return db.session.execute(plan_once(select(model).where(model.id == ident))).scalar_one_or_none()  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- ORM hooks


def _criteria_for(ctx: TenantContext | None):
    if ctx is None:
        raise TenancyError("tenant-owned rows queried outside a tenant context")
    return _criteria(ctx.org_id if ctx.org_id is not None else -1, tuple(ctx.store_ids) or (-1,))


@functools.lru_cache(maxsize=1024)
def _criteria(org_id: int, store_ids: tuple[int, ...]) -> tuple[Any, Any]:
    """The two loader criteria of a context's organisation and stores, built once per
    (organisation, stores) and process: every statement of every request takes them (each
    built anew cost ~0.15 ms; the options hold nothing but these values)."""
    # Values are bound here, outside the lambdas, so SQLAlchemy's lambda cache turns them
    # into bound parameters instead of freezing the first store's id (DESIGN section 8).
    org = with_loader_criteria(OrgScoped, lambda cls: cls.org_id == org_id, include_aliases=True)
    if len(store_ids) == 1:
        return org, with_loader_criteria(StoreScoped, lambda cls: cls.store_id.in_(store_ids), include_aliases=True)
    # several stores (a group's roll-up: ~50 on every tenant table of a statement): the ids
    # are written into the SQL as numbers when it is executed (integers of the context, never
    # user input); binding each one cost psycopg ~20 ms of Python to convert a report's
    # statement of 1 000+ placeholders
    stores = sa.bindparam("tenant_store_ids", store_ids, expanding=True, literal_execute=True)
    return org, with_loader_criteria(StoreScoped, lambda cls: cls.store_id.in_(stores), include_aliases=True)


#: whether a statement reads tenant rows, kept per statement object: the statements built
#: once per process (the shell's user statement, on every request before its context exists)
#: are looked at once (``all_mappers`` cost ~0.3 ms a time)
_TOUCHES: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _touches_tenant_rows(state) -> bool:
    statement = state.statement
    touches = _TOUCHES.get(statement)
    if touches is None:
        touches = _TOUCHES[statement] = any(issubclass(mapper.class_, OrgScoped) for mapper in state.all_mappers)
    return touches


@event.listens_for(Session, "do_orm_execute")
def _scope_orm_statements(state) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return
    ctx = _current.get()
    if ctx is not None and ctx.is_system:
        return
    if ctx is None and not _touches_tenant_rows(state):
        return
    if (state.is_update or state.is_delete) and ctx is not None and _touches_tenant_rows(state):
        _check_bulk_write(state.statement, ctx)
    state.statement = state.statement.options(*_criteria_for(ctx))


def _check_bulk_write(statement, ctx: TenantContext) -> None:
    """Bulk UPDATE/DELETE never pass the flush guard: refuse them in the read-only roll-up,
    and refuse an UPDATE that sets a row's store or organisation (moving rows between
    stores goes through the ORM, inside ``allow_writes_to``)."""
    _writable(ctx)
    values = getattr(statement, "_values", None) or {}
    names = {getattr(key, "key", None) or getattr(key, "name", None) or str(key) for key in values}
    if names & {"store_id", "org_id"}:
        raise TenancyError("a bulk update cannot move rows to another store or organisation")


@event.listens_for(Session, "before_flush")
def _guard_tenant_writes(session: Session, flush_context, instances) -> None:
    ctx = _current.get()
    if ctx is not None and ctx.is_system:
        return
    for obj in session.new:
        if isinstance(obj, OrgScoped):
            _fill_and_check_new(obj, ctx)
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, OrgScoped) and (obj in session.deleted or session.is_modified(obj)):
            _check_existing(obj, ctx)


def _writable(ctx: TenantContext) -> tuple[int, ...]:
    if ctx.store_id is None:
        raise ReadOnlyContext("the all-stores view is read-only: pick a store to make changes")
    return (ctx.store_id,) + ctx.extra_writable


def _fill_and_check_new(obj: OrgScoped, ctx: TenantContext | None) -> None:
    if ctx is None:
        raise TenancyError(f"cannot create {type(obj).__name__} outside a tenant context")
    if isinstance(obj, StoreScoped):
        allowed = _writable(ctx)
        if obj.store_id is None:
            obj.store_id = ctx.store_id
        elif obj.store_id not in allowed:
            raise TenancyError(f"refusing to write {type(obj).__name__} into store {obj.store_id}")
    if obj.org_id is None:
        obj.org_id = ctx.org_id
    elif obj.org_id != ctx.org_id:
        raise TenancyError(f"refusing to write {type(obj).__name__} into another organisation")


def _check_existing(obj: OrgScoped, ctx: TenantContext | None) -> None:
    if ctx is None:
        raise TenancyError(f"cannot change {type(obj).__name__} outside a tenant context")
    if obj.org_id != ctx.org_id:
        raise TenancyError(f"refusing to change {type(obj).__name__} of another organisation")
    if isinstance(obj, StoreScoped):
        allowed = _writable(ctx)
        history = sa.inspect(obj).attrs.store_id.history
        stores = set(history.added or ()) | set(history.deleted or ()) | set(history.unchanged or ())
        if not stores <= set(allowed):
            raise TenancyError(f"refusing to change {type(obj).__name__} of store {obj.store_id}")
