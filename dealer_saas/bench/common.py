"""What the benchmarks share: the PostgreSQL server, benchmark databases, percentiles."""

from __future__ import annotations

import math
import os
import uuid

import click
import sqlalchemy as sa


def _server_url(url: str) -> sa.URL:
    parsed = sa.make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if not parsed.drivername.startswith("postgresql"):
        raise click.ClickException("the benchmark needs PostgreSQL: set DATABASE_URL=postgresql://...")
    return parsed


def server_url() -> sa.URL:
    """The PostgreSQL server of ``DATABASE_URL`` (its database is never written to)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        from flask import current_app

        base = current_app.config["SQLALCHEMY_DATABASE_URI"]
    return _server_url(base)


def _admin(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _create_database(url: sa.URL, name: str | None = None) -> str:
    name = name or f"dealer_bench_{uuid.uuid4().hex[:8]}"
    engine = _admin(url)
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return name


def _drop_database(url: sa.URL, name: str) -> None:
    engine = _admin(url)
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


def database_exists(url: sa.URL, name: str) -> bool:
    engine = _admin(url)
    with engine.connect() as connection:
        found = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    engine.dispose()
    return found is not None


def loaded_database_url(name: str) -> str:
    """The address of the benchmark database ``name`` on DATABASE_URL's server, which
    ``flask bench load`` made (a ClickException saying so when it is missing)."""
    server = server_url()
    if not database_exists(server, name):
        raise click.ClickException(f"no database {name}: run `flask bench load --database {name}` first")
    return server.set(database=name).render_as_string(hide_password=False)


def loaded_app(name: str, **config):
    """The app on the loaded benchmark database ``name``, jobs in-process."""
    from .. import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": loaded_database_url(name), "REDIS_URL": None, **config})


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
