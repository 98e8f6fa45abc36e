"""``flask backup`` / ``flask restore`` on the database kind the session runs on (SQLite
through its backup API, PostgreSQL through pg_dump/pg_restore), the refusals (no --yes,
another schema version), and the nightly backup job with its retention."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from dealer_saas import create_app, tenancy
from dealer_saas.datatools.services import backup
from dealer_saas.extensions import db
from dealer_saas.tenancy import Organisation

pytestmark = pytest.mark.no_db


@pytest.fixture
def scratch_app(database_url, tmp_path):
    """An installation of its own (the session's database kind), migrated, for backups."""
    url = sa.make_url(database_url)
    drop = None
    if url.get_backend_name() == "postgresql":
        if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
            pytest.skip("pg_dump/pg_restore are not installed")
        name = f"dealer_backup_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        target = url.set(database=name).render_as_string(hide_password=False)

        def drop():
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()

    else:
        target = f"sqlite:///{tmp_path / 'live.db'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": target,
            "REDIS_URL": None,
            "BACKUP_DIR": str(tmp_path / "backups"),
            "BACKUP_RETENTION_DAYS": 7,
        }
    )
    with app.app_context():
        from dealer_saas.cli import setup_database

        setup_database()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


def _org_codes(app) -> list[str]:
    with app.app_context(), tenancy.system():
        codes = list(db.session.execute(select(Organisation.code).order_by(Organisation.code)).scalars())
        db.session.remove()
        return codes


def _add_org(app, code: str) -> None:
    with app.app_context(), tenancy.system():
        db.session.add(Organisation(name=code, code=code))
        db.session.commit()
        db.session.remove()


def test_backup_then_restore_brings_the_data_back(scratch_app, tmp_path):
    _add_org(scratch_app, "BEFORE")
    runner = scratch_app.test_cli_runner()
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    (made,) = list((tmp_path / "out").iterdir())
    with scratch_app.app_context():
        assert backup.backup_version(made) == backup.code_version()
        assert backup.code_version() in made.name
    _add_org(scratch_app, "AFTER")
    assert _org_codes(scratch_app) == ["AFTER", "BEFORE"]

    refused = runner.invoke(args=["restore", str(made)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    assert _org_codes(scratch_app) == ["AFTER", "BEFORE"]  # nothing happened

    result = runner.invoke(args=["restore", str(made), "--yes"])
    assert result.exit_code == 0, result.output
    assert _org_codes(scratch_app) == ["BEFORE"]


def test_restore_refuses_a_backup_of_another_schema_version(scratch_app, tmp_path):
    with scratch_app.app_context():
        made = backup.backup(tmp_path)
        db.session.remove()
    if made.suffix == ".sqlite3":
        connection = sqlite3.connect(made)
        connection.execute("UPDATE alembic_version SET version_num = '000000000000'")
        connection.commit()
        connection.close()
        result = scratch_app.test_cli_runner().invoke(args=["restore", str(made), "--yes"])
        assert result.exit_code != 0 and "000000000000" in result.output
    # and a file of the other database kind
    wrong = tmp_path / ("x.dump" if made.suffix == ".sqlite3" else "x.sqlite3")
    wrong.write_bytes(b"not a backup")
    result = scratch_app.test_cli_runner().invoke(args=["restore", str(wrong), "--yes"])
    assert result.exit_code != 0


def test_nightly_backup_job_keeps_the_retention(scratch_app):
    from dealer_saas.jobs.models import JobRun
    from dealer_saas.jobs.queue import run_job_now
    from dealer_saas.jobs.registry import JOB_KINDS

    kind = JOB_KINDS["datatools.backup"]
    assert (kind.cadence, kind.per_store) == ("daily", False)
    with scratch_app.app_context():
        directory = backup.backup_dir()
        old = directory / f"dealer_saas-{backup.code_version()}-20200101T030000Z.sqlite3"
        old.write_bytes(b"old")
        keep = directory / "notes.txt"
        keep.write_text("not a backup")
        result = run_job_now("datatools.backup", None)
        assert result["removed"] == [old.name]
        assert not old.exists() and keep.exists()
        assert (directory / result["file"]).exists()
        with tenancy.system():
            run = db.session.execute(select(JobRun).where(JobRun.kind == "datatools.backup")).scalar_one()
            assert run.outcome == "ok"
        db.session.remove()
