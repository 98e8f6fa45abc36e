"""Demo sales data: test drives, quotes, and orders in every state (with approvals,
payments, an allocated car, a delivery with the customer's vehicle, a cancellation), a loan
and an insurance policy. Built through the services, so the rows obey the rules. Idempotent.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from .. import demo, tenancy
from ..customers.models import Customer
from ..extensions import db
from ..inventory import services as inventory
from ..inventory.models import StockVehicle, VehicleModel
from ..pinyin import full_pinyin, initials
from ..tenancy import User
from ..timeutil import from_local, local_today, utcnow
from . import services
from .models import SalesOrder, TestDrive

#: the states demo orders end in (the first ones are made even at the smallest scale)
ORDER_PLAN = ("submitted", "allocated", "delivered", "cancelled", "draft", "approved", "deposit_paid", "invoiced")


@contextlib.contextmanager
def as_user(user: User | None):
    """Act as one member of staff (the services record who did what)."""
    ctx = tenancy.current()
    with tenancy.use(dataclasses.replace(ctx, user_id=user.id if user else None)):
        yield


def _customers(staff: demo.StoreStaff, rng: random.Random) -> list[Customer]:
    customers = list(db.session.execute(select(Customer).order_by(Customer.id).limit(60)).scalars())
    if customers:
        return customers
    for _ in range(6):  # the customers seeder has not run (or made none): the minimum we need
        name = demo.person_name(rng)
        mobile = demo.mobile(rng)
        customers.append(
            Customer(
                name=name,
                name_pinyin=full_pinyin(name),
                name_initials=initials(name),
                mobile=mobile,
                mobile_last4=mobile[-4:],
                source="walk_in",
                owner_id=staff.first("sales_consultant").id,
            )
        )
    db.session.add_all(customers)
    db.session.flush()
    return customers


def _vehicle_model(staff: demo.StoreStaff) -> VehicleModel:
    brands = staff.store.brand_list or ["大众"]
    models = list(
        db.session.execute(
            select(VehicleModel).where(VehicleModel.is_active.is_(True)).order_by(VehicleModel.id)
        ).scalars()
    )
    for model in models:
        if model.brand in brands:
            return model
    if models:
        return models[0]
    model = VehicleModel(
        code=f"DEMO-{brands[0]}",
        brand=brands[0],
        series="演示车系",
        trim="舒适版",
        model_year=2026,
        list_price=Decimal("189900.00"),
        colours=",".join(demo.COLOURS),
    )
    db.session.add(model)
    db.session.flush()
    return model


def _stock(staff: demo.StoreStaff, rng: random.Random, model: VehicleModel, needed: int) -> None:
    """Make sure there are demo cars and ``needed`` sellable cars of ``model``."""
    today = local_today(staff.store.timezone)
    new = []
    if not inventory.demo_cars():
        new.append(
            StockVehicle(
                vin=demo.vin(rng, model.brand),
                model_id=model.id,
                colour=demo.COLOURS[0],
                state="in_stock",
                is_demo=True,
                arrival_date=today - dt.timedelta(days=90),
                plate=demo.plate(rng, staff.store.settings.get("plate_prefix", "粤A")),
                cost=model.list_price * Decimal("0.9"),
            )
        )
    shortfall = needed - len(inventory.available_for_model(model.id, limit=needed))
    for n in range(max(0, shortfall)):
        new.append(
            StockVehicle(
                vin=demo.vin(rng, model.brand),
                model_id=model.id,
                colour=rng.choice(demo.COLOURS),
                state="in_stock",
                arrival_date=today - dt.timedelta(days=rng.randint(5, 120)),
                cost=model.list_price * Decimal("0.88"),
                location=f"A-{n + 1:02d}",
            )
        )
    db.session.add_all(new)
    db.session.flush()


def _test_drives(staff: demo.StoreStaff, rng: random.Random, customers: list[Customer]) -> None:
    """Bookings on a grid (one car, one hour, never overlapping) from three days ago to three
    days ahead; past ones are done with feedback."""
    cars = inventory.demo_cars()
    consultants = staff.by_role.get("sales_consultant") or [staff.first("store_manager")]
    tz = staff.store.timezone
    count = max(1, int(12 * staff.scale))
    today = local_today(tz)
    now = utcnow()
    rows = []
    for n in range(count):
        car = cars[n % len(cars)]
        slot = n // len(cars)
        day = today + dt.timedelta(days=(slot % 7) - 3)
        hour = 10 + (slot // 7) % 8
        start = from_local(dt.datetime.combine(day, dt.time(hour)), tz)
        past = start < now
        rows.append(
            TestDrive(
                customer_id=customers[n % len(customers)].id,
                vehicle_id=car.id,
                consultant_id=consultants[n % len(consultants)].id,
                starts_at=start,
                ends_at=start + dt.timedelta(minutes=30),
                licence_number=f"4401{rng.randint(10**13, 10**14 - 1)}",
                licence_checked=past,
                waiver_signed=past,
                status=("done" if n % 5 else "no_show") if past else "booked",
                rating=rng.randint(3, 5) if past and n % 5 else None,
                feedback=rng.choice(["动力不错，想再比较一下价格", "空间满意，家人也喜欢", "底盘偏硬", ""])
                if past
                else "",
            )
        )
    db.session.add_all(rows)
    db.session.flush()


def _quote(customer: Customer, model: VehicleModel, discount_pct: Decimal, rng: random.Random):
    discount = (model.list_price * discount_pct / 100).quantize(Decimal("1"))
    return services.create_quote(
        customer.id,
        {
            "model_id": model.id,
            "colour": rng.choice(demo.COLOURS),
            "discount": discount,
            "accessories": "脚垫 300\n行车记录仪 800" if rng.random() < 0.6 else "",
            "insurance_amount": Decimal("6800"),
            "purchase_tax": None,
            "registration_fee": Decimal("500"),
            "other_fees": Decimal("0"),
            "payment_method": rng.choice(["cash", "cash", "loan"]),
            "valid_until": None,
            "notes": "",
        },
    )


def _order_to(
    target: str, staff: demo.StoreStaff, rng: random.Random, customer: Customer, model: VehicleModel, consultant: User
) -> SalesOrder:
    manager = staff.first("sales_manager")
    finance = (staff.by_role.get("finance_clerk") or [manager])[0]
    with as_user(consultant):
        pct = Decimal("4.5") if target == "submitted" else Decimal(rng.choice(["1", "2", "2.5"]))
        quote = _quote(customer, model, pct, rng)
        order = services.create_order_from_quote(quote.id)
        if target == "draft":
            return order
        services.submit_order(order.id)
    if target == "submitted":
        return order
    if order.status == "submitted":
        with as_user(manager):
            services.approve_order(order.id, "同意")
    if target == "approved":
        return order
    with as_user(finance):
        services.record_payment(
            order.id, kind="deposit", method="wechat", amount=order.deposit_required, reference="DEMO"
        )
    if target == "deposit_paid":
        return order
    vehicle = inventory.available_for_model(model.id, limit=1)[0]
    with as_user(consultant):
        services.allocate_vehicle(order.id, vehicle.id)
    if target == "allocated":
        return order
    if target == "cancelled":
        with as_user(consultant):
            services.cancel_order(order.id, "客户资金安排变化")
        return order
    with as_user(finance):
        services.record_payment(order.id, kind="balance", method="transfer", amount=order.total - order.paid_total)
        services.invoice_order(order.id, f"{rng.randint(10**7, 10**8 - 1)}")
    if target == "invoiced":
        return order
    with as_user(consultant):
        services.deliver_order(
            order.id,
            checklist={k: True for k in services.DELIVERY_CHECKLIST},
            received_by_name=customer.name,
            mileage=rng.randint(3, 30),
        )
    return order


@demo.seeder(40)
def seed_sales(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Test drives, quotes, orders in every state, payments, a loan and a policy."""
    if db.session.execute(select(SalesOrder.id).limit(1)).scalar() is not None:
        return
    customers = _customers(staff, rng)
    model = _vehicle_model(staff)
    extra = max(0, int(8 * staff.scale) - len(ORDER_PLAN))
    plan = list(ORDER_PLAN) + [rng.choice(ORDER_PLAN) for _ in range(extra)]
    _stock(staff, rng, model, needed=sum(1 for t in plan if t in ("allocated", "delivered", "cancelled", "invoiced")))
    _test_drives(staff, rng, customers)
    consultants = staff.by_role.get("sales_consultant") or [staff.first("store_manager")]
    with as_user(consultants[0]):
        for n in range(max(1, int(6 * staff.scale))):
            _quote(customers[(n + 3) % len(customers)], model, Decimal(rng.choice(["0", "1.5", "3"])), rng)
    orders = {}
    for n, target in enumerate(plan):
        orders.setdefault(
            target,
            _order_to(target, staff, rng, customers[n % len(customers)], model, consultants[n % len(consultants)]),
        )
    finance = (staff.by_role.get("finance_clerk") or [staff.first("sales_manager")])[0]
    with as_user(finance):
        loan_order = orders["allocated"]
        loan = services.create_loan(
            loan_order.id,
            {
                "lender": "平安银行汽车金融",
                "amount": loan_order.total * Decimal("0.6"),
                "down_payment": loan_order.total * Decimal("0.4"),
                "term_months": 36,
                "annual_rate": Decimal("3.990"),
                "commission": Decimal("1800"),
            },
        )
        services.change_loan_state(loan.id, "submitted")
        services.change_loan_state(loan.id, "approved")
        delivered = orders["delivered"]
        policy = services.create_policy(
            delivered.id,
            {"insurer": "中国人保财险", "policy_number": "", "premium": Decimal("6800"), "commission": Decimal("900")},
        )
        services.change_policy_state(policy.id, "issued", f"PDAA{rng.randint(10**11, 10**12 - 1)}")
        services.create_policy(
            loan_order.id, {"insurer": "平安产险", "premium": Decimal("7200"), "commission": Decimal("950")}
        )
    db.session.flush()


# --------------------------------------------------------------------------- the reports' twelve months


def add_history_test_drives(rows: list[dict]) -> None:
    """Test drives done in the demo's past months (planned by ``reports.demo``)."""
    db.session.add_all([TestDrive(**row, status="done", licence_checked=True, waiver_signed=True) for row in rows])
    db.session.flush()


def add_history_orders(rows: list[dict]) -> None:
    """Orders of the demo's past months, delivered or cancelled (planned by ``reports.demo``)."""
    db.session.add_all([SalesOrder(**row) for row in rows])
    db.session.flush()
