"""Every Flask extension, created once and initialised by the app factory."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import Integer, MetaData, any_, bindparam, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Named constraints so Alembic can alter them on every backend (SQLite batch mode too).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()


#: how long a SQLite connection waits for another writer before "database is locked"
SQLITE_BUSY_TIMEOUT_MS = 15_000
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    """SQLite (the embedded default) under concurrent use: write-ahead logging (readers and
    one writer at a time never block each other), a busy timeout instead of failing at once,
    foreign keys enforced as PostgreSQL does; and SQLAlchemy emits BEGIN itself (below) so
    SAVEPOINTs work and writes can take the lock up front (pysqlite's own transaction
    handling breaks both)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # kept in the file; "memory" for :memory:
        cursor.execute("PRAGMA synchronous=NORMAL")  # the recommended pairing with WAL
        cursor.close()


def _sqlite_begin_statement(connection) -> str:
    """``BEGIN IMMEDIATE`` for a transaction that will write, plain ``BEGIN`` otherwise.

    A deferred transaction that reads first and writes later cannot wait for the write lock
    when another connection committed in between (SQLite answers "database is locked" at
    once, whatever the busy timeout); one that takes the lock when it begins just waits its
    turn. A request writes when its method is not GET/HEAD/OPTIONS (one commit per request,
    dealer_saas/web.py, and in-process jobs run inside the request that enqueued them);
    read-only requests stay concurrent under WAL. Outside a request (CLI commands, demo
    data, the test harness's outer transaction) there is one writer, so plain BEGIN, unless
    the connection asks with ``execution_options(sqlite_begin="IMMEDIATE")``."""
    from flask import has_request_context, request

    wanted = connection.get_execution_options().get("sqlite_begin")
    if wanted:
        if wanted not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
            raise ValueError(f"sqlite_begin must be DEFERRED, IMMEDIATE or EXCLUSIVE, not {wanted!r}")
        return f"BEGIN {wanted}"
    if has_request_context() and request.method not in _SAFE_METHODS:
        return "BEGIN IMMEDIATE"
    return "BEGIN"


@event.listens_for(Engine, "connect")
def _postgresql_on_connect(dbapi_connection, connection_record) -> None:
    """PostgreSQL: always plan with the actual values. psycopg prepares a statement after
    five executions, and PostgreSQL may then switch to a generic plan that ignores the
    search term: a rare pinyin prefix in the roll-up went from 0.7 ms to 500 ms that way
    (issue 15). Search selectivity depends on the term, so a custom plan every time.

    And no JIT compilation: it pays off for queries of many seconds, but a report aggregate
    over a store's month of repair orders (about 50 000 rows, 350 ms) spent 113 ms of its
    460 ms compiling (issue 18)."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
            cursor.execute("SET jit = off")
        dbapi_connection.autocommit = autocommit


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(_sqlite_begin_statement(connection))


#: the execution option of a statement whose plan does not depend on its values (a row by
#: its key, a user's sign-in record): planned once per connection, not on every execution
PLAN_ONCE = "plan_once"


def plan_once(statement: Any) -> Any:
    """``statement`` marked :data:`PLAN_ONCE`: for a statement whose best plan is the same
    for any values (a row by its key), never for a search."""
    return statement.execution_options(**{PLAN_ONCE: True})


def one_of(column: Any, ids: list[int]) -> Any:
    """``column IN (ids)``, on PostgreSQL as ``= ANY(array)``: one parameter, so the query
    text is the same for any number of ids, and the driver does not bind (nor SQLAlchemy
    expand) hundreds of placeholders per request (393 low parts' ids cost ~10 ms of Python
    as an ``IN`` list)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer), unique=True))
    return column.in_(ids)


@event.listens_for(Engine, "do_execute")
def _execute_planned_once(cursor, statement, parameters, context) -> bool | None:
    """PostgreSQL: run a ``plan_once`` statement prepared, with a generic plan that the
    connection keeps (planning such a statement cost ~1 ms a time against ~0.3 ms of
    execution). The connections otherwise plan every statement with its values
    (``force_custom_plan`` above): the mode is switched for this statement alone, the
    switches and the statement sent together in one round trip (a pipeline) and the
    switch back made before anything else runs. Other statements and databases: as usual."""
    if not context.execution_options.get(PLAN_ONCE) or context.dialect.name != "postgresql":
        return None
    connection = cursor.connection
    with connection.pipeline():
        connection.execute("SET LOCAL plan_cache_mode = force_generic_plan", prepare=False)
        cursor.execute(statement, parameters, prepare=True)
        connection.execute("SET LOCAL plan_cache_mode = force_custom_plan", prepare=False)
    return True
