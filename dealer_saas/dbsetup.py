"""Bring the schema up to date: one function shared by the CLI, the tests and the benchmark
(which must not import the CLI module)."""

from __future__ import annotations

from . import tenancy
from .config import ROOT
from .extensions import db


def setup_database() -> None:
    """Bring the schema to the newest migration (creating the database file if needed)."""
    from flask_migrate import upgrade

    versions = ROOT / "migrations" / "versions"
    if versions.is_dir() and any(versions.glob("*.py")):
        upgrade(directory=str(ROOT / "migrations"))
    else:  # before the first migration exists (development of the schema itself)
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        with tenancy.system():
            db.create_all()
