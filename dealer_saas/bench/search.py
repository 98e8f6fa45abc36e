"""The search benchmark (DESIGN section 6): bulk-load customers and vehicles into a fresh
PostgreSQL database, then time the customer searches and the first list page, with their
query plans.

    DATABASE_URL=postgresql://dealer:dealer@127.0.0.1/postgres \\
        flask --app wsgi bench search --customers 200000 --store-customers 20000

(or ``python -m dealer_saas.bench search ...``). The benchmark never touches the database
named in ``DATABASE_URL``: it creates ``dealer_bench_<n>`` next to it on the same server
and drops it at the end (``--keep`` leaves it; ``--database NAME`` reuses a kept one).

Searches run as ORM statements through the tenancy core (the store filter is added the
same way as in a request) inside one store of ``--store-customers`` customers, and
group-wide (the read-only roll-up over every store of the benchmark organisation).
"""

from __future__ import annotations

import io
import math
import random
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import click
import sqlalchemy as sa

from . import bench
from .common import _admin, _create_database, _drop_database, _percentile, _server_url  # noqa: F401

BENCH_ORG = "bench"
PAGE_SIZE = 25


# --------------------------------------------------------------------------- data


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣怡子涵梓轩思雨然一诺泽妍晨阳佳琪天佑语桐"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
MOBILE_PREFIXES = (
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "186",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "133",
    "153",
    "177",
    "180",
    "181",
    "189",
    "199",
)
SOURCES = ("walk_in", "phone", "web", "referral", "campaign", "existing")
LEVELS = ("prospect", "prospect", "prospect", "owner", "owner", "vip", "inactive")


def _encode(n: int, alphabet: str, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    return "".join(reversed(out))


def _mobile(i: int) -> str:
    # 48271 is coprime with 10**8, so every i < 10**8 gets distinct last 8 digits.
    return MOBILE_PREFIXES[i % len(MOBILE_PREFIXES)] + f"{(i * 48271 + 12345) % 10**8:08d}"


def _vin(i: int) -> str:
    from ..validation import with_check_digit

    serial = _encode(i, VIN_CHARS, 9)  # distinct for every i; the 9th VIN character is the check digit
    return with_check_digit("LSVAU2" + serial[:2] + "0" + "N" + serial[2:])


def _plate(i: int, prefix: str) -> str:
    return prefix + _encode(i * 7919 % 34**5, PLATE_CHARS, 5)


class _Copier:
    """Rows for COPY ... FROM STDIN in PostgreSQL's text format."""

    def __init__(self, table: sa.Table, given: set[str]) -> None:
        self.columns = [c for c in table.columns if not c.primary_key]
        self.fixed: dict[str, Any] = {}
        for column in self.columns:
            if column.name in given:
                continue
            default = column.default
            if default is not None and default.is_scalar:
                self.fixed[column.name] = default.arg
            elif default is not None and default.is_callable:
                self.fixed[column.name] = default.arg({})  # one timestamp for the whole load
            elif not column.nullable:
                raise click.ClickException(f"no value for {table.name}.{column.name}")
            else:
                self.fixed[column.name] = None
        self.names = [c.name for c in self.columns]
        self.buffer = io.StringIO()

    def add(self, row: dict[str, Any]) -> None:
        merged = {**self.fixed, **row}
        self.buffer.write("\t".join(_text(merged[n]) for n in self.names) + "\n")


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        import json

        value = json.dumps(value)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _copy(connection, table: str, copier: _Copier) -> None:
    raw = connection.connection.driver_connection
    columns = ", ".join(copier.names)
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(copier.buffer.getvalue())


def load(customers: int, store_customers: int, seed: int = 20261123) -> list[int]:
    """Create the benchmark organisation, its stores, customers and vehicles; returns store ids."""
    from datetime import datetime, timedelta

    from ..customers.models import Customer, CustomerVehicle
    from ..extensions import db
    from ..pinyin import full_pinyin, initials
    from ..tenancy import Organisation, Store

    rng = random.Random(seed)
    n_stores = max(1, math.ceil(customers / store_customers))
    org = Organisation(code=BENCH_ORG, name="基准测试集团")
    db.session.add(org)
    db.session.flush()
    stores = []
    for s in range(n_stores):
        store = Store(
            org_id=org.id,
            code=f"B{s + 1:03d}",
            name=f"基准门店{s + 1}",
            city="广州",
            brands="大众",
            settings={"plate_prefix": "粤A"},
        )
        db.session.add(store)
        stores.append(store)
    db.session.flush()
    store_ids = [s.id for s in stores]
    db.session.commit()

    pinyin_cache: dict[str, tuple[str, str]] = {}
    now = datetime.now(UTC)
    connection = db.session.connection()
    started = time.perf_counter()
    customer_copier = _Copier(
        Customer.__table__,
        {
            "org_id",
            "store_id",
            "name",
            "name_pinyin",
            "name_initials",
            "mobile",
            "mobile_last4",
            "source",
            "level",
            "created_at",
            "updated_at",
        },
    )
    for i in range(customers):
        store_id = store_ids[min(i // store_customers, n_stores - 1)]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        if name not in pinyin_cache:
            pinyin_cache[name] = (full_pinyin(name), initials(name))
        name_pinyin, name_initials = pinyin_cache[name]
        mobile = _mobile(i)
        created = now - timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
        customer_copier.add(
            {
                "org_id": org.id,
                "store_id": store_id,
                "name": name,
                "name_pinyin": name_pinyin,
                "name_initials": name_initials,
                "mobile": mobile,
                "mobile_last4": mobile[-4:],
                "source": rng.choice(SOURCES),
                "level": rng.choice(LEVELS),
                "created_at": created.isoformat(),
                "updated_at": created.isoformat(),
            }
        )
    _copy(connection, "customers", customer_copier)
    click.echo(f"  {customers} customers copied in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    # Customer ids are consecutive in COPY order: the first id plus the row number.
    first_id = connection.execute(
        sa.text("SELECT min(id) FROM customers WHERE org_id = :org"), {"org": org.id}
    ).scalar_one()
    vehicle_copier = _Copier(
        CustomerVehicle.__table__,
        {"org_id", "store_id", "vin", "plate", "brand", "model", "colour", "owner_id", "mileage", "created_at"},
    )
    n_vehicles = 0
    for i in range(0, customers, 2):  # one car per two customers
        store_id = store_ids[min(i // store_customers, n_stores - 1)]
        vehicle_copier.add(
            {
                "org_id": org.id,
                "store_id": store_id,
                "vin": _vin(i),
                "plate": _plate(i, "粤A"),
                "brand": "大众",
                "model": rng.choice(("朗逸", "速腾", "迈腾", "帕萨特", "途观L", "ID.4")),
                "colour": rng.choice(("极地白", "曜石黑", "星空灰")),
                "owner_id": first_id + i,
                "mileage": rng.randrange(0, 150_000),
                "created_at": now.isoformat(),
            }
        )
        n_vehicles += 1
    _copy(connection, "customer_vehicles", vehicle_copier)
    db.session.commit()
    click.echo(f"  {n_vehicles} vehicles copied in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        auto.exec_driver_sql("VACUUM ANALYZE customers")
        auto.exec_driver_sql("VACUUM ANALYZE customer_vehicles")
    click.echo(f"  VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    return store_ids


# --------------------------------------------------------------------------- timing


@dataclass
class Case:
    name: str
    #: builds the statement for one sampled search term
    build: Callable[[Any], sa.Select]
    #: the sampled search terms (existing values, so the answer is not empty)
    terms: list[Any]


def _cases(sample: dict[str, list[Any]]) -> list[Case]:
    from ..customers.models import Customer, CustomerVehicle
    from ..pagination import Sort

    newest = Sort("newest", (Customer.created_at, Customer.id), desc=True)

    def page(stmt: sa.Select) -> sa.Select:
        order = [c.desc() if newest.desc else c.asc() for c in newest.columns]
        return stmt.order_by(*order).limit(PAGE_SIZE + 1)

    return [
        Case("mobile (full 11 digits)", lambda t: sa.select(Customer).where(Customer.mobile == t), sample["mobile"]),
        Case(
            "mobile last 4 digits",
            lambda t: page(sa.select(Customer).where(Customer.mobile_last4 == t)),
            [m[-4:] for m in sample["mobile"]],
        ),
        Case(
            "name substring",
            lambda t: page(sa.select(Customer).where(Customer.name.contains(t, autoescape=True))),
            sample["name"],
        ),
        Case(
            "pinyin initials prefix",
            lambda t: page(sa.select(Customer).where(Customer.name_initials.startswith(t, autoescape=True))),
            sample["initials"],
        ),
        Case(
            "full pinyin prefix",
            lambda t: page(sa.select(Customer).where(Customer.name_pinyin.startswith(t, autoescape=True))),
            sample["pinyin"],
        ),
        Case("plate (exact)", lambda t: sa.select(CustomerVehicle).where(CustomerVehicle.plate == t), sample["plate"]),
        Case(
            "plate substring (5 chars)",
            lambda t: (
                sa.select(CustomerVehicle)
                .where(CustomerVehicle.plate.contains(t, autoescape=True))
                .limit(PAGE_SIZE + 1)
            ),
            [p[-5:] for p in sample["plate"]],
        ),
        Case(
            "VIN suffix (last 6)",
            lambda t: (
                sa.select(CustomerVehicle).where(CustomerVehicle.vin.endswith(t, autoescape=True)).limit(PAGE_SIZE + 1)
            ),
            [v[-6:] for v in sample["vin"]],
        ),
        Case("list page 1 (newest first)", lambda t: page(sa.select(Customer)), [None] * len(sample["mobile"])),
    ]


def _sample(store_id: int, n: int, rng: random.Random) -> dict[str, list[Any]]:
    from ..extensions import db

    rows = db.session.execute(
        sa.text(
            "SELECT name, mobile, name_initials, name_pinyin FROM customers WHERE store_id = :s "
            "ORDER BY random() LIMIT :n"
        ),
        {"s": store_id, "n": n},
    ).all()
    cars = db.session.execute(
        sa.text("SELECT plate, vin FROM customer_vehicles WHERE store_id = :s ORDER BY random() LIMIT :n"),
        {"s": store_id, "n": n},
    ).all()
    return {
        "name": [r.name[1:] if len(r.name) > 2 and rng.random() < 0.5 else r.name for r in rows],
        "mobile": [r.mobile for r in rows],
        "initials": [r.name_initials[:2] for r in rows],
        "pinyin": [r.name_pinyin[:5] for r in rows],
        "plate": [c.plate for c in cars],
        "vin": [c.vin for c in cars],
    }


class _Recorder:
    """Captures the SQL an ORM statement really runs (with the tenancy filter added)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[tuple[str, Any]] = []

    def __enter__(self) -> _Recorder:
        sa.event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append((statement, parameters))


def _costly_seq_scans(plan: list[str], limit: int = 5000) -> list[str]:
    """Sequential scans of the big tables that read more than ``limit`` rows. Only the big
    tables matter (the benchmark's users and tags tables are nearly empty), and a scan cut
    short by a LIMIT (the bounded count reads its first 1 001 rows) is the right plan."""
    costly = []
    for i, line in enumerate(plan):
        if "Seq Scan on customers" not in line and "Seq Scan on customer_vehicles" not in line:
            continue
        found = re.search(r"rows=(\d+) loops=(\d+)", line)
        rows, loops = (int(found[1]), int(found[2])) if found else (limit + 1, 1)
        removed = 0
        for detail in plan[i + 1 :]:
            if "->" in detail:
                break
            if "Rows Removed by Filter" in detail:
                removed = int(detail.rsplit(":", 1)[1])
        if (rows + removed) * loops > limit:
            costly.append(line.strip())
    return costly


def run_cases(label: str, repeat: int, rng: random.Random, store_id: int, show_plans: bool) -> list[dict]:
    from ..extensions import db

    results = []
    sample = _sample(store_id, repeat, rng)
    for case in _cases(sample):
        terms = case.terms or [None]
        # Warm-up: the first run pays for statement compilation and cold pages.
        for term in terms[:3]:
            db.session.execute(case.build(term)).scalars().all()
        timings = []
        found = 0
        for i in range(repeat):
            term = terms[i % len(terms)]
            started = time.perf_counter()
            rows = db.session.execute(case.build(term)).scalars().all()
            timings.append((time.perf_counter() - started) * 1000)
            found += bool(rows)
        with _Recorder(db.engine) as recorder:
            db.session.execute(case.build(terms[0])).scalars().all()
        sql, params = recorder.statements[-1]
        plan = [
            r[0]
            for r in db.session.connection()
            .exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
            .all()
        ]
        seq_scans = _costly_seq_scans(plan)
        result = {
            "scope": label,
            "query": case.name,
            "p50": statistics.median(timings),
            "p95": _percentile(timings, 0.95),
            "max": max(timings),
            "hits": f"{found}/{repeat}",
            "seq_scan": bool(seq_scans),
            "plan": plan,
        }
        results.append(result)
        click.echo(
            f"  {case.name:<28} p50 {result['p50']:7.2f} ms  p95 {result['p95']:7.2f} ms  "
            f"max {result['max']:7.2f} ms  found {result['hits']:>7}  "
            f"{'SEQ SCAN' if seq_scans else 'index'}"
        )
        if show_plans or seq_scans:
            for line in plan:
                click.echo(f"      {line}")
    return results


def run_service_cases(label: str, repeat: int, rng: random.Random, store_id: int, show_plans: bool) -> list[dict]:
    """The same searches typed into the customer list's search box: the whole service call
    (bounded count, keyset page, eager loads), every statement it runs explained."""
    from ..customers.services import CustomerQuery, search_customers
    from ..extensions import db

    sample = _sample(store_id, repeat, rng)
    typed = [
        ("mobile (full 11 digits)", sample["mobile"]),
        ("mobile last 4 digits", [m[-4:] for m in sample["mobile"]]),
        ("name (Chinese)", sample["name"]),
        ("pinyin initials", sample["initials"]),
        ("plate (full)", sample["plate"]),
        ("VIN last 6", [v[-6:] for v in sample["vin"]]),
        ("list page 1 (no search)", [""] * len(sample["mobile"])),
    ]
    results = []
    for name, terms in typed:
        for term in terms[:3]:
            search_customers(CustomerQuery(q=term))
        timings, found = [], 0
        for i in range(repeat):
            term = terms[i % len(terms)]
            started = time.perf_counter()
            page = search_customers(CustomerQuery(q=term))
            timings.append((time.perf_counter() - started) * 1000)
            found += bool(page.page.items)
        with _Recorder(db.engine) as recorder:
            search_customers(CustomerQuery(q=terms[0]))
        plans = []
        for sql, params in recorder.statements:
            plans.append(
                [
                    r[0]
                    for r in db.session.connection()
                    .exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
                    .all()
                ]
            )
        seq = any(_costly_seq_scans(plan) for plan in plans)
        result = {
            "scope": label,
            "query": name,
            "p50": statistics.median(timings),
            "p95": _percentile(timings, 0.95),
            "max": max(timings),
            "statements": len(plans),
            "seq_scan": seq,
        }
        results.append(result)
        click.echo(
            f"  {name:<28} p50 {result['p50']:7.2f} ms  p95 {result['p95']:7.2f} ms  "
            f"max {result['max']:7.2f} ms  found {found:>4}/{repeat}  {len(plans)} SQL  "
            f"{'SEQ SCAN' if seq else 'index'}"
        )
        if show_plans or seq:
            for plan in plans:
                for line in plan:
                    click.echo(f"      {line}")
                click.echo("      --")
    return results


@bench.command("search")
@click.option("--customers", default=200_000, show_default=True, help="customers in the benchmark organisation")
@click.option(
    "--store-customers",
    default=20_000,
    show_default=True,
    help="customers per store (the organisation gets customers/store-customers stores)",
)
@click.option("--repeat", default=200, show_default=True, help="timed runs per query")
@click.option("--database", default=None, help="reuse a database kept by an earlier run (--keep)")
@click.option("--keep/--drop", default=False, help="keep the benchmark database afterwards")
@click.option("--plans/--no-plans", default=True, show_default=True, help="print every EXPLAIN ANALYZE plan")
def search_command(
    customers: int, store_customers: int, repeat: int, database: str | None, keep: bool, plans: bool
) -> None:
    """Time the customer searches and the first list page against PostgreSQL."""
    import os

    from flask import current_app

    base = os.environ.get("DATABASE_URL") or current_app.config["SQLALCHEMY_DATABASE_URI"]
    server = _server_url(base)
    name = database or _create_database(server)
    click.echo(f"Benchmark database: {name}")
    try:
        _run(server.set(database=name), customers, store_customers, repeat, plans, fresh=database is None)
    finally:
        if keep or database:
            click.echo(f"Kept database {name} (reuse with --database {name}).")
        else:
            _drop_database(server, name)


def _run(url: sa.URL, customers: int, store_customers: int, repeat: int, plans: bool, fresh: bool) -> None:
    from .. import create_app, tenancy
    from ..dbsetup import setup_database
    from ..extensions import db
    from ..permissions import ALL_PERMISSIONS
    from ..tenancy import Organisation, Store

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False), "REDIS_URL": None})
    with app.app_context():
        with tenancy.system():
            org = None
            if not fresh:
                org = db.session.execute(
                    sa.select(Organisation).where(Organisation.code == BENCH_ORG)
                ).scalar_one_or_none()
            if org is None:
                started = time.perf_counter()
                setup_database()
                click.echo(f"Loading {customers} customers, {store_customers} per store:")
                load(customers, store_customers)
                click.echo(f"  loaded in {time.perf_counter() - started:.1f} s")
                org = db.session.execute(sa.select(Organisation).where(Organisation.code == BENCH_ORG)).scalar_one()
            store_ids = (
                db.session.execute(sa.select(Store.id).where(Store.org_id == org.id).order_by(Store.id)).scalars().all()
            )
            counts = dict(
                db.session.execute(
                    sa.text("SELECT store_id, count(*) FROM customers WHERE org_id = :o GROUP BY store_id"),
                    {"o": org.id},
                ).all()
            )
            total = sum(counts.values())
            org_id = org.id
        rng = random.Random(7)
        store_id = store_ids[0]
        click.echo(
            f"\nOne store ({counts.get(store_id, 0)} customers of {total} in {len(store_ids)} stores), "
            f"{repeat} runs per query:"
        )
        with tenancy.use(
            tenancy.TenantContext(org_id=org_id, store_id=store_id, store_ids=(store_id,), permissions=ALL_PERMISSIONS)
        ):
            run_cases("store", repeat, rng, store_id, plans)
            if _has_search_service():
                click.echo("\nThe same store through customers.services.search_customers (the list's search box):")
                run_service_cases("store", repeat, rng, store_id, plans)
        if len(store_ids) > 1:
            click.echo(f"\nGroup-wide roll-up ({total} customers in {len(store_ids)} stores), {repeat} runs per query:")
            with tenancy.use(
                tenancy.TenantContext(
                    org_id=org_id,
                    store_id=None,
                    store_ids=tuple(store_ids),
                    permissions=ALL_PERMISSIONS,
                    group_permissions=ALL_PERMISSIONS,
                )
            ):
                run_cases("group", repeat, rng, store_ids[-1], plans)
                if _has_search_service():
                    click.echo("\nGroup-wide through customers.services.search_customers:")
                    run_service_cases("group", repeat, rng, store_ids[-1], plans)
        db.session.remove()
        db.engine.dispose()


def _has_search_service() -> bool:
    try:
        from ..customers.services import CustomerQuery, search_customers  # noqa: F401
    except ImportError:
        return False
    return True
