"""``flask bench run``: the app under gunicorn on a loopback port, driven over HTTP.

It signs in through the real login form (CSRF token and all) as the manager of a
20 000-customer store, the manager of the large store and the group manager (who then
switches to "all stores", the roll-up), and drives a mix of page kinds for a bounded time
at each concurrency (threads, one keep-alive connection each). Search and list kinds are
the htmx fragments the search box requests (``HX-Request: true``); detail kinds are full
pages. At a concurrency above 1 only the fragment kinds run (``--load-kinds``), as the
throughput target is theirs.

It prints p50/p95/p99 and req/s per persona and kind, errors, SQL statements per request
(the ``X-Bench-SQL`` header that :mod:`.gunicorn_hooks` adds), the statements compiled afresh
(``X-Bench-Compiled``, column "new": a warm worker compiles none), the garbage collections'
milliseconds (``X-Bench-GC``, mean/max) and the workers' RSS at start
and end, and writes everything to a JSON file; ``--compare old.json`` prints the change.
Every loop is bounded in time and every request has a timeout; only 127.0.0.1 is used.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from ..timeutil import local_today
from . import bench, cpu
from .common import _percentile, database_exists, server_url
from .data import DEFAULT_DATABASE, GROUP_USERNAME, ORG_CODE, PASSWORD, manager_username, technician_username

HOST = "127.0.0.1"
FRAGMENT_KINDS = ("list", "mobile", "last4", "name_prefix", "initials", "plate", "vin", "parts")
#: the report fragments and dashboard tiles (issue 18), as htmx fragments
_REPORT_PATHS = "customers/growth customers/segments customers/completeness stock/ageing stock/models stock/turnover aftersales/mix aftersales/technicians aftersales/quality"  # noqa: E501
_REPORT_PATHS += " stock/parts_value stock/parts_turnover stock/parts_low stock/parts_dead care/callbacks care/satisfaction care/complaints care/campaigns"  # noqa: E501
_REPORT_PATHS += " funnel ranking/data forecast/data stores/data"  # the sales reports' fragments
REPORT_KINDS = {f"report_{p.replace('/', '_')}": f"/reports/{p}" for p in _REPORT_PATHS.split()} | {
    f"tile_{t}": f"/tiles/reports_{t}" for t in ("store_trend", "group_stores")
}
#: the RO page's panels, each loaded by the page as an htmx request of its own (issue 16)
RO_PANELS = {
    "ro_photos": "/service/repair-orders/{}/photos",
    "ro_settlement": "/service/repair-orders/{}/settlement",
    "ro_parts": "/parts/repair-orders/{}/parts",
    "ro_work_forms": "/service/repair-orders/{}/work-forms",
    "ro_progress": "/service/repair-orders/{}/progress",
    "ro_history": "/service/repair-orders/{}/history",
}
PAGE_KINDS = (
    "customer_360",
    "customer_timeline",  # the 360's lazily loaded panels (issue 15)
    "order_finance",
    "my_day",
    "cards",
    "order",
    "low_stock",
    "over_stock",
    "dead_stock",
    "board",
    "ro_list",
    "appointments",
    "appointments_week",
    "appointment",
    "ro",
    *RO_PANELS,
    "ro_statement",
    "ro_new",
    "appointment_new",
    "sale_new",
    "vehicle_service",
    "catalogue",
    "my_work",
    "part_stock",
    "suppliers",
    "purchase_orders",
    "po",
    "suggested_order",
    "counter_sales",
    "counter_sale",
    "stocktakes",
    "stocktake",
    "transfers",
    "care_queue",
    "care_roster",
    "complaints",
    "campaigns",
    "campaign",
    *REPORT_KINDS,
)
ALL_KINDS = FRAGMENT_KINDS + PAGE_KINDS
#: pages without an id, and those of one row: (path, the sample it takes the id from)
SERVICE_PATHS = {
    "board": "/service/board",
    "ro_list": "/service/repair-orders",
    "appointments": "/service/appointments",
    "appointments_week": "/service/appointments/week",
    "catalogue": "/service/catalogue",
    "ro_new": "/service/repair-orders/new",
    "appointment_new": "/service/appointments/new",
    "sale_new": "/parts/sales/new",
    "my_work": "/service/my-work",
    "suppliers": "/parts/suppliers",
    "purchase_orders": "/parts/purchase-orders",
    "suggested_order": "/parts/suggested-order",
    "counter_sales": "/parts/sales",
    "stocktakes": "/parts/stocktakes",
    "transfers": "/parts/transfers",
}
ROW_PATHS = {
    "appointment": ("/service/appointments/{}", "appointment_id"),
    "ro_statement": ("/service/repair-orders/{}/statement", "ro_id"),
    "vehicle_service": ("/service/vehicles/{}", "vehicle_id"),
    "part_stock": ("/parts/stock/{}", "part_stock_id"),
    "po": ("/parts/purchase-orders/{}", "po_id"),
    "counter_sale": ("/parts/sales/{}", "sale_id"),
    "stocktake": ("/parts/stocktakes/{}", "sheet_id"),
}
#: what the technician persona does (and only it): the phone view of their own lines
TECHNICIAN_KINDS = ("my_work",)
REQUEST_TIMEOUT = 30.0


# --------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection with one signed-in session cookie."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.port = port
        self.cookie = cookie
        self.connection: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        data = urllib.parse.urlencode(body).encode() if body is not None else None
        sent = {"Host": f"{HOST}:{self.port}", "Accept-Language": "zh-CN", **(headers or {})}
        if data is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            sent["Cookie"] = self.cookie
        for attempt in (1, 2):  # a keep-alive connection the server closed is opened again once
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
            try:
                self.connection.request(method, path, body=data, headers=sent)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            found = {k.lower(): v for k, v in response.getheaders()}
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                if name.strip() == "session":
                    self.cookie = "session=" + rest.split(";", 1)[0]
            if found.get("connection", "").lower() == "close":
                self.close()
            return response.status, found, text
        raise RuntimeError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    if not found:
        raise click.ClickException("no CSRF token on the page")
    return found.group(1) or found.group(2)


def sign_in(port: int, username: str, rollup: bool = False) -> str:
    """Sign in through the login form; returns the session cookie."""
    client = Client(port)
    status, _h, page = client.request("GET", "/login")
    if status != 200:
        raise click.ClickException(f"GET /login answered {status}")
    status, headers, _ = client.request(
        "POST", "/login", {"username": username, "password": PASSWORD, "csrf_token": _csrf(page), "next": ""}
    )
    if status not in (302, 303):
        raise click.ClickException(f"sign-in as {username} failed ({status})")
    # the page the sign-in redirects to, as a browser opens it: it puts the active store in
    # the session cookie, so that the driver's requests, each thread's first one included,
    # carry it (without it, a first request also reads the store: one statement more)
    status, _h, page = client.request("GET", "/")
    if rollup:
        status, _h, _ = client.request("POST", "/switch-store", {"store_id": "all", "csrf_token": _csrf(page)})
        if status not in (302, 303):
            raise click.ClickException(f"switching {username} to all stores failed ({status})")
    client.close()
    return client.cookie


# --------------------------------------------------------------------------- the app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    #: the RQ worker of a run with ``--redis`` (None: jobs run inside the web workers)
    jobs: subprocess.Popen | None = None

    def worker_rss(self) -> list[float]:
        return [round(_rss_mb(pid), 1) for pid in sorted(_children(self.process.pid))]

    def pids(self) -> list[int]:
        """The gunicorn master and its workers."""
        return [self.process.pid, *_children(self.process.pid)]

    def job_pids(self) -> list[int]:
        """The RQ worker and the work horse it has forked for the running job, if any."""
        if self.jobs is None or self.jobs.poll() is not None:
            return []
        return [self.jobs.pid, *_children(self.jobs.pid)]

    def stop(self) -> None:
        _stop(self.jobs)
        _stop(self.process)


def start_server(database_url: str, workers: int, threads: int, log: Path, redis_url: str | None = None) -> Server:
    """Gunicorn on a free loopback port; with ``redis_url``, the app's jobs go to that Redis
    and an RQ worker (``flask worker``, as in the Procfile) runs them beside it, as in
    production; without, they run inside the web workers (the embedded mode)."""
    from ..config import ROOT

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "FLASK_RUN_FROM_CLI")}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_hex(32),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"{HOST}:{port}",
        "--config",
        "python:dealer_saas.bench.gunicorn_hooks",
        "--timeout",
        "60",
        "wsgi:app",
    ]
    handle = log.open("w")
    process = subprocess.Popen(command, cwd=str(ROOT), env=env, stdout=handle, stderr=subprocess.STDOUT)
    server = Server(process, port)
    jobs_log = log.with_suffix(".worker.log")
    if redis_url:
        worker = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"]
        server.jobs = subprocess.Popen(
            worker, cwd=str(ROOT), env=env, stdout=jobs_log.open("w"), stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise click.ClickException(f"gunicorn exited ({process.returncode}); see {log}")
        if server.jobs is not None and server.jobs.poll() is not None:
            server.stop()
            raise click.ClickException(f"the RQ worker exited ({server.jobs.returncode}); see {jobs_log}")
        try:
            status, _h, _ = Client(port).request("GET", "/login")
            if status == 200 and len(server.worker_rss()) >= workers:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise click.ClickException(f"gunicorn did not answer within 60 s; see {log}")


# --------------------------------------------------------------------------- what to ask


@dataclass
class Persona:
    name: str
    username: str
    rollup: bool
    store_id: int | None
    samples: dict[str, list[str]] = field(default_factory=dict)
    cookie: str = ""
    technician: bool = False


def _samples(engine: sa.Engine, org_id: int, store_id: int | None, n: int, seed: int) -> dict[str, list[str]]:
    """Existing values to search for (so answers are not empty), from one store or the group."""
    where = "org_id = :org" + (" AND store_id = :store" if store_id is not None else "")
    params = {"org": org_id, "store": store_id, "n": n, "seed": seed / 1000}
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT setseed(:seed)"), params)
        customers = connection.execute(
            sa.text(
                f"SELECT id, name, mobile, name_initials FROM customers WHERE {where} "
                "ORDER BY id LIMIT 20000"  # a bounded window, then a seeded sample of it
            ),
            params,
        ).all()
        cars = connection.execute(
            sa.text(f"SELECT id, plate, vin FROM customer_vehicles WHERE {where} ORDER BY id LIMIT 20000"), params
        ).all()
        # the parts desk's and the workshop's documents: a bounded window of each, sampled below
        rows = {
            key: [
                str(r[0])
                for r in connection.execute(
                    sa.text(f"SELECT id FROM {table} WHERE {where} ORDER BY id DESC LIMIT 2000"), params
                )
            ]
            for key, table in (
                ("appointment_id", "service_appointments"),
                ("part_stock_id", "part_stocks"),
                ("po_id", "purchase_orders"),
                ("sale_id", "counter_sales"),
                ("sheet_id", "stocktakes"),
            )
        }
        orders = connection.execute(
            sa.text(f"SELECT id FROM sales_orders WHERE {where} ORDER BY id LIMIT 2000"), params
        ).all()
        ros = connection.execute(
            sa.text(f"SELECT id FROM repair_orders WHERE {where} ORDER BY id LIMIT 2000"), params
        ).all()
        campaigns = connection.execute(sa.text(f"SELECT id FROM campaigns WHERE {where} LIMIT 200"), params).all()
    rng = random.Random(seed)
    customers = rng.sample(customers, min(n, len(customers)))
    cars = rng.sample(cars, min(n, len(cars)))
    orders = rng.sample(orders, min(n, len(orders)))
    ros = rng.sample(ros, min(n, len(ros)))
    return {
        "customer_id": [str(c.id) for c in customers],
        "mobile": [c.mobile for c in customers],
        "last4": [c.mobile[-4:] for c in customers],
        # surname and the first given character ("黄婷"): a prefix of the name
        "name_prefix": [c.name[:2] for c in customers],
        "initials": [c.name_initials for c in customers],
        "plate": [c.plate for c in cars],
        "vin": [c.vin for c in cars],
        "order_id": [str(o.id) for o in orders],
        "ro_id": [str(r.id) for r in ros],
        "campaign_id": [str(c.id) for c in campaigns],
        "vehicle_id": [str(c.id) for c in cars],
    } | {key: rng.sample(ids, min(n, len(ids))) for key, ids in rows.items()}


def _path(kind: str, samples: dict[str, list[str]], i: int) -> tuple[str, dict[str, str]]:
    hx = {"HX-Request": "true"}

    def pick(key: str) -> str:
        values = samples[key]
        return values[i % len(values)]

    if kind == "list":
        return "/customers/", hx
    if kind in ("mobile", "last4", "name_prefix", "initials", "plate", "vin"):
        return "/customers/?" + urllib.parse.urlencode({"q": pick(kind)}), hx
    if kind == "customer_360":
        return f"/customers/{pick('customer_id')}", {}
    if kind == "customer_timeline":
        return f"/customers/{pick('customer_id')}/timeline", hx
    if kind == "order_finance":
        return f"/sales/orders/{pick('order_id')}/finance", hx
    if kind == "my_day":
        return "/leads/my-day", {}
    if kind == "cards":
        return "/leads/cards", {}
    if kind == "order":
        return f"/sales/orders/{pick('order_id')}", {}
    if kind == "parts":
        return "/parts/", hx
    if kind in ("low_stock", "over_stock", "dead_stock"):
        return f"/parts/low-stock?view={kind.split('_')[0]}", {}
    if kind in SERVICE_PATHS:
        return SERVICE_PATHS[kind], {}
    if kind in ROW_PATHS:
        path, key = ROW_PATHS[kind]
        return path.format(pick(key)), {}
    if kind == "ro":
        return f"/service/repair-orders/{pick('ro_id')}", {}
    if kind in RO_PANELS:
        return RO_PANELS[kind].format(pick("ro_id")), hx
    if kind in ("care_queue", "care_roster"):
        return ("/care/?view=overdue" if kind == "care_queue" else "/care/roster"), {}
    if kind == "complaints":
        return "/complaints/", {}
    if kind in ("campaigns", "campaign"):
        return (
            ("/marketing/campaigns", {}) if kind == "campaigns" else (f"/marketing/campaigns/{pick('campaign_id')}", {})
        )
    if kind in REPORT_KINDS:
        path = REPORT_KINDS[kind]
        # a whole month, the last one: "this month so far" (the reports' default) is a day or
        # two of data early in a month and flatters every figure
        return (path if kind.startswith("tile_") else f"{path}?{_last_month()}"), hx
    raise ValueError(kind)


def _last_month() -> str:
    first = local_today().replace(day=1)
    start = (first - dt.timedelta(days=1)).replace(day=1)
    return urllib.parse.urlencode({"start": start.isoformat(), "end": (first - dt.timedelta(days=1)).isoformat()})


def _usable(kind: str, persona: Persona) -> bool:
    if persona.technician or kind in TECHNICIAN_KINDS:
        return persona.technician and kind in TECHNICIAN_KINDS
    if kind in ("tile_group_stores", "report_stores_data"):  # a group role's tile and report
        return persona.rollup
    key = {
        "customer_360": "customer_id",
        "customer_timeline": "customer_id",
        "order": "order_id",
        "order_finance": "order_id",
        "ro": "ro_id",
        "campaign": "campaign_id",
    }.get(kind, ROW_PATHS[kind][1] if kind in ROW_PATHS else kind)
    key = "ro_id" if kind in RO_PANELS else key
    return key not in persona.samples or bool(persona.samples[key])


# --------------------------------------------------------------------------- driving


@dataclass
class Sample:
    kind: str
    ms: float
    ok: bool
    sql: int | None
    path: str = ""
    at: float = 0.0  # seconds into the phase when it was sent
    compiled: int | None = None  # statements compiled afresh (X-Bench-Compiled)
    gc_ms: float | None = None  # garbage collections while it ran (X-Bench-GC)


#: each phase keeps its slowest requests (path, when, how long): an outlier's cause (a
#: garbage collection, a checkpoint, one costly row) shows in which and when
SLOWEST_KEPT = 5


def slowest(samples: list[Sample], n: int = SLOWEST_KEPT) -> list[dict[str, Any]]:
    """The phase's ``n`` slowest answered requests, slowest first."""
    ranked = sorted((s for s in samples if s.ok), key=lambda s: s.ms, reverse=True)[:n]
    return [{"kind": s.kind, "path": s.path, "ms": round(s.ms, 1), "at_s": round(s.at, 1)} for s in ranked]


def drive(
    port: int, persona: Persona, kinds: list[str], concurrency: int, seconds: float
) -> tuple[list[Sample], float]:
    """``concurrency`` threads request ``kinds`` in turn for ``seconds``; (samples, elapsed)."""
    kinds = [k for k in kinds if _usable(k, persona)]
    if not kinds:
        return [], 1e-6
    results: list[list[Sample]] = [[] for _ in range(concurrency)]
    start_at = time.monotonic() + 0.2
    stop_at = start_at + seconds

    def worker(n: int) -> None:
        client = Client(port, persona.cookie)
        rng = random.Random(n)
        i = rng.randrange(1000)
        while time.monotonic() < start_at:
            time.sleep(0.01)
        while True:
            now = time.monotonic()
            if now >= stop_at:
                break
            kind = kinds[i % len(kinds)]
            path, headers = _path(kind, persona.samples, i * 7 + n)
            i += 1
            started = time.perf_counter()
            try:
                status, found, body = client.request("GET", path, headers=headers)
                ok = status == 200 and 'name="password"' not in body  # not bounced to the sign-in page
                sql = int(found["x-bench-sql"]) if "x-bench-sql" in found else None
                compiled = int(found["x-bench-compiled"]) if "x-bench-compiled" in found else None
                gc_ms = float(found["x-bench-gc"]) if "x-bench-gc" in found else None
            except (OSError, http.client.HTTPException):
                ok, sql, compiled, gc_ms = False, None, None, None
            ms = (time.perf_counter() - started) * 1000
            results[n].append(Sample(kind, ms, ok, sql, path, now - start_at, compiled, gc_ms))
        client.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 10)
    elapsed = max(time.monotonic() - start_at, 1e-6)
    return [s for part in results for s in part], min(elapsed, seconds + REQUEST_TIMEOUT)


def summarise(persona: str, concurrency: int, samples: list[Sample], elapsed: float) -> list[dict[str, Any]]:
    rows = []
    for kind in [k for k in ALL_KINDS if any(s.kind == k for s in samples)]:
        mine = [s for s in samples if s.kind == kind]
        ms = [s.ms for s in mine if s.ok]
        sql = [s.sql for s in mine if s.sql is not None]
        compiled = [s.compiled for s in mine if s.compiled is not None]
        collected = [s.gc_ms for s in mine if s.gc_ms is not None]
        rows.append(
            {
                "persona": persona,
                "kind": kind,
                "concurrency": concurrency,
                "requests": len(mine),
                "errors": sum(not s.ok for s in mine),
                "p50": round(_percentile(ms, 0.50), 2),
                "p95": round(_percentile(ms, 0.95), 2),
                "p99": round(_percentile(ms, 0.99), 2),
                "rps": round(len(mine) / elapsed, 1),
                "sql_mean": round(sum(sql) / len(sql), 2) if sql else None,
                "sql_max": max(sql) if sql else None,
                "compiled_mean": round(sum(compiled) / len(compiled), 2) if compiled else None,
                "gc_ms_mean": round(sum(collected) / len(collected), 2) if collected else None,
                "gc_ms_max": round(max(collected), 1) if collected else None,
            }
        )
    return rows


_PG_SETTINGS = ("shared_buffers", "effective_cache_size", "work_mem")


def _machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except (OSError, IndexError):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory": memory,
        "load_average_at_start": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def _print_rows(rows: list[dict[str, Any]]) -> None:
    click.echo(
        f"  {'persona':<14}{'kind':<14}{'c':>3}{'req':>7}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'req/s':>8}{'SQL':>6}{'new':>6}{'GC ms':>12}"
    )
    for r in rows:
        sql = f"{r['sql_mean']:.1f}" if r["sql_mean"] is not None else "-"
        compiled = f"{r['compiled_mean']:.2f}" if r.get("compiled_mean") is not None else "-"
        collected = f"{r['gc_ms_mean']:.2f}/{r['gc_ms_max']:.0f}" if r.get("gc_ms_mean") is not None else "-"
        click.echo(
            f"  {r['persona']:<14}{r['kind']:<14}{r['concurrency']:>3}{r['requests']:>7}{r['errors']:>5}"
            f"{r['p50']:>9.1f}{r['p95']:>9.1f}{r['p99']:>9.1f}{r['rps']:>8.1f}{sql:>6}{compiled:>6}{collected:>12}"
        )


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Lines comparing two result files, matched by persona, kind and concurrency."""

    def key(r: dict[str, Any]) -> tuple:
        return (r["persona"], r["kind"], r["concurrency"])

    before = {key(r): r for r in old.get("results", [])}
    lines = [
        f"  {'persona':<14}{'kind':<14}{'c':>3}{'p95 old':>9}{'p95 new':>9}{'change':>8}{'rps old':>9}{'rps new':>9}"
    ]
    for r in new.get("results", []):
        o = before.get(key(r))
        if o is None:
            continue
        change = (r["p95"] - o["p95"]) / o["p95"] * 100 if o["p95"] else 0.0
        lines.append(
            f"  {r['persona']:<14}{r['kind']:<14}{r['concurrency']:>3}{o['p95']:>9.1f}{r['p95']:>9.1f}"
            f"{change:>+7.0f}%{o['rps']:>9.1f}{r['rps']:>9.1f}"
        )
    for label in ("phases",):
        old_phases = {(p["persona"], p["concurrency"]): p for p in old.get(label, [])}
        for p in new.get(label, []):
            o = old_phases.get((p["persona"], p["concurrency"]))
            if o:
                lines.append(
                    f"  phase {p['persona']} c={p['concurrency']}: {o['rps']:.1f} -> {p['rps']:.1f} req/s, "
                    f"errors {o['errors']} -> {p['errors']}"
                )
    return lines


def _kinds(value: str) -> list[str]:
    kinds = [k.strip() for k in value.split(",") if k.strip()]
    unknown = set(kinds) - set(ALL_KINDS)
    if unknown:
        raise click.BadParameter(f"unknown kinds {sorted(unknown)}; known: {', '.join(ALL_KINDS)}")
    return kinds


@bench.command("run")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, help="a database made by `flask bench load`")
@click.option("--seconds", default=20.0, show_default=True, help="time per persona and concurrency")
@click.option("--concurrency", "concurrencies", default="1,50", show_default=True, help="comma-separated")
@click.option("--workers", default=2, show_default=True, help="gunicorn workers")
@click.option("--threads", default=8, show_default=True, help="gunicorn threads per worker")
@click.option("--kinds", default=",".join(ALL_KINDS), show_default=True, help="page kinds at concurrency 1")
@click.option("--load-kinds", default=",".join(FRAGMENT_KINDS), show_default=True, help="page kinds above 1")
@click.option("--personas", default="store20k,store_large,rollup,technician", show_default=True)
@click.option("--json", "json_path", default="bench-results.json", show_default=True, type=click.Path())
@click.option("--compare", "compare_path", default=None, type=click.Path(exists=True), help="an earlier JSON")
@click.option("--fail-on-errors/--no-fail-on-errors", default=True, show_default=True)
@click.option(
    "--redis",
    "redis_url",
    default=None,
    help="a Redis URL (e.g. redis://127.0.0.1:6379/15): the app's jobs run in an RQ worker beside "
    "gunicorn, as in production, instead of inside the web workers",
)
def run_command(
    database: str,
    seconds: float,
    concurrencies: str,
    workers: int,
    threads: int,
    kinds: str,
    load_kinds: str,
    personas: str,
    json_path: str,
    compare_path: str | None,
    fail_on_errors: bool,
    redis_url: str | None,
) -> None:
    """Drive the app under gunicorn over loopback and report latency, throughput and memory."""
    if redis_url:
        from redis import Redis
        from redis.exceptions import RedisError

        try:
            Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except (RedisError, ValueError) as error:
            raise click.ClickException(f"Redis at {redis_url} does not answer: {error}") from error
    server_base = server_url()
    if not database_exists(server_base, database):
        raise click.ClickException(f"no database {database}: run `flask bench load --database {database}` first")
    url = server_base.set(database=database).render_as_string(hide_password=False)
    levels = [int(c) for c in concurrencies.split(",") if c.strip()]
    if not levels or min(levels) < 1 or max(levels) > 200 or seconds <= 0 or seconds > 600:
        raise click.BadParameter("concurrency 1..200, seconds 0..600")
    page_kinds, fragment_kinds = _kinds(kinds), _kinds(load_kinds)

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        org_id = connection.execute(sa.text("SELECT id FROM organisations WHERE code = :c"), {"c": ORG_CODE}).scalar()
        if org_id is None:
            raise click.ClickException(f"database {database} has no benchmark organisation")
        stores = connection.execute(
            sa.text(
                "SELECT s.id, s.code, count(c.id) AS n FROM stores s LEFT JOIN customers c ON c.store_id = s.id "
                "WHERE s.org_id = :o GROUP BY s.id, s.code ORDER BY s.code"
            ),
            {"o": org_id},
        ).all()
        pg_version = connection.execute(sa.text("SHOW server_version")).scalar()
        # what decides whether a page's rows come from PostgreSQL's buffers or the OS
        pg_settings = {name: connection.execute(sa.text(f"SHOW {name}")).scalar() for name in _PG_SETTINGS} | {
            "database_size": connection.execute(
                sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            ).scalar()
        }
    small, large = stores[0], max(stores, key=lambda s: (s.n, s.code))
    index = {s.code: i for i, s in enumerate(stores)}
    available = {
        "store20k": Persona(f"store{small.n // 1000}k", manager_username(index[small.code]), False, small.id),
        "store_large": Persona(f"store{large.n // 1000}k", manager_username(index[large.code]), False, large.id),
        "rollup": Persona("rollup", GROUP_USERNAME, True, None),
        # a technician of the large store, on their phone view
        "technician": Persona("technician", technician_username(index[large.code]), False, large.id, technician=True),
    }
    chosen = [available[p.strip()] for p in personas.split(",") if p.strip()]
    for n, persona in enumerate(chosen):
        persona.samples = _samples(engine, org_id, persona.store_id, 200, seed=11 + n)
    engine.dispose()

    log = Path(json_path).with_suffix(".gunicorn.log")
    jobs = f"an RQ worker on {redis_url}" if redis_url else "inside the web workers"
    click.echo(f"Starting gunicorn ({workers} workers x {threads} threads) on {HOST}, jobs {jobs}; log in {log}")
    server = start_server(url, workers, threads, log, redis_url)
    rows: list[dict[str, Any]] = []
    phases: list[dict[str, Any]] = []
    try:
        rss_start = server.worker_rss()
        for persona in chosen:
            persona.cookie = sign_in(server.port, persona.username, persona.rollup)
            # warm-up: every kind a few times (template compilation, plan caches, pools)
            drive(server.port, persona, page_kinds + fragment_kinds, 2, min(2.0, seconds))
        rss_warm = server.worker_rss()
        for level in levels:
            for persona in chosen:
                kinds_now = page_kinds if level == 1 else fragment_kinds
                if not any(_usable(k, persona) for k in kinds_now):
                    continue  # the technician has no fragment of the search mix
                before = cpu.snapshot(server.pids(), server.job_pids())
                samples, elapsed = drive(server.port, persona, kinds_now, level, seconds)
                spent = cpu.usage(before, cpu.snapshot(server.pids(), server.job_pids()), len(samples))
                errors = sum(not s.ok for s in samples)
                phases.append(
                    {
                        "persona": persona.name,
                        "concurrency": level,
                        "requests": len(samples),
                        "errors": errors,
                        "rps": round(len(samples) / elapsed, 1),
                        "seconds": round(elapsed, 1),
                        "cpu": spent,
                        "slowest": slowest(samples),
                    }
                )
                click.echo(
                    f"\n{persona.name} ({persona.username}), c={level}, {elapsed:.0f} s: "
                    f"{len(samples)} requests, {len(samples) / elapsed:.1f} req/s, {errors} errors"
                )
                if spent:
                    click.echo("  " + cpu.describe(spent))
                part = summarise(persona.name, level, samples, elapsed)
                _print_rows(part)
                click.echo(
                    "  slowest: "
                    + "; ".join(f"{s['ms']:.0f} ms {s['path']} at {s['at_s']:.1f} s" for s in phases[-1]["slowest"])
                )
                rows.extend(part)
        rss_end = server.worker_rss()
    finally:
        server.stop()
    click.echo(f"\nWorker RSS (MB): start {rss_start}, after warm-up {rss_warm}, end {rss_end}")
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": _machine(),
        "postgresql": pg_version,
        "postgresql_settings": pg_settings,
        "gunicorn": {"workers": workers, "threads": threads},
        "jobs": "rq worker" if redis_url else "in-process",
        "database": database,
        "stores": {s.code: s.n for s in stores},
        "seconds_per_phase": seconds,
        "phases": phases,
        "results": rows,
        "worker_rss_mb": {"start": rss_start, "after_warm_up": rss_warm, "end": rss_end},
    }
    Path(json_path).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    click.echo(f"Results written to {json_path}")
    if compare_path:
        click.echo(f"\nChange against {compare_path}:")
        for line in compare(json.loads(Path(compare_path).read_text()), result):
            click.echo(line)
    total_errors = sum(p["errors"] for p in phases)
    if fail_on_errors and total_errors:
        raise click.ClickException(f"{total_errors} requests failed")
    if not rows:
        raise click.ClickException("no request was made")


def markdown(result: dict[str, Any]) -> str:
    """The README's table of a result file: c=1 latencies per persona and kind, and the
    throughput of each persona's fragment mix at the higher concurrencies."""
    personas = list(dict.fromkeys(r["persona"] for r in result["results"]))
    seen = {r["kind"] for r in result["results"] if r["concurrency"] == 1}
    kinds = [k for k in ALL_KINDS if k in seen]
    at = {(r["persona"], r["kind"], r["concurrency"]): r for r in result["results"]}
    lines = [
        "| kind (c=1: p50 / p95 / p99 ms, SQL statements) | " + " | ".join(personas) + " |",
        "|---|" + "---|" * len(personas),
    ]
    for kind in kinds:
        cells = []
        for persona in personas:
            r = at.get((persona, kind, 1))
            cells.append(f"{r['p50']:.0f} / {r['p95']:.0f} / {r['p99']:.0f} ({r['sql_mean']:.0f})" if r else "-")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    for level in sorted({p["concurrency"] for p in result["phases"]} - {1}):
        cells = []
        for persona in personas:
            phase = next((p for p in result["phases"] if p["persona"] == persona and p["concurrency"] == level), None)
            mine = [r for r in result["results"] if r["persona"] == persona and r["concurrency"] == level]
            p95 = max((r["p95"] for r in mine), default=0.0)
            spent = (phase or {}).get("cpu") or {}
            busy = (
                f", CPU/request {spent['workers_ms_per_request']:.1f} + {spent['postgresql_ms_per_request']:.1f} ms"
                f" (app + PostgreSQL), {spent['cores_busy']:.2f} cores busy"
                if spent
                else ""
            )
            cells.append(
                f"{phase['rps']:.0f} req/s, {phase['errors']} errors, worst p95 {p95:.0f} ms{busy}" if phase else "-"
            )
        lines.append(f"| fragment mix at c={level} | " + " | ".join(cells) + " |")
    rss = result.get("worker_rss_mb", {})
    machine = result.get("machine", {})
    lines.append("")
    lines.append(
        f"{result.get('when', '')}: {machine.get('cores')} cores ({machine.get('cpu')}), {machine.get('memory')}, "
        f"load average at start {machine.get('load_average_at_start')}; PostgreSQL {result.get('postgresql')} "
        f"{result.get('postgresql_settings', {})}; "
        f"gunicorn {result['gunicorn']['workers']} workers x {result['gunicorn']['threads']} threads; "
        f"{result.get('seconds_per_phase')} s per phase; worker RSS MB start {rss.get('start')}, "
        f"after warm-up {rss.get('after_warm_up')}, end {rss.get('end')}."
    )
    return "\n".join(lines)


@bench.command("report")
@click.argument("json_path", type=click.Path(exists=True))
def report_command(json_path: str) -> None:
    """Print a result file of `flask bench run` as the README's Markdown table."""
    click.echo(markdown(json.loads(Path(json_path).read_text())))
