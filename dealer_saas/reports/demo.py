"""Demo targets: every demo consultant gets targets for this month and last month, so the
ranking shows actual against target (idempotent: a month that has targets is left alone)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from .. import demo
from ..extensions import db
from ..timeutil import local_today
from .models import SalesTarget


@demo.seeder(60)
def seed_targets(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Units, deliveries and gross margin targets per consultant for two months."""
    consultants = staff.by_role.get("sales_consultant") or []
    this_month = local_today(staff.store.timezone).replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    for month in (last_month, this_month):
        if db.session.execute(select(SalesTarget.id).where(SalesTarget.month == month).limit(1)).scalar():
            continue
        for n, consultant in enumerate(consultants):
            units = 4 + (n * 3 + rng.randint(0, 4)) % 9
            db.session.add(
                SalesTarget(
                    consultant_id=consultant.id,
                    month=month,
                    units=units,
                    deliveries=max(1, units - 2),
                    gross_margin=Decimal(units * rng.choice((6000, 8000, 10000))),
                )
            )
    db.session.flush()


# --------------------------------------------------------------------------- twelve months of history

#: a month's visits in a demo store at scale 1 before the group's curve
HISTORY_VISITS = 42
#: 华南 grows over the year; 华东 follows the market's seasons (Spring Festival dip, 金九银十)
SEASON = {1: 0.9, 2: 0.55, 3: 0.95, 4: 1.0, 5: 1.05, 6: 0.9, 7: 0.8, 8: 0.9, 9: 1.3, 10: 1.4, 11: 1.0, 12: 1.15}
DISTRICTS = {
    "广州": ("天河区", "越秀区", "海珠区", "番禺区", "白云区"),
    "深圳": ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区"),
    "佛山": ("禅城区", "南海区", "顺德区"),
    "上海": ("浦东新区", "徐汇区", "静安区", "闵行区"),
    "杭州": ("西湖区", "上城区", "拱墅区", "滨江区"),
    "南京": ("鼓楼区", "玄武区", "秦淮区", "建邺区"),
}
STREETS = ("中山路", "人民路", "建设路", "解放路", "新华路", "文化路")


def history_factor(org_code: str, months_back: int, month: int) -> float:
    """How busy a past month is: a steady climb for the first group, seasons for the other."""
    if org_code == "hn":
        return 0.55 + 0.05 * (12 - months_back)
    return SEASON[month]


def _address(rng: random.Random, city: str) -> str:
    district = rng.choice(DISTRICTS.get(city, ("中心区",)))
    return f"{city}市{district}{rng.choice(STREETS)}{rng.randint(1, 300)}号"


class _Ref:
    """A customer, card or car of the plan: its id once the owning module has written it."""

    __slots__ = ("id", "source")

    def __init__(self, ident: int | None = None, source: str = "") -> None:
        self.id, self.source = ident, source


def _ids(rows: list[dict]) -> list[dict]:
    """The planned rows with their references replaced by the ids written meanwhile."""
    return [{k: (v.id if isinstance(v, _Ref) else v) for k, v in row.items()} for row in rows]


@demo.seeder(65)
def seed_history(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Eleven past months of visits, new customers, cards, test drives, orders and deliveries
    (with the delivered cars), shaped by the group's curve, and addresses for most customers,
    so every report and chart has a year of shape. Idempotent (a store with a visit older
    than 45 days has its history).

    The history is planned here as plain rows (the same random draws in the same order),
    then each module writes its own rows through its demo functions, set-wise: customers
    (``customers.demo``), visits and cards (``leads.demo``), the delivered cars
    (``inventory.demo``), test drives and orders (``sales.demo``)."""
    from ..customers import demo as customers_demo
    from ..customers.models import Customer
    from ..inventory import demo as inventory_demo
    from ..inventory.models import StockVehicle, VehicleModel
    from ..leads import demo as leads_demo
    from ..leads.models import Visit
    from ..sales import demo as sales_demo
    from ..timeutil import from_local, utcnow

    now = utcnow()
    if db.session.execute(select(Visit.id).where(Visit.time_in < now - dt.timedelta(days=45)).limit(1)).scalar():
        return
    store = staff.store
    tz = store.timezone
    consultants = [u.id for u in staff.by_role.get("sales_consultant") or [staff.first("store_manager")]]
    customers = db.session.execute(
        select(Customer.id, Customer.address, Customer.mobile, Customer.source)
        .where(Customer.deleted_at.is_(None))
        .order_by(Customer.id)
    ).all()
    models = list(db.session.execute(select(VehicleModel).where(VehicleModel.is_active.is_(True))).scalars())
    brands = store.brand_list or ["大众"]
    models = [m for m in models if m.brand in brands] or models
    cars = list(db.session.execute(select(StockVehicle.id).where(StockVehicle.is_demo.is_(True))).scalars())
    if not customers or not models:
        return
    addresses = {c.id: _address(rng, store.city) for c in customers if not c.address and rng.random() < 0.8}
    known = [_Ref(c.id, c.source) for c in customers]
    used_mobiles = {c.mobile for c in customers if c.mobile}
    org_code = store.organisation.code if store.organisation else ""
    today = local_today(tz)
    month_start = today.replace(day=1)
    sources = ["walk_in"] * 4 + ["phone"] * 2 + ["web"] * 2 + ["referral", "campaign"]
    order_no = 0
    new_customers: list[tuple[_Ref, dict]] = []
    visits: list[dict] = []
    cards: list[tuple[_Ref, dict]] = []
    delivered_cars: list[tuple[_Ref, dict]] = []
    test_drives: list[dict] = []
    orders: list[dict] = []
    for months_back in range(11, 0, -1):
        first = month_start
        for _step in range(months_back):
            first = (first - dt.timedelta(days=1)).replace(day=1)
        last_day = ((first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)).day
        volume = HISTORY_VISITS * staff.scale * history_factor(org_code, months_back, first.month)
        count = max(1, round(volume * rng.uniform(0.9, 1.1)))

        month_customers: list[tuple[_Ref, dt.datetime, int]] = []
        for n in range(count):
            local = dt.datetime.combine(first.replace(day=rng.randint(1, last_day)), dt.time(rng.randint(9, 19)))
            when = from_local(local + dt.timedelta(minutes=rng.randint(0, 59)), tz)
            consultant = rng.choice(consultants)
            customer = None
            if n % 7 != 3:
                if rng.random() < 0.45:  # a new customer, registered at the visit
                    name = demo.person_name(rng)
                    number = demo.mobile(rng)
                    while number in used_mobiles:
                        number = demo.mobile(rng)
                    used_mobiles.add(number)
                    row = {
                        "name": name,
                        "mobile": number if rng.random() < 0.92 else None,
                        "source": rng.choice(sources),
                        "owner_id": consultant if rng.random() < 0.85 else None,
                        "address": _address(rng, store.city) if rng.random() < 0.7 else "",
                        "created_at": when,
                        "updated_at": when,
                    }
                    customer = _Ref(source=row["source"])
                    new_customers.append((customer, row))
                    month_customers.append((customer, when, consultant))
                else:
                    month_customers.append((rng.choice(known), when, consultant))
            visits.append(
                {
                    "kind": "phone" if n % 4 == 2 else "walk_in",
                    "customer_id": customer or (month_customers[-1][0] if n % 7 != 3 else None),
                    "time_in": when,
                    "time_out": when + dt.timedelta(minutes=rng.randint(20, 90)),
                    "source": "phone" if n % 4 == 2 else "walk_in",
                    "consultant_id": consultant,
                    "model_id": rng.choice(models).id,
                    "intended_model": rng.choice(models).series,
                    "created_at": when,
                }
            )
        # cards for about half of the month's visitors, test drives for half of those, an
        # order for about a quarter of the cards, most of them delivered within three weeks
        for customer, when, consultant in month_customers:
            if rng.random() > 0.5:
                continue
            model = rng.choice(models)
            created = when + dt.timedelta(minutes=30)
            ordered = rng.random() < 0.27
            card = {
                "customer_id": customer,
                "consultant_id": consultant,
                "level": rng.choice("HHAABC") if ordered else rng.choice("ABBCC"),
                "status": "won" if ordered else rng.choice(("lost", "lost", "dormant")),
                "intended_model": model.series,
                "model_id": model.id,
                "source": customer.source,
                "next_contact_on": (created + dt.timedelta(days=7)).date(),
                "created_at": created,
                "updated_at": created,
                "last_contact_at": created + dt.timedelta(days=3),
            }
            if card["status"] == "lost":
                card["lost_reason"] = rng.choice(("价格谈不拢", "选择了竞品", "暂缓购车"))
                card["lost_reviewed_at"] = created
            if card["status"] == "dormant":
                card["dormant_at"] = created + dt.timedelta(days=30)
            card_ref = _Ref()
            cards.append((card_ref, card))
            if cars and rng.random() < 0.55:
                start = created + dt.timedelta(hours=rng.randint(1, 72))
                test_drives.append(
                    {
                        "customer_id": customer,
                        "vehicle_id": rng.choice(cars),
                        "consultant_id": consultant,
                        "starts_at": start,
                        "ends_at": start + dt.timedelta(minutes=30),
                        "created_at": created,
                    }
                )
            if not ordered:
                continue
            order_at = created + dt.timedelta(days=rng.randint(1, 6))
            delivered_at = order_at + dt.timedelta(days=rng.randint(5, 21))
            delivered = delivered_at < now and rng.random() < 0.9
            discount = (model.list_price * Decimal(rng.choice(("0.02", "0.03", "0.05")))).quantize(Decimal("1"))
            car = None
            if delivered:
                car = _Ref()
                planned = {
                    "vin": demo.vin(rng, model.brand),
                    "model_id": model.id,
                    "colour": rng.choice(demo.COLOURS),
                    "arrival_date": (order_at - dt.timedelta(days=rng.randint(5, 80))).date(),
                    "cost": (model.list_price * Decimal(rng.choice(("0.88", "0.9", "0.92")))).quantize(Decimal("1")),
                }
                delivered_cars.append((car, planned))
            order_no += 1
            orders.append(
                {
                    "number": f"H{first:%Y%m}-{order_no:04d}",
                    "card_id": card_ref,
                    "customer_id": customer,
                    "consultant_id": consultant,
                    "model_id": model.id,
                    "colour": delivered_cars[-1][1]["colour"] if car else rng.choice(demo.COLOURS),
                    "list_price": model.list_price,
                    "discount": discount,
                    "total": model.list_price - discount,
                    "paid_total": model.list_price - discount if delivered else Decimal("0"),
                    "status": "delivered" if delivered else "cancelled",
                    "stock_vehicle_id": car,
                    "delivered_at": delivered_at if delivered else None,
                    "cancelled_at": None if delivered else order_at + dt.timedelta(days=3),
                    "cancel_reason": "" if delivered else "客户资金安排变化",
                    "created_at": order_at,
                    "updated_at": delivered_at if delivered else order_at,
                }
            )
            card["won_at"] = order_at

    # each module writes its own rows, in the order the references need
    customers_demo.fill_addresses(addresses)
    for ref, ident in zip(
        (r for r, _row in new_customers),
        customers_demo.add_history_customers([row for _r, row in new_customers]),
        strict=True,
    ):
        ref.id = ident
    leads_demo.add_history_visits(_ids(visits))
    for ref, ident in zip(
        (r for r, _row in cards), leads_demo.add_history_cards(_ids([c for _r, c in cards])), strict=True
    ):
        ref.id = ident
    for ref, ident in zip(
        (r for r, _row in delivered_cars),
        inventory_demo.add_delivered_cars([row for _r, row in delivered_cars]),
        strict=True,
    ):
        ref.id = ident
    sales_demo.add_history_test_drives(_ids(test_drives))
    sales_demo.add_history_orders(_ids(orders))
