"""The settings every PostgreSQL connection of the app starts with (``extensions``): a
custom plan for every statement (search selectivity depends on the term) and no JIT
compilation (it cost a third of a report aggregate's time)."""

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
