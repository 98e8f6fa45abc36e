"""``flask bench load``: the benchmark's deterministic group data set, loaded set-based.

One organisation (``bench``) with ``--stores`` stores: all but the last hold
``--store-customers`` customers, the last ``--large-store-customers`` (by default 50 x 20 000
+ 200 000 = 1 200 000). Per store a manager and four consultants, and one group manager
for the roll-up, all with the password :data:`PASSWORD`.

Rows are written with set-based statements, never row by row through the ORM:

- customers: one ``INSERT ... SELECT`` over ``generate_series`` per store; names are
  drawn from surname and given-name character arrays (with their pinyin) by hashing the
  row number (``hashint8``), surnames skewed as in life (the first ones are common);
  mobiles are distinct across the group;
- vehicles (one per two customers): COPY from Python, which computes valid VINs (check
  digit) and plates;
- visits, follow-up cards, sales orders and tags: ``INSERT ... SELECT`` from the customers.

The same arguments give the same rows (timestamps are relative to the load's start).
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any

import click
import sqlalchemy as sa

from . import bench
from .common import _create_database, _drop_database, database_exists, loaded_app, server_url

ORG_CODE = "bench"
PASSWORD = "Bench1234"
DEFAULT_DATABASE = "dealer_bench"
CONSULTANTS_PER_STORE = 4
#: technicians per store: the repair order lines are shared out between them
TECHNICIANS_PER_STORE = 4

#: surnames, most common first (the first ten carry about half the weight, as in life)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
    "范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣怡子涵梓轩"
    "思雨然一诺泽妍晨阳佳琪天佑语桐婷"
)
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
MOBILE_PREFIXES = (
    "135 136 137 138 139 150 151 152 158 159 186 187 188 130 131 132 155 156 185 133 153 177 180 181 189 199".split()
)
SOURCES = ("walk_in", "phone", "web", "referral", "campaign", "existing")
LEVELS = ("prospect", "prospect", "prospect", "owner", "owner", "vip", "inactive")
TAGS = ("老客户", "置换", "二胎家庭", "企业客户", "新能源意向", "价格敏感")
MODELS = (  # (code, series, trim, list price)
    ("LAV-2025", "朗逸", "1.5L 自动舒适版", "119900"),
    ("SAG-2025", "速腾", "300TSI 自动超越版", "159900"),
    ("MAG-2025", "迈腾", "330TSI 领先型", "219900"),
    ("PAS-2025", "帕萨特", "380TSI 旗舰版", "249900"),
    ("TGL-2025", "途观L", "330TSI 两驱智享版", "229900"),
    ("ID4-2025", "ID.4 CROZZ", "长续航 PRO", "199900"),
)


@dataclass(frozen=True)
class Spec:
    stores: int = 51
    store_customers: int = 20_000
    large_store_customers: int = 200_000

    def customers_of(self, index: int) -> int:
        """Customers of the store at ``index`` (0-based): the last one is the large store."""
        if index == self.stores - 1 and self.large_store_customers:
            return self.large_store_customers
        return self.store_customers

    @property
    def total(self) -> int:
        return sum(self.customers_of(i) for i in range(self.stores))


def store_code(index: int) -> str:
    return f"B{index + 1:02d}"


def manager_username(index: int) -> str:
    return f"{store_code(index).lower()}.manager"


def technician_username(index: int, n: int = 1) -> str:
    return f"{store_code(index).lower()}.tech{n}"


GROUP_USERNAME = "bench.group"


# --------------------------------------------------------------------------- helpers


def _weighted(chars: str, exponent: float) -> list[str]:
    """Characters repeated by a Zipf-like weight (rank ** -exponent), most common first."""
    out: list[str] = []
    for rank, ch in enumerate(chars, start=1):
        out.extend([ch] * max(1, round(40 * rank**-exponent)))
    return out


def _pinyin_of(chars: list[str], surname: bool) -> list[str]:
    from ..pinyin import full_pinyin

    if surname:  # a surname alone can read another way (曾 ceng/zeng): read it before a name
        return [full_pinyin(ch + "伟")[: -len("wei")] or full_pinyin(ch) for ch in chars]
    return [full_pinyin(ch) for ch in chars]


def _encode(n: int, alphabet: str, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    return "".join(reversed(out))


def vin(i: int) -> str:
    """A valid VIN (check digit), distinct for every ``i``."""
    from ..validation import with_check_digit

    serial = _encode(i, VIN_CHARS, 9)
    return with_check_digit("LSVAU2" + serial[:2] + "0" + "N" + serial[2:])


def plate(i: int) -> str:
    """A Guangzhou plate, distinct for every ``i`` below 34 ** 5."""
    return "粤A" + _encode(i * 7919 % 34**5, PLATE_CHARS, 5)


def _defaults(table: sa.Table, given: set[str]) -> tuple[list[str], dict[str, Any], list[sa.BindParameter]]:
    """The columns ``given`` does not set, with their model defaults as typed parameters
    (``utcnow`` becomes the statement's ``now()``)."""
    names: list[str] = []
    exprs: dict[str, Any] = {}
    binds: list[sa.BindParameter] = []
    for column in table.columns:
        if column.primary_key or column.name in given:
            continue
        default = column.default
        if default is None:
            if not column.nullable:
                raise click.ClickException(f"no value for {table.name}.{column.name}")
            continue
        names.append(column.name)
        if default.is_callable and isinstance(column.type, sa.DateTime):
            exprs[column.name] = "now()"
            continue
        value = default.arg({}) if default.is_callable else default.arg
        key = f"d_{column.name}"
        exprs[column.name] = f":{key}"
        binds.append(sa.bindparam(key, value, type_=column.type))
    return names, exprs, binds


def insert_select(connection, table: sa.Table, values: dict[str, str], source: str, **params: Any) -> int:
    """``INSERT INTO table (...) SELECT <values> <source>``; every column ``values`` leaves
    out gets its model default. Returns the row count."""
    names, exprs, binds = _defaults(table, set(values))
    columns = list(values) + names
    select_list = ", ".join([values[c] for c in values] + [exprs[c] for c in names])
    sql = sa.text(f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {select_list} {source}")
    sql = sql.bindparams(*binds)
    return connection.execute(sql, params).rowcount


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_rows(connection, table: sa.Table, rows, chunk: int = 50_000) -> int:
    """COPY ``rows`` (dicts with the same keys) into ``table``; every other column gets its
    model default (scalar defaults as values, time stamps the load's start)."""
    now = dt.datetime.now(dt.UTC).isoformat()
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    given = list(first)
    fixed: dict[str, Any] = {}
    for column in table.columns:
        if column.primary_key or column.name in first:
            continue
        default = column.default
        if default is None:
            if not column.nullable:
                raise click.ClickException(f"no value for {table.name}.{column.name}")
            continue
        if default.is_callable:
            fixed[column.name] = now if isinstance(column.type, sa.DateTime) else default.arg({})
        else:
            fixed[column.name] = default.arg
    names = given + list(fixed)
    tail = [_copy_text(fixed[c]) for c in fixed]
    raw = connection.connection.driver_connection
    count = 0
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for row in itertools.chain([first], iterator):
                buffer.write("\t".join([_copy_text(row[c]) for c in given] + tail) + "\n")
                count += 1
                if count % chunk == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    return count


#: tables whose secondary indexes are built after the bulk insert (faster than keeping
#: them up to date row by row, the trigram GIN indexes above all)
#: the modules' benchmark data (``bench/<module>.py``, each ``load(connection, org_id, echo)``
#: with set-based inserts), loaded in this order once the core rows are in
MODULE_DATA = ("parts", "purchasing", "service", "care", "surveys", "marketing", "reports")
#: the table whose rows for the organisation mean a module's data is loaded (``load-modules``
#: skips it), and the core tables a module's loader updates in bulk (their secondary indexes
#: are dropped for the update and rebuilt after)
MODULE_MARKER = {
    "parts": "parts",
    "purchasing": "purchase_orders",
    "service": "repair_orders",
    "care": "care_callbacks",
    "surveys": "complaints",
    "marketing": "campaigns",
    "reports": "report_visit_stats",  # the newest summary: the summaries are rebuilt whole
}
MODULE_UPDATES = {"care": ("customers", "customer_vehicles")}

BULK_TABLES = ("customers", "customer_vehicles", "visits", "follow_up_cards", "sales_orders", "customer_tags")


def drop_secondary_indexes(connection, tables=BULK_TABLES) -> list[str]:
    """Drop the indexes that back no constraint; returns their definitions to rebuild."""
    rows = connection.execute(
        sa.text(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = current_schema() AND i.tablename = ANY(:t) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ),
        {"t": list(tables)},
    ).all()
    for name, _definition in rows:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _name, definition in rows]


def build_indexes(connection, definitions: list[str]) -> None:
    connection.exec_driver_sql("SET maintenance_work_mem = '256MB'")
    for definition in definitions:
        connection.exec_driver_sql(definition)


def _h(salt: int, var: str = "i") -> str:
    """A non-negative deterministic hash of the row number for one purpose (``salt``)."""
    return f"(hashint8({var} * 64 + {salt}) & 2147483647)"


# --------------------------------------------------------------------------- the load


def load(spec: Spec, echo=click.echo) -> dict[str, Any]:
    """Load the data set into the current app's (empty, migrated) database."""
    from .. import tenancy
    from ..auth.services import hash_password
    from ..customers.models import Customer, CustomerTag, CustomerVehicle
    from ..customers.settings import MAX_OPENS_PER_HOUR
    from ..extensions import db
    from ..inventory.models import VehicleModel
    from ..leads.models import FollowUpCard, Visit
    from ..permissions import ensure_builtin_roles
    from ..sales.models import SalesOrder
    from ..tenancy import Membership, Organisation, Role, Store, User

    started = time.perf_counter()
    counts: dict[str, int] = {}
    with tenancy.system():
        ensure_builtin_roles()
        roles = {r.code: r for r in db.session.execute(sa.select(Role).where(Role.org_id.is_(None))).scalars()}
        org = Organisation(code=ORG_CODE, name="基准汽车集团")
        db.session.add(org)
        db.session.flush()
        stores = []
        for index in range(spec.stores):
            large = index == spec.stores - 1 and spec.large_store_customers
            stores.append(
                Store(
                    org_id=org.id,
                    code=store_code(index),
                    name=f"基准{'旗舰' if large else ''}大众4S店{index + 1:02d}",
                    city="广州",
                    brands="大众",
                    # the personas open thousands of customer 360s an hour: the store's
                    # threshold (200 by default) would freeze them within a minute
                    settings={"plate_prefix": "粤A", "customer_records": {"opens_per_hour": MAX_OPENS_PER_HOUR}},
                )
            )
        db.session.add_all(stores)
        db.session.flush()
        password_hash = hash_password(PASSWORD)  # slow on purpose: once for everyone
        consultants: dict[int, list[int]] = {}
        users: list[tuple[User, str, int | None]] = []
        for index, store in enumerate(stores):
            code = store_code(index).lower()
            users.append((User(username=f"{code}.manager", name=f"{store.code}店总"), "store_manager", store.id))
            for n in range(1, CONSULTANTS_PER_STORE + 1):
                users.append(
                    (User(username=f"{code}.sales{n}", name=f"{store.code}顾问{n}"), "sales_consultant", store.id)
                )
            for n in range(1, TECHNICIANS_PER_STORE + 1):
                users.append(
                    (User(username=technician_username(index, n), name=f"{store.code}技师{n}"), "technician", store.id)
                )
        users.append((User(username=GROUP_USERNAME, name="集团经理"), "group_manager", None))
        for user, _role, _store in users:
            user.org_id = org.id
            user.password_hash = password_hash
        db.session.add_all([u for u, _r, _s in users])
        db.session.flush()
        db.session.add_all(
            Membership(org_id=org.id, user_id=u.id, store_id=s, role_id=roles[r].id) for u, r, s in users
        )
        for user, role, store_id in users:
            if role == "sales_consultant":
                consultants.setdefault(store_id, []).append(user.id)
        models = [
            VehicleModel(
                org_id=org.id,
                code=code,
                brand="大众",
                series=series,
                trim=trim,
                list_price=price,
                colours="极地白,曜石黑,星空灰",
            )
            for code, series, trim, price in MODELS
        ]
        db.session.add_all(models)
        db.session.flush()
        model_ids = [m.id for m in models]
        org_id = org.id
        store_ids = [s.id for s in stores]
        db.session.commit()
    echo(f"  organisation, {len(stores)} stores, {len(users)} users in {time.perf_counter() - started:.1f} s")

    connection = db.session.connection()
    surnames = _weighted(SURNAMES, 0.6)
    given = _weighted(GIVEN, 0.5)
    names = {
        "sn": surnames,
        "sp": _pinyin_of(surnames, surname=True),
        "gn": given,
        "gp": _pinyin_of(given, surname=False),
    }
    sources, levels = list(SOURCES), list(LEVELS)

    step = time.perf_counter()
    definitions = drop_secondary_indexes(connection)
    db.session.commit()  # each stage commits: a load stopped half-way keeps what it did
    connection = db.session.connection()

    # customers: one INSERT ... SELECT generate_series per store
    first = 0
    for index, store_id in enumerate(store_ids):
        n = spec.customers_of(index)
        counts["customers"] = counts.get("customers", 0) + insert_select(
            connection,
            Customer.__table__,
            {
                "org_id": ":org",
                "store_id": ":store",
                "name": "x.sn || x.gn1 || x.gn2",
                "name_pinyin": "x.sp || x.gp1 || x.gp2",
                "name_initials": "left(x.sp, 1) || left(x.gp1, 1) || left(x.gp2, 1)",
                "mobile": "x.mobile",
                "mobile_last4": "right(x.mobile, 4)",
                "gender": f"CASE {_h(1)} % 2 WHEN 0 THEN 'M' ELSE 'F' END",
                "source": f"(CAST(:sources AS text[]))[1 + {_h(2)} % {len(sources)}]",
                "level": f"(CAST(:levels AS text[]))[1 + {_h(3)} % {len(levels)}]",
                # one in five in the pool (no owner), the rest spread over the consultants
                "owner_id": f"CASE WHEN {_h(4)} % 5 = 0 THEN NULL "
                f"ELSE (CAST(:owners AS int[]))[1 + {_h(5)} % {CONSULTANTS_PER_STORE}] END",
                "created_at": "x.created",
                "updated_at": "x.created",
            },
            f"""FROM (
                SELECT i,
                       s.sn, s.sp, g1.gn AS gn1, g1.gp AS gp1,
                       CASE WHEN {_h(6)} % 3 = 0 THEN '' ELSE g2.gn END AS gn2,
                       CASE WHEN {_h(6)} % 3 = 0 THEN '' ELSE g2.gp END AS gp2,
                       (CAST(:prefixes AS text[]))[1 + i % {len(MOBILE_PREFIXES)}]
                           || lpad(((i * 48271 + 12345) % 100000000)::text, 8, '0') AS mobile,
                       now() - make_interval(secs => {_h(7)} % (3 * 365 * 86400)) AS created
                FROM generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS i
                JOIN LATERAL (SELECT (CAST(:sn AS text[]))[1 + {_h(8)} % {len(surnames)}] AS sn,
                                     (CAST(:sp AS text[]))[1 + {_h(8)} % {len(surnames)}] AS sp) s ON true
                JOIN LATERAL (SELECT (CAST(:gn AS text[]))[1 + {_h(9)} % {len(given)}] AS gn,
                                     (CAST(:gp AS text[]))[1 + {_h(9)} % {len(given)}] AS gp) g1 ON true
                JOIN LATERAL (SELECT (CAST(:gn AS text[]))[1 + {_h(10)} % {len(given)}] AS gn,
                                     (CAST(:gp AS text[]))[1 + {_h(10)} % {len(given)}] AS gp) g2 ON true
            ) AS x""",
            org=org_id,
            store=store_id,
            lo=first,
            hi=first + n - 1,
            sources=sources,
            levels=levels,
            owners=consultants[store_id],
            prefixes=list(MOBILE_PREFIXES),
            **names,
        )
        first += n
    db.session.commit()
    echo(f"  {counts['customers']} customers (INSERT ... SELECT) in {time.perf_counter() - step:.1f} s")
    connection = db.session.connection()

    # vehicles: every second customer, VIN and plate from Python, COPY
    step = time.perf_counter()
    owners = connection.execute(
        sa.text("SELECT id, store_id FROM customers WHERE org_id = :o AND id % 2 = 0 ORDER BY id"), {"o": org_id}
    ).all()
    series = [m[1] for m in MODELS]
    given_now = dt.datetime.now(dt.UTC).isoformat()
    rows = (
        {
            "org_id": org_id,
            "store_id": store_id,
            "vin": vin(n),
            "plate": plate(n),
            "brand": "大众",
            "model": series[n % len(series)],
            "colour": ("极地白", "曜石黑", "星空灰")[n % 3],
            "model_id": model_ids[n % len(model_ids)],
            "owner_id": customer_id,
            "mileage": (n * 7919) % 150_000,
            "created_at": given_now,
        }
        for n, (customer_id, store_id) in enumerate(owners)
    )
    copy_rows(connection, CustomerVehicle.__table__, rows)
    db.session.commit()
    connection = db.session.connection()
    counts["customer_vehicles"] = len(owners)
    echo(f"  {len(owners)} vehicles (COPY) in {time.perf_counter() - step:.1f} s")

    # visits, cards, orders, tags: INSERT ... SELECT from the customers
    step = time.perf_counter()
    counts["visits"] = insert_select(
        connection,
        Visit.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "kind": f"CASE WHEN {_h(11, 'c.id')} % 4 = 0 THEN 'phone' ELSE 'walk_in' END",
            "customer_id": "c.id",
            "visitor_name": "c.name",
            "time_in": f"now() - make_interval(secs => {_h(12, 'c.id')} % (90 * 86400))",
            "consultant_id": "c.owner_id",
            "source": "c.source",
            "intended_model": f"(CAST(:series AS text[]))[1 + {_h(13, 'c.id')} % {len(series)}]",
            "created_by_id": "c.owner_id",
            "created_at": "now()",
        },
        f"FROM customers c WHERE c.org_id = :o AND {_h(14, 'c.id')} % 3 = 0",
        o=org_id,
        series=series,
    )
    counts["follow_up_cards"] = insert_select(
        connection,
        FollowUpCard.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "customer_id": "c.id",
            "consultant_id": "c.owner_id",
            "intended_model": f"(CAST(:series AS text[]))[1 + {_h(13, 'c.id')} % {len(series)}]",
            "model_id": f"(CAST(:models AS int[]))[1 + {_h(13, 'c.id')} % {len(model_ids)}]",
            "level": f"(ARRAY['H','A','A','B','B','B','C','C'])[1 + {_h(15, 'c.id')} % 8]",
            "status": f"(ARRAY['open','open','open','open','open','open','won','lost','dormant','lost_pending'])"
            f"[1 + {_h(16, 'c.id')} % 10]",
            "next_contact_on": f"current_date + ({_h(17, 'c.id')} % 21 - 7)",
            "last_contact_at": f"now() - make_interval(secs => {_h(18, 'c.id')} % (30 * 86400))",
            "source": "c.source",
            "created_by_id": "c.owner_id",
            "created_at": "c.created_at",
            "updated_at": f"now() - make_interval(secs => {_h(18, 'c.id')} % (30 * 86400))",
        },
        f"FROM customers c WHERE c.org_id = :o AND c.owner_id IS NOT NULL AND {_h(19, 'c.id')} % 8 = 0",
        o=org_id,
        series=series,
        models=model_ids,
    )
    prices = [m[3] for m in MODELS]
    counts["sales_orders"] = insert_select(
        connection,
        SalesOrder.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "number": "'SO' || to_char(c.created_at, 'YYYYMMDD') || '-' || lpad(c.id::text, 8, '0')",
            "customer_id": "c.id",
            "consultant_id": "c.owner_id",
            "model_id": f"(CAST(:models AS int[]))[1 + {_h(13, 'c.id')} % {len(model_ids)}]",
            "colour": "'极地白'",
            "list_price": f"CAST((CAST(:prices AS text[]))[1 + {_h(13, 'c.id')} % {len(prices)}] AS numeric)",
            "discount": f"({_h(20, 'c.id')} % 20) * 500",
            "total": f"CAST((CAST(:prices AS text[]))[1 + {_h(13, 'c.id')} % {len(prices)}] AS numeric)"
            f" - ({_h(20, 'c.id')} % 20) * 500",
            "deposit_required": "5000",
            "status": f"(ARRAY['draft','submitted','approved','deposit_paid','invoiced','delivered','delivered',"
            f"'cancelled'])[1 + {_h(21, 'c.id')} % 8]",
            "created_by_id": "c.owner_id",
            "priced_by_id": "c.owner_id",
            "created_at": "c.created_at",
            "updated_at": "c.created_at",
        },
        f"FROM customers c WHERE c.org_id = :o AND c.owner_id IS NOT NULL AND {_h(22, 'c.id')} % 40 = 0",
        o=org_id,
        models=model_ids,
        prices=prices,
    )
    counts["customer_tags"] = insert_select(
        connection,
        CustomerTag.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "customer_id": "c.id",
            "tag": f"(CAST(:tags AS text[]))[1 + {_h(23, 'c.id')} % {len(TAGS)}]",
        },
        f"FROM customers c WHERE c.org_id = :o AND {_h(24, 'c.id')} % 6 = 0",
        o=org_id,
        tags=list(TAGS),
    )
    db.session.commit()
    echo(
        f"  {counts['visits']} visits, {counts['follow_up_cards']} cards, {counts['sales_orders']} orders, "
        f"{counts['customer_tags']} tags (INSERT ... SELECT) in {time.perf_counter() - step:.1f} s"
    )

    for name in MODULE_DATA:  # imported here: each module's file imports this one
        counts.update(importlib.import_module(f".{name}", __package__).load(db.session.connection(), org_id, echo))
        db.session.commit()

    step = time.perf_counter()
    connection = db.session.connection()
    build_indexes(connection, definitions)
    db.session.commit()
    echo(f"  {len(definitions)} indexes built in {time.perf_counter() - step:.1f} s")

    step = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        auto.exec_driver_sql("VACUUM ANALYZE")
    echo(f"  VACUUM ANALYZE in {time.perf_counter() - step:.1f} s")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


@bench.command("load")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, help="database to (re)create on the server")
@click.option("--stores", default=51, show_default=True, help="stores; the last one is the large store")
@click.option("--store-customers", default=20_000, show_default=True, help="customers of every other store")
@click.option("--large-store-customers", default=200_000, show_default=True, help="customers of the large store")
@click.option("--replace/--no-replace", default=True, show_default=True, help="drop the database first if it exists")
def load_command(database: str, stores: int, store_customers: int, large_store_customers: int, replace: bool) -> None:
    """Load the benchmark data set into its own database on DATABASE_URL's server."""
    from .. import create_app
    from ..dbsetup import setup_database

    if stores < 1 or store_customers < 1:
        raise click.BadParameter("at least one store with one customer")
    spec = Spec(stores=stores, store_customers=store_customers, large_store_customers=large_store_customers)
    server = server_url()
    if database_exists(server, database):
        if not replace:
            raise click.ClickException(f"database {database} exists (drop it or pass --replace)")
        _drop_database(server, database)
    _create_database(server, database)
    url = server.set(database=database).render_as_string(hide_password=False)
    click.echo(f"Loading {spec.total} customers in {spec.stores} stores into database {database}:")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None})
    with app.app_context():
        from ..extensions import db

        setup_database()
        counts = load(spec)
        db.session.remove()
        db.engine.dispose()
    click.echo(f"Done in {counts['seconds']} s. Sign-in password of every benchmark user: {PASSWORD}")


# --------------------------------------------------------------------------- modules only


def load_modules(connection, org_id: int, names: list[str], echo=click.echo) -> dict[str, Any]:
    """Load the benchmark data of the modules ``names`` (from :data:`MODULE_DATA`) into an
    already loaded data set, on ``connection`` (committed after each module, so a stopped run
    keeps the modules it finished). Foreign-key triggers are off for the session when the role
    may do it (``session_replication_role = replica``: every row is drawn from rows present,
    and the checks are most of a row's cost); the secondary indexes of the core tables the
    loaders update are dropped first and rebuilt after (each loader does the same for its own
    big tables), then ``VACUUM ANALYZE``."""
    started = time.perf_counter()
    counts: dict[str, Any] = {}
    superuser = connection.execute(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar()
    if superuser:
        connection.exec_driver_sql("SET session_replication_role = replica")
        echo("  foreign-key triggers off for this session (session_replication_role = replica)")
    updated = sorted({t for n in names for t in MODULE_UPDATES.get(n, ())})
    definitions = drop_secondary_indexes(connection, updated) if updated else []
    connection.commit()
    if definitions:
        echo(f"  {len(definitions)} secondary indexes of {', '.join(updated)} dropped for the update")
    for name in names:  # imported here: each module's file imports this one
        step = time.perf_counter()
        counts.update(importlib.import_module(f".{name}", __package__).load(connection, org_id, echo))
        connection.commit()
        echo(f"  {name}: {time.perf_counter() - step:.1f} s")
    if definitions:
        step = time.perf_counter()
        build_indexes(connection, definitions)
        connection.commit()
        echo(f"  {len(definitions)} indexes rebuilt in {time.perf_counter() - step:.1f} s")
    if superuser:
        connection.exec_driver_sql("SET session_replication_role = DEFAULT")
    connection.commit()
    step = time.perf_counter()
    connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    echo(f"  VACUUM ANALYZE in {time.perf_counter() - step:.1f} s")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def modules_to_load(connection, org_id: int, wanted: list[str]) -> tuple[list[str], list[str]]:
    """``wanted`` split into the modules without rows yet and those already loaded."""
    todo, loaded = [], []
    for name in wanted:
        table = MODULE_MARKER[name]
        found = connection.execute(sa.text(f'SELECT 1 FROM "{table}" WHERE org_id = :o LIMIT 1'), {"o": org_id}).first()
        (loaded if found else todo).append(name)
    return todo, loaded


@bench.command("load-modules")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, help="the loaded benchmark database")
@click.option(
    "--modules",
    default=",".join(MODULE_DATA),
    show_default=True,
    help="comma-separated modules (loaded in the default's order)",
)
def load_modules_command(database: str, modules: str) -> None:
    """Add the modules' benchmark data to a data set loaded before they existed: a module
    whose rows are there is skipped (run it twice, the second run loads nothing)."""
    from ..dbsetup import setup_database

    wanted = [m.strip() for m in modules.split(",") if m.strip()]
    unknown = sorted(set(wanted) - set(MODULE_DATA))
    if unknown or not wanted:
        raise click.BadParameter(f"modules among {', '.join(MODULE_DATA)}", param_hint="--modules")
    wanted = [m for m in MODULE_DATA if m in wanted]
    app = loaded_app(database)
    with app.app_context():
        from ..extensions import db

        setup_database()  # the schema up to date (the modules' tables, their indexes)
        db.session.remove()
        with db.engine.connect() as connection:
            org_id = connection.execute(
                sa.text("SELECT id FROM organisations WHERE code = :c"), {"c": ORG_CODE}
            ).scalar()
            if org_id is None:
                raise click.ClickException(f"no benchmark group in {database}: run flask bench load first")
            todo, loaded = modules_to_load(connection, org_id, wanted)
            connection.commit()
            if loaded:
                click.echo(f"Already loaded, skipped: {', '.join(loaded)}")
            if not todo:
                click.echo("Nothing to load.")
            else:
                click.echo(f"Loading {', '.join(todo)} into database {database}:")
                counts = load_modules(connection, org_id, todo)
                click.echo(f"Done in {counts['seconds']} s.")
        db.engine.dispose()
