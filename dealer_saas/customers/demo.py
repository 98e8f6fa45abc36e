"""Demo customers per store: names, phones, levels, tags, companies with contacts, cars with
owner history, and a duplicate pair for the duplicate finder. Idempotent."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from .. import demo
from ..extensions import db
from ..pinyin import full_pinyin, initials
from ..timeutil import utcnow
from .models import Customer, CustomerContact, CustomerTag, CustomerVehicle, VehicleOwnership

_TAGS = ["老客户", "团购", "转介绍", "置换", "首购", "二胎家庭", "企业客户"]
_COMPANIES = ["华发贸易有限公司", "鹏程物流有限公司", "新星科技有限公司", "恒达建设集团", "南粤餐饮管理公司"]
_SOURCES = ["walk_in"] * 4 + ["phone"] * 2 + ["web", "referral", "campaign", "existing"]
_LEVELS = ["prospect"] * 5 + ["owner"] * 3 + ["vip", "inactive"]
_MODELS = {
    "大众": ["帕萨特", "迈腾", "途观L", "ID.4"],
    "奥迪": ["A4L", "A6L", "Q5L"],
    "丰田": ["凯美瑞", "汉兰达", "RAV4"],
    "别克": ["君威", "GL8", "昂科威"],
    "本田": ["雅阁", "CR-V", "思域"],
    "宝马": ["3系", "5系", "X3"],
}


def _customer(
    rng: random.Random,
    name: str,
    mobile: str,
    owner_id: int | None,
    kind: str = "individual",
    created_days_ago: int = 0,
) -> Customer:
    created = utcnow() - dt.timedelta(days=created_days_ago, minutes=rng.randrange(600))
    customer = Customer(
        name=name,
        name_pinyin=full_pinyin(name),
        name_initials=initials(name),
        kind=kind,
        mobile=mobile,
        mobile_last4=mobile[-4:],
        gender=rng.choice(["M", "F", ""]) if kind == "individual" else "",
        source=rng.choice(_SOURCES),
        level=rng.choice(_LEVELS),
        owner_id=owner_id,
        created_at=created,
        updated_at=created,
    )
    db.session.add(customer)
    return customer


@demo.seeder(20)
def seed_customers(staff: demo.StoreStaff, rng: random.Random) -> None:
    # every run makes a company contact: its presence means this store was seeded already
    if db.session.execute(select(CustomerContact.id).limit(1)).first() is not None:
        return
    consultants = [u.id for u in staff.by_role.get("sales_consultant", [])]
    brand = (staff.store.brand_list or ["大众"])[0]
    prefix = (staff.store.settings or {}).get("plate_prefix", "粤A")
    used_mobiles = set(db.session.execute(select(Customer.mobile).where(Customer.mobile.isnot(None))).scalars())
    used_vins = set(db.session.execute(select(CustomerVehicle.vin)).scalars())

    def fresh_mobile() -> str:
        while True:
            number = demo.mobile(rng)
            if number not in used_mobiles:
                used_mobiles.add(number)
                return number

    def fresh_vin() -> str:
        while True:
            value = demo.vin(rng, brand)
            if value not in used_vins:
                used_vins.add(value)
                return value

    total = max(1, int(150 * staff.scale))
    customers: list[Customer] = []
    for n in range(total):
        owner = None if (rng.random() < 0.2 or not consultants) else rng.choice(consultants)
        is_company = n % 12 == 5 or (n == 0)
        name = rng.choice(_COMPANIES) if is_company else demo.person_name(rng)
        customer = _customer(
            rng,
            name,
            fresh_mobile(),
            owner,
            "company" if is_company else "individual",
            created_days_ago=rng.randrange(0, 365),
        )
        for tag in rng.sample(_TAGS, rng.choice((0, 0, 1, 1, 2))):
            customer.tags.append(CustomerTag(tag=tag))
        if is_company:
            for i in range(rng.choice((1, 2))):
                customer.contacts.append(
                    CustomerContact(
                        name=demo.person_name(rng),
                        title=rng.choice(["采购", "行政", "总经理"]),
                        mobile=fresh_mobile(),
                        is_primary=i == 0,
                    )
                )
        customers.append(customer)
    db.session.flush()
    vehicles: list[CustomerVehicle] = []
    for n, customer in enumerate(customers):
        if n % 2 and n != 0:
            continue
        bought = demo.today() - dt.timedelta(days=rng.randrange(30, 2000))
        vehicle = CustomerVehicle(
            vin=fresh_vin(),
            plate=demo.plate(rng, prefix),
            brand=brand,
            model=rng.choice(_MODELS.get(brand, ["轿车"])),
            colour=rng.choice(demo.COLOURS),
            purchase_date=bought,
            mileage=rng.randrange(1000, 120000),
            insurance_expiry=demo.today() + dt.timedelta(days=rng.randrange(-30, 365)),
            next_service_date=demo.today() + dt.timedelta(days=rng.randrange(-10, 180)),
            next_service_mileage=rng.randrange(5, 130) * 1000,
            owner_id=customer.id,
        )
        vehicle.ownerships.append(VehicleOwnership(customer_id=customer.id, started_on=bought))
        db.session.add(vehicle)
        vehicles.append(vehicle)
    # some second-hand cars: the first owner sold to another customer of the store
    for vehicle in vehicles[1 : max(2, len(vehicles) // 10)]:
        buyer = rng.choice(customers)
        if buyer.id == vehicle.owner_id:
            continue
        sold = vehicle.purchase_date + dt.timedelta(days=rng.randrange(10, 25))
        vehicle.ownerships[0].ended_on = sold
        vehicle.ownerships.append(VehicleOwnership(customer_id=buyer.id, started_on=sold))
        vehicle.owner_id = buyer.id
    # a duplicate pair: the same person registered twice (second number in other phones, same plate)
    original = customers[0] if len(customers) == 1 else customers[-1]
    twin = _customer(rng, original.name, fresh_mobile(), None, created_days_ago=1)
    twin.other_phones = original.mobile or ""
    db.session.flush()
    original_plate = next((v.plate for v in vehicles if v.owner_id == original.id), demo.plate(rng, prefix))
    twin_vehicle = CustomerVehicle(
        vin=fresh_vin(),
        plate=original_plate,
        brand=brand,
        owner_id=twin.id,
        model=rng.choice(_MODELS.get(brand, ["轿车"])),
    )
    twin_vehicle.ownerships.append(VehicleOwnership(customer_id=twin.id, started_on=demo.today()))
    db.session.add(twin_vehicle)
    db.session.flush()


# --------------------------------------------------------------------------- the reports' twelve months


def add_history_customers(rows: list[dict]) -> list[int]:
    """Customers registered in the demo's past months (planned by ``reports.demo``): the
    name's pinyin and the mobile's last four are filled here; their ids, in order."""
    customers = [
        Customer(
            **row,
            name_pinyin=full_pinyin(row["name"]),
            name_initials=initials(row["name"]),
            mobile_last4=row["mobile"][-4:] if row.get("mobile") else None,
        )
        for row in rows
    ]
    db.session.add_all(customers)
    db.session.flush()
    return [customer.id for customer in customers]


def fill_addresses(addresses: dict[int, str]) -> None:
    """Give the store's customers (id -> address) the addresses the history planned."""
    if not addresses:
        return
    for customer in db.session.execute(select(Customer).where(Customer.id.in_(list(addresses)))).scalars():
        customer.address = addresses[customer.id]
    db.session.flush()
