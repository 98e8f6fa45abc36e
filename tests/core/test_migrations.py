"""The test database is built by the migrations (tests/conftest.py runs them), so the
whole suite runs on the migrated schema; this checks the models ask for nothing more."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dealer_saas.config import ROOT
from dealer_saas.extensions import db


def test_there_is_a_migration_history():
    assert any((ROOT / "migrations" / "versions").glob("*.py"))


def test_models_and_migrations_agree(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask db migrate` and review the new revision:\n" + "\n".join(map(str, differences))
