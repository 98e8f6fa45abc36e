"""Demo data: two dealer groups, three stores each, staff for every built-in role and
realistic customers. Idempotent: running it twice changes nothing.

Modules add their own content by registering a seeder with :func:`seeder`; each runs once
per store inside that store's tenant context and must itself be idempotent.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from . import tenancy
from .auth.services import hash_password
from .extensions import db
from .permissions import ensure_builtin_roles
from .tenancy import Membership, Organisation, Store, User
from .timeutil import local_today
from .validation import with_check_digit

DEMO_PASSWORD = "Demo1234"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣怡子涵梓轩思雨浩然一诺雨泽欣妍晨阳佳琪天佑语桐"
COLOURS = ["极地白", "曜石黑", "星空灰", "宝石蓝", "熔岩红", "冰川银"]
MOBILE_PREFIXES = [
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
]
VIN_PREFIXES = {
    "大众": "LSVAU2",
    "奥迪": "LFV3A2",
    "丰田": "LVGBE4",
    "别克": "LSGZJ5",
    "本田": "LHGCV1",
    "宝马": "LBVPS1",
}


@dataclass(frozen=True)
class DemoStore:
    code: str
    name: str
    city: str
    plate_prefix: str
    brands: str


@dataclass(frozen=True)
class DemoOrg:
    code: str
    name: str
    stores: tuple[DemoStore, ...]


DEMO_ORGS = (
    DemoOrg(
        "hn",
        "华南汽车集团",
        (
            DemoStore("GZ01", "广州天河大众4S店", "广州", "粤A", "大众"),
            DemoStore("SZ01", "深圳南山奥迪4S店", "深圳", "粤B", "奥迪"),
            DemoStore("FS01", "佛山禅城丰田4S店", "佛山", "粤E", "丰田"),
        ),
    ),
    DemoOrg(
        "hd",
        "华东汽车集团",
        (
            DemoStore("SH01", "上海浦东别克4S店", "上海", "沪A", "别克"),
            DemoStore("HZ01", "杭州西湖本田4S店", "杭州", "浙A", "本田"),
            DemoStore("NJ01", "南京鼓楼宝马4S店", "南京", "苏A", "宝马"),
        ),
    ),
)

#: store roles, how many users of each a demo store gets, and their username suffix
STORE_STAFF = (
    ("store_manager", 1, "manager"),
    ("sales_manager", 1, "salesmgr"),
    ("receptionist", 1, "reception"),
    ("sales_consultant", 3, "sales"),
    ("finance_clerk", 1, "finance"),
    ("service_advisor", 1, "advisor"),
    ("technician", 1, "tech"),
    ("parts_clerk", 1, "parts"),
    ("care_agent", 1, "care"),
    ("marketing", 1, "marketing"),
)
GROUP_STAFF = (("group_admin", "admin"), ("group_manager", "manager"))


@dataclass
class StoreStaff:
    store: Store
    by_role: dict[str, list[User]] = field(default_factory=dict)
    #: how much to create: 1.0 for the demo, less for tests that only need every kind of row
    scale: float = 1.0

    def first(self, role: str) -> User:
        return self.by_role[role][0]


Seeder = Callable[[StoreStaff, random.Random], None]
_SEEDERS: list[tuple[int, str, Seeder]] = []


def seeder(order: int) -> Callable[[Seeder], Seeder]:
    """Register a module's demo seeder; lower ``order`` runs first (customers before sales)."""

    def decorator(fn: Seeder) -> Seeder:
        _SEEDERS.append((order, f"{fn.__module__}.{fn.__name__}", fn))
        return fn

    return decorator


# --------------------------------------------------------------------------- fake values


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice("0123456789") for _ in range(8))


def plate(rng: random.Random, prefix: str) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return prefix + "".join(rng.choice(letters) for _ in range(5))


def vin(rng: random.Random, brand: str) -> str:
    prefix = VIN_PREFIXES.get(brand, "LSVAU2")
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    body = (
        prefix
        + "".join(rng.choice(chars) for _ in range(2))
        + "0"
        + "N"
        + rng.choice("ABC")
        + "".join(rng.choice("0123456789") for _ in range(6))
    )
    return with_check_digit(body)


# --------------------------------------------------------------------------- foundation


@functools.cache
def _demo_password_hash() -> str:
    """One hash of the demo password for every demo account: hashing is slow on purpose
    (about half a second each), and ninety accounts would add most of a minute."""
    return hash_password(DEMO_PASSWORD)


def _user(org: Organisation | None, username: str, name: str, **extra) -> User:
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        user = User(
            org_id=org.id if org else None,
            username=username,
            name=name,
            password_hash=_demo_password_hash(),
            **extra,
        )
        db.session.add(user)
        db.session.flush()
    return user


def _member(user: User, store: Store | None, role, org: Organisation) -> None:
    store_clause = Membership.store_id == store.id if store else Membership.store_id.is_(None)
    exists = db.session.execute(
        select(Membership).where(Membership.user_id == user.id, Membership.role_id == role.id, store_clause)
    ).scalar_one_or_none()
    if exists is None:
        db.session.add(Membership(org_id=org.id, user=user, store_id=store.id if store else None, role=role))


def seed_foundation(rng: random.Random) -> list[StoreStaff]:
    """Organisations, stores and staff; returns the staff of every demo store."""
    roles = ensure_builtin_roles()
    _user(None, "platform", "平台管理员", is_platform_admin=True)
    result: list[StoreStaff] = []
    for demo_org in DEMO_ORGS:
        org = db.session.execute(select(Organisation).where(Organisation.code == demo_org.code)).scalar_one_or_none()
        if org is None:
            org = Organisation(code=demo_org.code, name=demo_org.name)
            db.session.add(org)
            db.session.flush()
        for role_code, suffix in GROUP_STAFF:
            _member(_user(org, f"{demo_org.code}.{suffix}", person_name(rng)), None, roles[role_code], org)
        for demo_store in demo_org.stores:
            store = db.session.execute(
                select(Store).where(Store.org_id == org.id, Store.code == demo_store.code)
            ).scalar_one_or_none()
            if store is None:
                store = Store(
                    org_id=org.id,
                    code=demo_store.code,
                    name=demo_store.name,
                    city=demo_store.city,
                    brands=demo_store.brands,
                    settings={"plate_prefix": demo_store.plate_prefix},
                    phone="400-800-" + "".join(rng.choice("0123456789") for _ in range(4)),
                )
                db.session.add(store)
                db.session.flush()
            staff = StoreStaff(store=store)
            for role_code, count, suffix in STORE_STAFF:
                for n in range(1, count + 1):
                    username = f"{demo_store.code.lower()}.{suffix}{n if count > 1 else ''}"
                    user = _user(org, username, person_name(rng))
                    _member(user, store, roles[role_code], org)
                    staff.by_role.setdefault(role_code, []).append(user)
            result.append(staff)
    # A store manager who runs two stores: switches between them in the header.
    hn_stores = [s for s in result if s.store.code in ("GZ01", "SZ01")]
    if len(hn_stores) == 2:
        _member(
            hn_stores[0].first("store_manager"),
            hn_stores[1].store,
            roles["store_manager"],
            hn_stores[0].store.organisation,
        )
    db.session.flush()
    return result


def run(seed: int = 20261123) -> list[StoreStaff]:
    """Create everything (idempotent) and return the demo stores' staff."""
    rng = random.Random(seed)
    with tenancy.system():
        staff_by_store = seed_foundation(rng)
    for staff in staff_by_store:
        seed_store(staff, random.Random(f"{seed}:{staff.store.code}"))
    return staff_by_store


def load_module_seeders() -> None:
    import importlib

    from . import MODULES

    for name in MODULES:  # each module's demo.py registers its seeder on import
        try:
            importlib.import_module(f"{name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{name}.demo":
                raise


def seed_store(staff: StoreStaff, rng: random.Random) -> None:
    """Run every module's seeder for one store, in that store's tenant context."""
    load_module_seeders()
    with tenancy.enter(staff.store.id):
        for _order, _name, fn in sorted(_SEEDERS, key=lambda s: (s[0], s[1])):
            fn(staff, rng)
        db.session.flush()


def demo_logins() -> list[tuple[str, str]]:
    """(username, description) pairs to print after seeding."""
    rows = [("platform", "平台管理员 platform admin")]
    for demo_org in DEMO_ORGS:
        rows.append((f"{demo_org.code}.admin", f"{demo_org.name} 集团管理员 group admin"))
        rows.append((f"{demo_org.code}.manager", f"{demo_org.name} 集团经理 group manager"))
        for demo_store in demo_org.stores[:1]:
            code = demo_store.code.lower()
            rows += [
                (f"{code}.manager", f"{demo_store.name} 店总 store manager"),
                (f"{code}.salesmgr", f"{demo_store.name} 销售经理 sales manager"),
                (f"{code}.reception", f"{demo_store.name} 前台 receptionist"),
                (f"{code}.sales1", f"{demo_store.name} 销售顾问 sales consultant"),
                (f"{code}.finance", f"{demo_store.name} 财务 finance clerk"),
                (f"{code}.advisor", f"{demo_store.name} 服务顾问 service advisor"),
                (f"{code}.tech", f"{demo_store.name} 维修技师 technician"),
                (f"{code}.parts", f"{demo_store.name} 配件管理员 parts clerk"),
                (f"{code}.care", f"{demo_store.name} 客服回访专员 care agent"),
                (f"{code}.marketing", f"{demo_store.name} 市场专员 marketing"),
            ]
    return rows


def today() -> dt.date:
    """Today in the demo stores' zone (China Standard Time), not the server's."""
    return local_today()
