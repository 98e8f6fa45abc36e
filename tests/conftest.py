"""Test harness: one real database per test session (SQLite by default, PostgreSQL when
DATABASE_URL is set), one transaction per test rolled back at the end, factories, and
logged-in clients per role.

The app's own commits and rollbacks run on savepoints (``join_transaction_mode=
"create_savepoint"``), so a request in a test behaves as in production and the outer
rollback still erases everything.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from dealer_saas import create_app, tenancy
from dealer_saas.extensions import db
from dealer_saas.permissions import ensure_builtin_roles

from . import factories


def _postgres_database(base_url: str) -> tuple[str, callable]:
    url = sa.make_url(base_url)
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"dealer_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        # a throw-away database: a commit need not wait for its WAL to reach the disk (the
        # tests commit thousands of times; durability is not what they test)
        connection.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = off')

    def drop() -> None:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    base = os.environ.get("DATABASE_URL")
    if base and base.startswith("postgres"):
        url, drop = _postgres_database(base)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class CommittingClient(FlaskClient):
    """Commits what the test arranged before each request, as a real request would find it
    committed; otherwise a request's rollback (any 4xx) would take the arranged rows along."""

    def open(self, *args, **kwargs):
        db.session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from dealer_saas.cli import setup_database

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": os.environ.get("REDIS_URL") or None,
            "SERVER_NAME": "localhost",
            "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        }
    )
    app.test_client_class = CommittingClient
    with app.app_context():
        setup_database()
        with tenancy.system():
            ensure_builtin_roles()
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Every test runs in one outer transaction that is rolled back at the end."""
    if "no_db" in request.keywords:
        yield None
        return
    from flask_sqlalchemy.session import _app_ctx_id

    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        try:
            with tenancy.system():
                yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def embedded_jobs(request, app, monkeypatch):
    """Jobs run in-process (the embedded mode) unless a test is marked ``redis``: most tests
    check what a job did, and only the ``redis`` tests talk to the real server."""
    if "redis" in request.keywords:
        yield
        return
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    saved = app.extensions.pop("dealer_saas.redis", None)
    yield
    app.extensions.pop("dealer_saas.redis", None)
    if saved is not None:
        app.extensions["dealer_saas.redis"] = saved


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, user, store=None) -> FlaskClient:
    """Sign a test client in as ``user`` (and make ``store`` active) without the form: a
    server-side session record is created as the login form would."""
    from dealer_saas.auth import sessions

    token = sessions.start(user.id, "127.0.0.1", "test-client")
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session[sessions.SESSION_KEY] = token
        session["_fresh"] = True
        if store is not None:
            session["store_id"] = store.id if hasattr(store, "id") else store
    return client


@pytest.fixture
def store(db_session):
    """A store of a fresh organisation."""
    return factories.StoreFactory()


@pytest.fixture
def client_as(app, store):
    """``client_as("sales_consultant")`` -> (client, user) signed in to ``store`` (or
    ``store=...``) with that built-in role."""

    def make(role: str, store=store, **user_fields):
        user = factories.user_with_role(role, store, **user_fields)
        return login(app.test_client(), user, store), user

    return make


@pytest.fixture
def in_store(store):
    """Run service code as a user of ``store`` (``with in_store(user) as ctx:``)."""
    import contextlib

    @contextlib.contextmanager
    def enter(user=None, target=None, permissions=None):
        target = target or store
        with tenancy.enter(target.id, user_id=user.id if user else None, permissions=permissions) as ctx:
            yield ctx

    return enter


@pytest.fixture
def two_tenants(db_session):
    """Organisation A with stores A1 and A2, organisation B with store B1."""
    return factories.two_tenants()


def count_queries(connection_or_engine=None):
    """Context manager counting SQL statements (catches N+1 queries)."""
    import contextlib

    @contextlib.contextmanager
    def counter():
        statements: list[str] = []
        target = db.session.get_bind()
        engine = target.engine if hasattr(target, "engine") else target

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
                statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counter()
