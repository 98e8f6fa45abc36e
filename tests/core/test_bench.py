"""The benchmark package: no import loop with the CLI, valid generated VINs and plates,
and the result arithmetic (summaries, --compare). The load and the HTTP run themselves
need PostgreSQL and gunicorn: CI runs their smoke version (.ci/run)."""

from __future__ import annotations

import subprocess
import sys

from dealer_saas.bench import cpu, data, driver
from dealer_saas.config import ROOT
from dealer_saas.validation import normalise_plate, vin_check_digit


def test_bench_and_cli_do_not_import_each_other_at_import_time():
    code = (
        "import sys\n"
        "import dealer_saas.bench\n"
        "assert 'dealer_saas.cli' not in sys.modules, 'bench imported the CLI'\n"
        "for name in list(sys.modules):\n"
        "    if name.startswith('dealer_saas.bench'):\n"
        "        del sys.modules[name]\n"
        "import dealer_saas.cli\n"
        "assert 'dealer_saas.bench' not in sys.modules, 'the CLI imported bench at import time'\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_generated_vins_are_valid_and_distinct_and_plates_look_like_plates():
    vins = [data.vin(i) for i in range(3000)]
    assert len(set(vins)) == len(vins)
    for v in vins[:500]:
        assert len(v) == 17 and v[8] == vin_check_digit(v) and not set(v) & set("IOQ")
    plates = [data.plate(i) for i in range(3000)]
    assert len(set(plates)) == len(plates)
    assert all(p.startswith("粤A") and len(p) == 7 and normalise_plate(p) == p for p in plates)


def test_spec_puts_the_large_store_last():
    spec = data.Spec(stores=3, store_customers=1000, large_store_customers=3000)
    assert [spec.customers_of(i) for i in range(3)] == [1000, 1000, 3000] and spec.total == 5000
    assert data.Spec().total == 1_200_000


def test_summaries_and_compare():
    samples = [driver.Sample("list", ms, True, 2) for ms in range(1, 101)] + [driver.Sample("list", 5, False, None)]
    (row,) = driver.summarise("store20k", 1, samples, elapsed=10.0)
    assert row["requests"] == 101 and row["errors"] == 1 and row["rps"] == 10.1
    assert row["p50"] == 50.5 and 95 <= row["p95"] <= 96 and row["sql_mean"] == 2 and row["sql_max"] == 2
    old = {
        "results": [dict(row, p95=200.0)],
        "phases": [{"persona": "store20k", "concurrency": 1, "rps": 5, "errors": 0}],
    }
    new = {"results": [row], "phases": [{"persona": "store20k", "concurrency": 1, "rps": 10.1, "errors": 1}]}
    lines = driver.compare(old, new)
    assert any("list" in line and "-52%" in line for line in lines)
    assert any("5.0 -> 10.1 req/s" in line for line in lines)


def test_statements_compiled_afresh_are_counted_per_request(app):
    """The hooks' second header: a statement SQLAlchemy compiles (a miss in the engine's
    compiled cache) counts; the same statement again is a hit and does not."""
    import uuid

    import sqlalchemy as sa

    from dealer_saas.bench import gunicorn_hooks
    from dealer_saas.extensions import db

    label = f"n_{uuid.uuid4().hex}"  # a statement no other test has compiled

    def page(environ, start_response):
        statement = sa.select(sa.literal(7).label(label))
        with db.engine.connect() as connection:
            connection.execute(statement).all()
        start_response("200 OK", [])
        return [b""]

    sa.event.listen(sa.engine.Engine, "before_cursor_execute", gunicorn_hooks._count)
    try:
        middleware = gunicorn_hooks.CountingMiddleware(page)
        seen = []
        for _ in range(2):
            middleware({}, lambda status, headers, exc_info=None: seen.append(dict(headers)))
    finally:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", gunicorn_hooks._count)
    assert seen[0]["X-Bench-SQL"] == seen[1]["X-Bench-SQL"] != "0"  # (SQLite's connect adds its own)
    assert [h["X-Bench-Compiled"] for h in seen] == ["1", "0"]
    samples = [driver.Sample("list", 10.0, True, 1, compiled=int(h["X-Bench-Compiled"])) for h in seen]
    (row,) = driver.summarise("store20k", 1, samples, elapsed=1.0)
    assert row["compiled_mean"] == 0.5


def test_csrf_token_is_found_in_a_form_and_in_the_htmx_headers():
    assert driver._csrf('<input type="hidden" name="csrf_token" value="abc">') == "abc"
    assert driver._csrf("""<body hx-headers='{"X-CSRFToken": "xyz"}'>""") == "xyz"


def test_the_readme_table_of_a_result_file():
    samples = [driver.Sample("list", 10.0, True, 2), driver.Sample("mobile", 5.0, True, 2)]
    result = {
        "results": driver.summarise("store20k", 1, samples, 1.0) + driver.summarise("store20k", 50, samples, 1.0),
        "phases": [
            {"persona": "store20k", "concurrency": 1, "rps": 2.0, "errors": 0},
            {"persona": "store20k", "concurrency": 50, "rps": 151.0, "errors": 0},
        ],
        "gunicorn": {"workers": 2, "threads": 4},
        "machine": {"cores": 2},
    }
    table = driver.markdown(result)
    assert "| list | 10 / 10 / 10 (2) |" in table and "| mobile | 5 / 5 / 5 (2) |" in table
    assert "| fragment mix at c=50 | 151 req/s, 0 errors, worst p95 10 ms |" in table
    result["phases"][1]["cpu"] = {"workers_ms_per_request": 8.14, "postgresql_ms_per_request": 1.5, "cores_busy": 1.7}
    assert "151 req/s, 0 errors, worst p95 10 ms, CPU/request 8.1 + 1.5 ms (app + PostgreSQL), 1.70 cores busy |" in (
        driver.markdown(result)
    )


def test_a_phases_cpu_is_split_per_request_between_the_app_postgresql_and_the_driver():
    # the master (pid 1) idles; worker 3 does three times worker 2's work
    before = cpu.Snapshot(
        at=0.0, workers={1: 5, 2: 40, 3: 55}, postgres={7: 50, 8: 10}, driver=5, machine=(1000, 10, 5000)
    )
    # pid 8 ended (not counted), pid 9 started during the phase (counted from zero)
    after = cpu.Snapshot(
        at=10.0, workers={1: 5, 2: 415, 3: 1180}, postgres={7: 300, 9: 50}, driver=105, machine=(2800, 30, 7000)
    )
    tick = cpu._TICK
    figures = cpu.usage(before, after, requests=1000)
    assert figures["workers_ms_per_request"] == round(1500 / tick, 2)
    assert figures["postgresql_ms_per_request"] == round(300 / tick, 2)
    assert figures["driver_ms_per_request"] == round(100 / tick, 2)
    assert figures["cores_busy"] == round(1900 / tick / 10, 2)
    assert (figures["machine_busy_pct"], figures["machine_steal_pct"]) == (90.0, 1.0)
    assert figures["worker_cores"] == [round(1125 / tick / 10, 2), round(375 / tick / 10, 2)]
    assert "workers" in cpu.describe(figures) and cpu.describe({}) == ""
    assert cpu.usage(None, after, 10) == {} and cpu.usage(before, after, 0) == {}


def test_the_job_workers_cpu_counts_the_work_horses_that_ended_during_the_phase():
    """A run with ``--redis``: the RQ worker (pid 20, with its finished work horses' ticks)
    and the horse running at each snapshot. Horse 21 ran at the start and ended (its ticks
    went into the worker's); horse 22 started and still runs."""
    common = {"workers": {2: 0}, "postgres": {}, "driver": 0}
    before = cpu.Snapshot(at=0.0, machine=(0, 0, 100), jobs={20: 100, 21: 30}, **common)
    after = cpu.Snapshot(at=10.0, machine=(50, 0, 200), jobs={20: 100 + 80, 22: 25}, **common)
    figures = cpu.usage(before, after, requests=100)
    # 21 ran 50 ticks more before it ended (80 - its 30 before), 22 ran 25: 75 in all
    assert figures["jobs_ms_per_request"] == round(75 / cpu._TICK * 1000 / 100, 2)
    assert "jobs " in cpu.describe(figures)
    without = cpu.usage(cpu.Snapshot(at=0.0, machine=(0, 0, 1), **common), after, 100)
    assert "jobs_ms_per_request" in without  # a worker that appeared counts from zero
    no_jobs = cpu.Snapshot(at=10.0, machine=(50, 0, 200), **common)
    assert "jobs_ms_per_request" not in cpu.usage(cpu.Snapshot(at=0.0, machine=(0, 0, 1), **common), no_jobs, 1)
    assert "jobs" not in cpu.describe(cpu.usage(cpu.Snapshot(at=0.0, machine=(0, 0, 1), **common), no_jobs, 1))


def test_a_snapshot_of_this_machine_sees_this_process():
    snap = cpu.snapshot([])
    if snap is None:  # no /proc
        return
    busy, _steal, total = snap.machine
    assert snap.driver > 0 and 0 < busy <= total and snap.workers == {}


def test_bench_profile_measures_cpu_and_statements_of_a_signed_in_page(app, store):
    """``flask bench profile``'s loop, on the test database: the signed-in list fragment
    costs some CPU, is within the statement budget, and a page that bounces to the sign-in
    form is an error, not a measurement."""
    import click
    import pytest

    from dealer_saas.bench import profile
    from dealer_saas.extensions import db

    from .. import factories
    from ..conftest import count_queries, login

    manager = factories.user_with_role("store_manager", store)
    factories.CustomerFactory(store=store, name="张三", mobile="13800000001")
    db.session.commit()
    persona = driver.Persona("store20k", manager.username, False, store.id, samples={"mobile": ["13800000001"]})
    client = login(app.test_client(), manager, store)
    for kind in ("list", "mobile"):
        row = profile.measure(app, client, persona, kind, 3, warm=1)
        assert row["cpu_p50"] > 0 and row["wall_p50"] >= row["cpu_p50"] * 0.5
        path, headers = driver._path(kind, persona.samples, 0)
        with count_queries() as statements:  # the same request, counted independently
            assert client.get(path, headers=headers).status_code == 200
        assert row["sql"] == len(statements) > 0
    with pytest.raises(click.ClickException):
        profile.measure(app, app.test_client(), persona, "list", 1, warm=0)


def test_the_ro_panels_are_kinds_on_the_sampled_ros_and_answer_routes(app):
    """Each panel of the RO page is a kind of its own: an htmx request of a real route for
    a sampled RO, skipped by a persona without sampled ROs."""
    adapter = app.url_map.bind("localhost")
    assert set(driver.RO_PANELS) <= set(driver.PAGE_KINDS)
    for kind in driver.RO_PANELS:
        path, headers = driver._path(kind, {"ro_id": ["41", "42"]}, 1)
        endpoint, values = adapter.match(path)
        assert headers == {"HX-Request": "true"} and values["repair_order_id"] == 42, (kind, path)
        assert endpoint.endswith("_panel"), (kind, endpoint)
        empty = driver.Persona("p", "u", False, 1, samples={"ro_id": []})
        assert not driver._usable(kind, empty) and driver._usable(
            kind, driver.Persona("p", "u", False, 1, {"ro_id": ["1"]})
        )


def test_the_parts_desk_and_workshop_pages_are_kinds_of_real_routes(app):
    """Every page of the service and parts modules without an id, and every page of one
    row (its id from the persona's samples), is a kind that matches a route; a persona
    without samples of that row skips it."""
    adapter = app.url_map.bind("localhost")
    assert set(driver.SERVICE_PATHS) | set(driver.ROW_PATHS) <= set(driver.PAGE_KINDS)
    for kind in driver.SERVICE_PATHS:
        path, headers = driver._path(kind, {}, 0)
        endpoint, _values = adapter.match(path)
        assert headers == {} and endpoint.split(".")[0] in ("service", "parts"), (kind, endpoint)
    for kind, (_pattern, key) in driver.ROW_PATHS.items():
        path, _headers = driver._path(kind, {key: ["7", "8"]}, 1)
        endpoint, values = adapter.match(path)
        assert list(values.values()) == [8], (kind, path, endpoint)
        assert not driver._usable(kind, driver.Persona("p", "u", False, 1, samples={key: []}))
        assert driver._usable(kind, driver.Persona("p", "u", False, 1, samples={key: ["1"]}))


def test_the_technician_persona_drives_their_phone_view_only(app):
    technician = driver.Persona("technician", "t", False, 1, technician=True)
    manager = driver.Persona("store20k", "m", False, 1)
    assert [k for k in driver.ALL_KINDS if driver._usable(k, technician)] == list(driver.TECHNICIAN_KINDS)
    assert not any(driver._usable(k, manager) for k in driver.TECHNICIAN_KINDS)
    assert driver._usable("board", manager)
    assert driver.drive(1, technician, ["list", "board"], 2, 1.0) == ([], 1e-6)  # nothing to request


def test_a_phase_keeps_its_slowest_answered_requests_with_path_and_time():
    samples = [driver.Sample("list", float(ms), True, 2, f"/customers?p={ms}", ms / 10) for ms in range(1, 21)]
    samples.append(driver.Sample("list", 999.0, False, None, "/customers?failed", 0.5))  # an error is not a latency
    kept = driver.slowest(samples, n=3)
    assert [(k["path"], k["ms"], k["at_s"]) for k in kept] == [
        ("/customers?p=20", 20.0, 2.0),
        ("/customers?p=19", 19.0, 1.9),
        ("/customers?p=18", 18.0, 1.8),
    ]
    assert driver.slowest([]) == []
