"""Two real transactions at once on PostgreSQL: one car, two orders -> exactly one wins;
one demo car, two overlapping bookings -> exactly one wins.

Runs in a dedicated database (created and dropped here) with committed data, because the
usual per-test transaction cannot be seen from a second connection.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker

from dealer_saas import tenancy
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.inventory.models import StockVehicle, VehicleModel
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.sales import services
from dealer_saas.sales.models import SalesOrder, TestDrive
from dealer_saas.tenancy import Organisation, Store, User
from dealer_saas.timeutil import utcnow
from dealer_saas.validation import with_check_digit

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL") or "").startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)"
    ),
]


@pytest.fixture
def dedicated(app, database_url):
    """A fresh database with the schema, and ``db.session`` pointed at it for the test."""
    from flask_sqlalchemy.session import _app_ctx_id

    url = sa.make_url(database_url)
    name = f"dealer_conc_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = sa.create_engine(url.set(database=name), pool_size=5)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        db.metadata.create_all(connection)
    previous = db.session
    db.session = scoped_session(sessionmaker(bind=engine), scopefunc=_app_ctx_id)
    try:
        yield engine
    finally:
        db.session.remove()
        db.session = previous
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _seed(app) -> dict:
    with app.app_context(), tenancy.system():
        org = Organisation(name="并发集团", code="conc")
        db.session.add(org)
        db.session.flush()
        store = Store(org_id=org.id, name="并发店", code="C01", settings={})
        db.session.add(store)
        db.session.flush()
        users = [User(org_id=org.id, username=f"u{n}", name=f"顾问{n}", password_hash="x") for n in range(2)]
        db.session.add_all(users)
        model = VehicleModel(org_id=org.id, code="M1", brand="大众", series="帕萨特", list_price=D("200000"))
        db.session.add(model)
        db.session.flush()
        car = StockVehicle(
            org_id=org.id,
            store_id=store.id,
            vin=with_check_digit("LSVAU2180N2000001"),
            model_id=model.id,
            state="in_stock",
        )
        demo_car = StockVehicle(
            org_id=org.id,
            store_id=store.id,
            vin=with_check_digit("LSVAU2180N2000002"),
            model_id=model.id,
            state="in_stock",
            is_demo=True,
        )
        customer = Customer(org_id=org.id, store_id=store.id, name="客户", mobile="13900000000")
        db.session.add_all([car, demo_car, customer])
        db.session.flush()
        orders = [
            SalesOrder(
                org_id=org.id,
                store_id=store.id,
                number=f"SO-{n}",
                customer_id=customer.id,
                consultant_id=users[n].id,
                created_by_id=users[n].id,
                model_id=model.id,
                list_price=D("200000"),
                total=D("200000"),
                deposit_required=D("5000"),
                paid_total=D("5000"),
                status="deposit_paid",
            )
            for n in range(2)
        ]
        db.session.add_all(orders)
        db.session.commit()
        return {
            "store": store.id,
            "users": [u.id for u in users],
            "car": car.id,
            "demo_car": demo_car.id,
            "customer": customer.id,
            "orders": [o.id for o in orders],
        }


def _race(app, ids, work) -> list:
    """Run ``work(n)`` in two threads that start together, each in its own request,
    tenant context, session and transaction; the first to get the lock holds it a moment."""
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(n):
        with (
            app.test_request_context(),
            tenancy.enter(ids["store"], user_id=ids["users"][n], permissions=ALL_PERMISSIONS),
        ):
            barrier.wait()
            try:
                work(n)
                # hold the row lock a little so the other transaction really waits on it
                threading.Event().wait(0.3)
                db.session.commit()
                results[n] = "ok"
            except services.SalesError as error:
                db.session.rollback()
                results[n] = str(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_orders_allocating_one_car_at_once(app, dedicated):
    ids = _seed(app)
    results = _race(app, ids, lambda n: services.allocate_vehicle(ids["orders"][n], ids["car"]))
    assert sorted(r == "ok" for r in results) == [False, True], results
    loser = next(r for r in results if r != "ok")
    assert "不在库" in loser
    with app.app_context(), tenancy.system():
        orders = db.session.execute(sa.select(SalesOrder).order_by(SalesOrder.id)).scalars().all()
        assert sorted(o.status for o in orders) == ["allocated", "deposit_paid"]
        assert [o.stock_vehicle_id for o in orders].count(ids["car"]) == 1
        car = db.session.execute(sa.select(StockVehicle).where(StockVehicle.id == ids["car"])).scalar_one()
        assert car.state == "allocated"
        db.session.remove()


def test_two_overlapping_bookings_of_one_demo_car_at_once(app, dedicated):
    ids = _seed(app)
    start = (utcnow() + dt.timedelta(hours=3)).replace(second=0, microsecond=0)
    results = _race(
        app,
        ids,
        lambda n: services.book_test_drive(
            customer_id=ids["customer"],
            vehicle_id=ids["demo_car"],
            starts_at=start + dt.timedelta(minutes=10 * n),
            duration_minutes=30,
        ),
    )
    assert sorted(r == "ok" for r in results) == [False, True], results
    assert "已有预约" in next(r for r in results if r != "ok")
    with app.app_context(), tenancy.system():
        assert db.session.execute(sa.select(sa.func.count()).select_from(TestDrive)).scalar_one() == 1
        db.session.remove()


def test_two_quotes_at_once_get_two_numbers_and_one_order_per_quote(app, dedicated):
    ids = _seed(app)
    with app.app_context(), tenancy.system():
        model_id = db.session.execute(sa.select(VehicleModel.id)).scalar_one()
        db.session.remove()
    results = _race(app, ids, lambda n: services.create_quote(ids["customer"], {"model_id": model_id}))
    assert results == ["ok", "ok"], results
    with app.app_context(), tenancy.system():
        from dealer_saas.sales.models import Quote

        quotes = db.session.execute(sa.select(Quote).order_by(Quote.number)).scalars().all()
        numbers = [q.number for q in quotes]
        quote_id = quotes[0].id
        db.session.remove()
    assert len(set(numbers)) == 2 and numbers[0].endswith("-001") and numbers[1].endswith("-002")

    results = _race(app, ids, lambda n: services.create_order_from_quote(quote_id))
    assert sorted(r == "ok" for r in results) == [False, True], results
    assert "已生成订单" in next(r for r in results if r != "ok")
    with app.app_context(), tenancy.system():
        assert (
            db.session.execute(
                sa.select(sa.func.count()).select_from(SalesOrder).where(SalesOrder.quote_id == quote_id)
            ).scalar_one()
            == 1
        )
        db.session.remove()
