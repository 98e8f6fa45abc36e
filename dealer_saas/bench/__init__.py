"""Benchmarks (PostgreSQL), as ``flask bench ...`` sub-commands:

- ``flask bench load``: a deterministic group data set (51 stores by default: 50 of 20 000
  customers and one of 200 000) loaded with set-based inserts, into its own database;
- ``flask bench run``: the app under gunicorn on a loopback port, signed in through the
  login form, a mix of pages driven at several concurrencies for a bounded time; latency
  percentiles, req/s, errors, SQL statements per request and worker memory, as a table and
  a JSON file (``--compare old.json`` prints the change);
- ``flask bench search``: the searches timed as ORM statements, with their plans;
- ``flask bench profile``: CPU ms per request of each page kind, in-process.

This package imports nothing of ``dealer_saas.cli`` (the CLI imports it when the app's
commands are registered).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup


@click.group("bench", cls=AppGroup)
def bench() -> None:
    """Performance benchmarks (PostgreSQL)."""


from . import alerts, care, data, driver, profile, search, surveys  # noqa: E402,F401  (they add their commands to the group)
