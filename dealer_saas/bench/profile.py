"""``flask bench profile``: CPU milliseconds per request, in-process.

Wall time on a shared, loaded machine says little about the Python cost of a request; the
CPU time of the process does (``time.process_time``, the app and this loop in one thread).
The app is built in this process against a benchmark database, a Flask test client signs
in through the login form as a benchmark persona, and each page kind (the same paths as
``bench run``) is requested ``-n`` times after a warm-up. It prints the median and p90 CPU
ms, the median wall ms and the SQL statements per request; ``--cprofile N`` prints the top
N functions by CPU time (cProfile on the process clock); ``--pyinstrument FILE`` writes a
profile of the measured requests (text, or HTML when FILE ends in ``.html``) and prints its
top frames.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import click
import sqlalchemy as sa

from . import bench
from .common import loaded_database_url
from .data import DEFAULT_DATABASE, GROUP_USERNAME, ORG_CODE, PASSWORD, manager_username, technician_username
from .driver import Persona, _csrf, _kinds, _path, _samples, _usable

DEFAULT_KINDS = ("list", "mobile", "last4", "name_prefix", "initials", "plate", "vin", "customer_360", "my_day")


def _personas(engine: sa.Engine) -> tuple[int, dict[str, Persona]]:
    with engine.connect() as connection:
        org_id = connection.execute(sa.text("SELECT id FROM organisations WHERE code = :c"), {"c": ORG_CODE}).scalar()
        if org_id is None:
            raise click.ClickException("the database has no benchmark organisation")
        stores = connection.execute(
            sa.text("SELECT id, code FROM stores WHERE org_id = :o ORDER BY code"), {"o": org_id}
        ).all()
        large = connection.execute(
            sa.text(
                "SELECT store_id FROM customers WHERE org_id = :o GROUP BY store_id ORDER BY count(*) DESC LIMIT 1"
            ),
            {"o": org_id},
        ).scalar()
    index = {s.id: i for i, s in enumerate(stores)}
    return org_id, {
        "store20k": Persona("store20k", manager_username(0), False, stores[0].id),
        "store_large": Persona("store_large", manager_username(index.get(large, len(stores) - 1)), False, large),
        "rollup": Persona("rollup", GROUP_USERNAME, True, None),
        "technician": Persona(
            "technician", technician_username(index.get(large, len(stores) - 1)), False, large, technician=True
        ),
    }


def sign_in(client, username: str, rollup: bool) -> None:
    """Sign the test client in through the login form (and switch to all stores)."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page), "next": ""}
    )
    if response.status_code not in (302, 303):
        raise click.ClickException(f"sign-in as {username} failed ({response.status_code})")
    if rollup:
        page = client.get("/").get_data(as_text=True)
        response = client.post("/switch-store", data={"store_id": "all", "csrf_token": _csrf(page)})
        if response.status_code not in (302, 303):
            raise click.ClickException(f"switching {username} to all stores failed")


def measure(app, client, persona: Persona, kind: str, n: int, warm: int = 5, profiler=None) -> dict[str, float]:
    """CPU and wall ms per request of one kind, and its SQL statements."""
    counted = [0]

    def count(_conn, _cursor, statement: str, *_args) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):  # test databases
            counted[0] += 1

    cpu: list[float] = []
    wall: list[float] = []
    statements: list[int] = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for i in range(warm + n):
            path, headers = _path(kind, persona.samples, i)
            measured = i >= warm
            if measured and profiler is not None:
                profiler.start()
            counted[0] = 0
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(path, headers=headers)
            body = response.get_data()
            c1, w1 = time.process_time(), time.perf_counter()
            if measured and profiler is not None:
                profiler.stop()
            if response.status_code != 200 or b'name="password"' in body:
                raise click.ClickException(f"{kind} {path} answered {response.status_code}")
            if measured:
                cpu.append((c1 - c0) * 1000)
                wall.append((w1 - w0) * 1000)
                statements.append(counted[0])
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    cpu.sort()
    return {
        "cpu_p50": statistics.median(cpu),
        "cpu_p90": cpu[int(len(cpu) * 0.9) - 1 if len(cpu) >= 10 else -1],
        "wall_p50": statistics.median(wall),
        "sql": max(statements),
    }


class _CpuProfile:
    """cProfile timed by the process's CPU clock (waits on PostgreSQL do not count)."""

    def __init__(self) -> None:
        import cProfile

        self.profile = cProfile.Profile(time.process_time)

    def start(self) -> None:
        self.profile.enable()

    def stop(self) -> None:
        self.profile.disable()

    def print_top(self, n: int) -> None:
        import io
        import pstats

        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(self.profile, stream=out).sort_stats(order).print_stats(n)
            click.echo(out.getvalue())


@bench.command("profile")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, help="a database made by `flask bench load`")
@click.option("--kind", "kinds", default=",".join(DEFAULT_KINDS), show_default=True, help="comma-separated kinds")
@click.option("--persona", "personas", default="store20k,store_large,rollup", show_default=True)
@click.option("-n", "count", default=100, show_default=True, type=click.IntRange(1, 5000), help="requests per kind")
@click.option("--pyinstrument", "profile_path", default=None, type=click.Path(), help="write a profile here")
@click.option("--cprofile", "cprofile_top", default=0, type=click.IntRange(0, 200), help="print the top N by CPU")
def profile_command(
    database: str, kinds: str, personas: str, count: int, profile_path: str | None, cprofile_top: int
) -> None:
    """CPU ms per request of each page kind, in-process (Flask test client, signed in)."""
    from .. import create_app

    chosen_kinds = _kinds(kinds)
    url = loaded_database_url(database)
    engine = sa.create_engine(url)
    org_id, available = _personas(engine)
    chosen = [available[p.strip()] for p in personas.split(",") if p.strip()]
    for n, persona in enumerate(chosen):
        persona.samples = _samples(engine, org_id, persona.store_id, 200, seed=11 + n)
    engine.dispose()

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    profiler = None
    if profile_path:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
    elif cprofile_top:
        profiler = _CpuProfile()
    click.echo(f"{'persona':<13}{'kind':<14}{'CPU p50 ms':>11}{'CPU p90':>9}{'wall p50':>10}{'SQL':>5}")
    for persona in chosen:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
        sign_in(client, persona.username, persona.rollup)
        for kind in chosen_kinds:
            if not _usable(kind, persona):
                continue
            row = measure(app, client, persona, kind, count, profiler=profiler)
            click.echo(
                f"{persona.name:<13}{kind:<14}{row['cpu_p50']:>11.1f}{row['cpu_p90']:>9.1f}"
                f"{row['wall_p50']:>10.1f}{row['sql']:>5}"
            )
    if isinstance(profiler, _CpuProfile):
        profiler.print_top(cprofile_top)
    elif profiler is not None:
        session = profiler.last_session
        if profile_path.endswith(".html"):
            Path(profile_path).write_text(profiler.output_html())
        else:
            Path(profile_path).write_text(profiler.output_text(unicode=True, show_all=False))
        click.echo(f"\nProfile of {session.sample_count} samples written to {profile_path}")
