"""Demo stock: the group's catalogue for each store's brand, cars by VIN with realistic
ageing, two demo cars for test drives, two minimums and one transfer between stores."""

from __future__ import annotations

import datetime as dt
import decimal
import random

from sqlalchemy import select

from .. import demo, tenancy
from ..extensions import db
from ..tenancy import Store
from . import services
from .models import ModelStockMinimum, StockTransfer, StockVehicle, VehicleModel

#: brand -> (code prefix, [(series, trim, list price in CNY)])
CATALOGUE: dict[str, tuple[str, list[tuple[str, str, int]]]] = {
    "大众": (
        "VW",
        [
            ("帕萨特", "330TSI 精英版", 209900),
            ("帕萨特", "380TSI 旗舰版", 259900),
            ("途观L", "330TSI 两驱智享版", 224800),
            ("朗逸", "1.5L 自动满逸版", 123900),
            ("探岳", "330TSI 两驱豪华智联版", 219900),
        ],
    ),
    "奥迪": (
        "AUDI",
        [
            ("A4L", "40 TFSI 时尚动感型", 321800),
            ("Q5L", "40 TFSI 豪华动感型", 417900),
            ("A6L", "45 TFSI 臻选动感型", 459900),
            ("Q3", "35 TFSI 时尚致雅型", 289800),
        ],
    ),
    "丰田": (
        "TOYOTA",
        [
            ("凯美瑞", "2.0E 精英版", 179800),
            ("凯美瑞", "2.5HG 豪华版", 229800),
            ("RAV4荣放", "2.0L CVT 两驱风尚版", 175800),
            ("汉兰达", "2.0T 四驱豪华版", 319800),
        ],
    ),
    "别克": (
        "BUICK",
        [
            ("君越", "652T 尊贵型", 239900),
            ("昂科威Plus", "28T 四驱豪华型", 259900),
            ("君威", "552T 精英型", 179900),
            ("GL8", "ES陆尊 653T 豪华型", 329900),
        ],
    ),
    "本田": (
        "HONDA",
        [
            ("雅阁", "260TURBO 精英版", 179800),
            ("CR-V", "240TURBO 两驱锋尚5座版", 181900),
            ("思域", "240TURBO CVT 劲擎版", 139900),
            ("皓影", "240TURBO 两驱豪华版", 185900),
        ],
    ),
    "宝马": (
        "BMW",
        [
            ("3系", "325Li M运动套装", 349900),
            ("5系", "525Li 豪华套装", 439900),
            ("X3", "xDrive25i M运动套装", 409900),
            ("X1", "sDrive25Li 领先型", 299900),
        ],
    ),
}


def _catalogue_for(brand: str, rng: random.Random) -> list[VehicleModel]:
    """The org's models of ``brand``, adding the missing ones (idempotent by code)."""
    prefix, entries = CATALOGUE.get(brand, CATALOGUE["大众"])
    brand = brand if brand in CATALOGUE else "大众"
    codes = [f"{prefix}{n:02d}" for n in range(1, len(entries) + 1)]
    existing = {
        m.code: m for m in db.session.execute(select(VehicleModel).where(VehicleModel.code.in_(codes))).scalars()
    }
    models = []
    for code, (series, trim, price) in zip(codes, entries):
        model = existing.get(code)
        if model is None:
            colours = rng.sample(demo.COLOURS, 4)
            model = VehicleModel(
                code=code,
                brand=brand,
                series=series,
                trim=trim,
                model_year=2026,
                list_price=decimal.Decimal(price),
                colours=",".join(colours),
            )
            db.session.add(model)
        models.append(model)
    db.session.flush()
    return models


def _has_own_stock() -> bool:
    # Cars received by transfer from a sibling store do not count: this store's run has not
    # happened if those are its only cars.
    transferred_in = select(StockTransfer.vehicle_id).where(StockTransfer.direction == "in")
    return (
        db.session.execute(select(StockVehicle.id).where(StockVehicle.id.not_in(transferred_in)).limit(1)).scalar()
        is not None
    )


def _sibling(store: Store) -> Store | None:
    """The store to send the demo transfer to: only the org's first store sends, to its second."""
    first_two = list(
        db.session.execute(
            select(Store).where(Store.org_id == store.org_id, Store.is_active.is_(True)).order_by(Store.id).limit(2)
        ).scalars()
    )
    if len(first_two) == 2 and first_two[0].id == store.id:
        return first_two[1]
    return None


@demo.seeder(10)
def seed_inventory(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Catalogue, stock, demo cars, minimums and a transfer for one store."""
    store = staff.store
    brands = store.brand_list or ["大众"]
    models = [m for brand in brands for m in _catalogue_for(brand, rng)]
    if _has_own_stock():
        return
    today = tenancy.store_today()
    plate_prefix = (store.settings or {}).get("plate_prefix", "粤A")
    seen: set[str] = set()

    def new_vin(brand: str) -> str:
        while True:
            value = demo.vin(rng, brand)
            if value not in seen:
                seen.add(value)
                return value

    def car(model: VehicleModel, **fields) -> StockVehicle:
        cost = (model.list_price * decimal.Decimal(str(round(rng.uniform(0.82, 0.92), 3)))).quantize(
            decimal.Decimal("1")
        )
        colours = model.colours.split(",") if model.colours else demo.COLOURS
        vehicle = StockVehicle(
            vin=new_vin(model.brand),
            model_id=model.id,
            colour=rng.choice(colours),
            interior_colour=rng.choice(["黑色", "米色", "棕色"]),
            cost=cost,
            **fields,
        )
        db.session.add(vehicle)
        return vehicle

    # Two demo cars with plates, for test drives.
    for model in models[:2]:
        arrival = today - dt.timedelta(days=rng.randint(60, 140))
        car(
            model,
            state="in_stock",
            is_demo=True,
            plate=demo.plate(rng, plate_prefix),
            arrival_date=arrival,
            production_date=arrival - dt.timedelta(days=rng.randint(20, 50)),
            location="试驾车位",
        )
    count = max(3, int(40 * staff.scale))
    for n in range(count):
        model = models[n % len(models)] if n < len(models) else rng.choice(models)
        if n == 0:
            age = rng.randint(100, 150)  # at least one car aged over 90 days
        elif n > 2 and rng.random() < 0.15:
            age = None  # in transit
        else:
            age = rng.randint(0, 150)
        if age is None:
            car(model, state="in_transit", production_date=today - dt.timedelta(days=rng.randint(10, 40)))
        else:
            arrival = today - dt.timedelta(days=age)
            car(
                model,
                state="in_stock",
                arrival_date=arrival,
                production_date=arrival - dt.timedelta(days=rng.randint(15, 60)),
                location=f"{rng.choice('ABC')}区-{rng.randint(1, 40):02d}",
            )
    db.session.flush()

    # Minimums for two models: the first one under its minimum, the second met.
    counts = services._in_stock_counts()
    below, met = models[0], models[1]
    db.session.add(ModelStockMinimum(model_id=below.id, min_quantity=counts.get(below.id, 0) + 2))
    db.session.add(ModelStockMinimum(model_id=met.id, min_quantity=max(1, counts.get(met.id, 0))))
    db.session.flush()

    destination = _sibling(store)
    if destination is not None:
        sendable = db.session.execute(
            select(StockVehicle)
            .where(
                StockVehicle.state == "in_stock",
                StockVehicle.is_demo.is_(False),
                StockVehicle.model_id.not_in([below.id, met.id]),
            )
            .order_by(StockVehicle.arrival_date.desc(), StockVehicle.id)
            .limit(1)
        ).scalar_one_or_none()
        if sendable is not None:
            services.send_transfer(sendable.id, destination.id, "集团内调拨（演示）")


# --------------------------------------------------------------------------- the reports' twelve months


def add_delivered_cars(rows: list[dict]) -> list[int]:
    """The cars delivered by the demo's past orders (planned by ``reports.demo``), already
    in the ``delivered`` state; their ids, in order."""
    cars = [StockVehicle(**row, state="delivered") for row in rows]
    db.session.add_all(cars)
    db.session.flush()
    return [car.id for car in cars]
