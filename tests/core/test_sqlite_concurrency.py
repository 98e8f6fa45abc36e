"""SQLite, the embedded default, under concurrent use: several people logging visits at
once through the real view, each with their own client and session, against one SQLite
file. WAL, a busy timeout and BEGIN IMMEDIATE for writing requests: no "database is locked".

Runs on its own SQLite file whatever DATABASE_URL says (it is about the embedded mode)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from dealer_saas import create_app, tenancy
from dealer_saas.auth import sessions
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import _sqlite_begin_statement, db
from dealer_saas.leads.models import Visit
from dealer_saas.permissions import ensure_builtin_roles

from .. import factories

USERS = 4
VISITS_EACH = 15


@pytest.fixture
def embedded(tmp_path):
    from dealer_saas.cli import setup_database

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'embedded.db'}",
            "SECRET_KEY": "concurrency-secret",
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": None,
            "TESTING": False,
        }
    )
    with app.app_context():
        setup_database()
        with tenancy.system():
            ensure_builtin_roles()
            store = factories.StoreFactory()
            users = [factories.user_with_role("receptionist", store) for _ in range(USERS)]
            model = factories.VehicleModelFactory(store=store)
            db.session.commit()
            # each receptionist's server-side session record, as the login form makes it
            tokens = [sessions.start(u.id, "127.0.0.1", "test-client") for u in users]
            db.session.commit()
            ids = {
                "store": store.id,
                "org": store.org_id,
                "model": model.id,
                "users": [(u.get_id(), token) for u, token in zip(users, tokens, strict=True)],
            }
        db.session.remove()
    yield app, ids
    with app.app_context():
        db.engine.dispose()


@pytest.mark.no_db
def test_concurrent_visit_logging_on_sqlite_gives_no_errors(embedded):
    app, ids = embedded
    start = threading.Barrier(USERS)
    failures: list[str] = []

    def receptionist(n: int, user: tuple[str, str]) -> None:
        user_id, token = user
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session[sessions.SESSION_KEY] = token
            session["_fresh"] = True
            session["store_id"] = ids["store"]
        start.wait()
        for i in range(VISITS_EACH):
            try:
                response = client.post(
                    "/leads/visits/new",
                    headers={"HX-Request": "true"},
                    data={
                        "kind": "walk_in",
                        "mobile": f"139{n:04d}{i:04d}",
                        "name": f"并发客户{n}-{i}",
                        "model_id": ids["model"],
                        "party_size": "1",
                    },
                )
                if response.status_code != 200 or "已登记" not in response.get_data(as_text=True):
                    failures.append(f"user {n} visit {i}: HTTP {response.status_code}")
            except Exception as error:  # "database is locked" surfaces here
                failures.append(f"user {n} visit {i}: {error!r}")

    threads = [threading.Thread(target=receptionist, args=(n, uid)) for n, uid in enumerate(ids["users"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with app.app_context(), tenancy.enter(ids["store"]):
        visits = db.session.execute(select(func.count()).select_from(Visit)).scalar_one()
        customers = db.session.execute(select(func.count()).select_from(Customer)).scalar_one()
    assert visits == customers == USERS * VISITS_EACH


@pytest.mark.no_db
def test_sqlite_connections_use_wal_a_busy_timeout_and_immediate_writes(embedded):
    app, _ids = embedded
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert _sqlite_begin_statement(connection) == "BEGIN"  # CLI, demo data: one writer
            immediate = connection.execution_options(sqlite_begin="IMMEDIATE")
            assert _sqlite_begin_statement(immediate) == "BEGIN IMMEDIATE"
    for method, expected in (
        ("GET", "BEGIN"),
        ("HEAD", "BEGIN"),
        ("POST", "BEGIN IMMEDIATE"),
        ("DELETE", "BEGIN IMMEDIATE"),
    ):
        with app.test_request_context("/", method=method), db.engine.connect() as connection:
            assert _sqlite_begin_statement(connection) == expected, method
