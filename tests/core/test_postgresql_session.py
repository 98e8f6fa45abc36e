"""The settings every PostgreSQL connection of the app starts with (``extensions``): a
custom plan for every statement (search selectivity depends on the term) and no JIT
compilation (it cost a third of a report aggregate's time); a statement marked ``plan_once``
planned once per connection with a generic plan, the connection's mode untouched."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer_saas.extensions import db


def test_every_connection_plans_with_the_values_and_never_compiles(db_session):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL settings (DATABASE_URL)")
    with db.engine.connect() as connection:  # a connection of the app's pool, not the test's
        assert connection.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        assert connection.execute(sa.text("SHOW jit")).scalar() == "off"


def _prepared(connection, marker: str) -> tuple[int, int]:
    return connection.execute(
        sa.text(
            "SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements"
            " WHERE statement LIKE :m"
        ),
        {"m": f"%{marker}%"},
    ).one()


def test_a_statement_planned_once_keeps_one_generic_plan_and_leaves_the_connection_as_it_was(db_session):
    """``plan_once`` (a row by its key): prepared with a generic plan the connection keeps,
    the connection's custom plans back for the next statement, the same on an error; on
    SQLite the option changes nothing."""
    from dealer_saas.extensions import plan_once

    by_key = plan_once(sa.select(sa.literal_column("'plan_once_probe'"), sa.bindparam("n", type_=sa.Integer) + 1))
    plain = sa.select(sa.literal_column("'custom_probe'"), sa.bindparam("n", type_=sa.Integer) + 1)
    with db.engine.connect() as connection:
        assert [connection.execute(by_key, {"n": n}).one()[1] for n in range(7)] == list(range(1, 8))
        for n in range(7):
            connection.execute(plain, {"n": n})
        if db.engine.dialect.name != "postgresql":
            return
        assert connection.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        generic, custom = _prepared(connection, "plan_once_probe")
        assert generic >= 6 and custom == 0
        generic, custom = _prepared(connection, "custom_probe")  # prepared by psycopg after 5 runs
        assert generic == 0
        failing = plan_once(sa.select(sa.literal_column("1") / sa.bindparam("zero", type_=sa.Integer)))
        with pytest.raises(sa.exc.DataError):
            connection.execute(failing, {"zero": 0})
        connection.rollback()
        assert connection.execute(sa.text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
        assert connection.execute(by_key, {"n": 41}).one()[1] == 42
