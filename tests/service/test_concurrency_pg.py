"""Two real transactions at once on PostgreSQL: two bookings for the last place of a slot
-> exactly one wins (the count runs under the store row lock, inside the transaction); two
receptions at once -> two different RO numbers.

Runs in a dedicated database with committed data (the per-test transaction cannot be seen
from a second connection), like tests/sales/test_concurrency_pg.py.
"""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
import sqlalchemy as sa

from dealer_saas import tenancy
from dealer_saas.customers.models import Customer, CustomerVehicle
from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.service.models import Appointment, RepairOrder
from dealer_saas.service.services import appointments, repair_orders
from dealer_saas.tenancy import Organisation, Store, User
from dealer_saas.validation import with_check_digit

from ..sales.test_concurrency_pg import dedicated  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL") or "").startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)"
    ),
]


def _seed(app, *, bays: int) -> dict:
    with app.app_context(), tenancy.system():
        org = Organisation(name="并发集团", code="svc-conc")
        db.session.add(org)
        db.session.flush()
        store = Store(org_id=org.id, name="并发店", code="S01", settings={"service_workshop": {"bays": bays}})
        db.session.add(store)
        db.session.flush()
        users = [User(org_id=org.id, username=f"adv{n}", name=f"顾问{n}", password_hash="x") for n in range(2)]
        db.session.add_all(users)
        customer = Customer(org_id=org.id, store_id=store.id, name="客户", mobile="13900000001")
        db.session.add(customer)
        db.session.flush()
        cars = [
            CustomerVehicle(
                org_id=org.id,
                store_id=store.id,
                vin=with_check_digit(f"LSVAU2180N250000{n}"),
                plate=f"粤A0000{n}",
                owner_id=customer.id,
                mileage=1000,
            )
            for n in range(3)
        ]
        db.session.add_all(cars)
        db.session.commit()
        return {
            "store": store.id,
            "users": [u.id for u in users],
            "plates": [c.plate for c in cars],
            "cars": [c.id for c in cars],
        }


def _race(app, ids, work) -> list:
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
                threading.Event().wait(0.3)  # hold the lock so the other really waits
                db.session.commit()
                results[n] = "ok"
            except DomainError as error:
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


def _slot(app, ids) -> dt.datetime:
    with app.app_context(), tenancy.enter(ids["store"]):
        store = tenancy.current_store()
        slot = appointments.slot_starts(tenancy.store_today() + dt.timedelta(days=1), store)[2]
        db.session.remove()
    return slot


def test_two_bookings_for_the_last_place_of_a_slot(app, dedicated):  # noqa: F811
    ids = _seed(app, bays=2)
    slot = _slot(app, ids)
    with app.test_request_context(), tenancy.enter(ids["store"], user_id=ids["users"][0]):
        appointments.book({"plate_or_vin": ids["plates"][2], "slot": slot, "service_type": "maintenance"})
        db.session.commit()
        db.session.remove()
    results = _race(
        app,
        ids,
        lambda n: appointments.book({"plate_or_vin": ids["plates"][n], "slot": slot, "service_type": "maintenance"}),
    )
    assert sorted(r == "ok" for r in results) == [False, True], results
    assert "约满" in next(r for r in results if r != "ok")
    with app.app_context(), tenancy.system():
        assert db.session.execute(sa.select(sa.func.count(Appointment.id))).scalar_one() == 2
        db.session.remove()


def test_two_receptions_at_once_get_two_numbers(app, dedicated):  # noqa: F811
    ids = _seed(app, bays=2)
    data = {"mileage_in": 1200, "fuel_level": "half", "complaints": "保养"}
    results = _race(app, ids, lambda n: repair_orders.open_repair_order(ids["cars"][n], data))
    assert results == ["ok", "ok"], results
    with app.app_context(), tenancy.system():
        numbers = sorted(db.session.execute(sa.select(RepairOrder.number)).scalars())
        db.session.remove()
    assert len(set(numbers)) == 2 and numbers[0].endswith("-001") and numbers[1].endswith("-002")
