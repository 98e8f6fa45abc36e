"""Real transactions at once on PostgreSQL: concurrent issues never drive stock negative.
Four threads sell the last three units (each one), two threads issue the same reserved
parts to two repair orders' worth of demand: the row lock (``SELECT ... FOR UPDATE``) makes
each wait for the other's commit and read the quantity it left.

Runs in a dedicated database with committed data (the per-test transaction cannot be seen
from a second connection), like tests/service/test_concurrency_pg.py.
"""

from __future__ import annotations

import os
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from dealer_saas import tenancy
from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.parts.models import PartStock, StockMovement
from dealer_saas.parts.services import counter_sales, stock
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.tenancy import Organisation, Store, User

from ..sales.test_concurrency_pg import dedicated  # noqa: F401  (the fixture)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (os.environ.get("DATABASE_URL") or "").startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)"
    ),
]
D = Decimal


def _seed(app, on_hand: int) -> dict:
    with app.app_context(), app.test_request_context(), tenancy.system():
        org = Organisation(name="配件并发集团", code="parts-conc")
        db.session.add(org)
        db.session.flush()
        store = Store(org_id=org.id, name="并发店", code="P01")
        db.session.add(store)
        db.session.flush()
        users = [User(org_id=org.id, username=f"clerk{n}", name=f"配件{n}", password_hash="x") for n in range(4)]
        db.session.add_all(users)
        db.session.commit()
        ids = {"store": store.id, "users": [u.id for u in users]}
    with app.app_context(), app.test_request_context(), tenancy.enter(ids["store"], user_id=ids["users"][0]):
        from dealer_saas.parts.services import catalogue

        row = catalogue.create_part(
            {"code": "OF0001", "name": "机油滤清器", "category": "filter", "unit": "pc", "sale_price": "58"}
        )
        stock.apply_movement(row.id, "receipt", D(on_hand), unit_cost=D("20"))
        db.session.commit()
        ids["stock"] = row.id
        db.session.remove()
    return ids


def _race(app, ids, threads: int, work) -> list:
    barrier = threading.Barrier(threads)
    results: list = [None] * threads

    def run(n):
        with (
            app.test_request_context(),
            tenancy.enter(ids["store"], user_id=ids["users"][n], permissions=ALL_PERMISSIONS),
        ):
            barrier.wait()
            try:
                work(n)
                threading.Event().wait(0.2)  # hold the lock so the others really wait
                db.session.commit()
                results[n] = "ok"
            except DomainError as error:
                db.session.rollback()
                results[n] = str(error)
            finally:
                db.session.remove()

    pool = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    return results


def _state(app, ids) -> tuple[Decimal, Decimal, int]:
    with app.app_context(), tenancy.system():
        row = db.session.execute(sa.select(PartStock).where(PartStock.id == ids["stock"])).scalar_one()
        moves = db.session.execute(
            sa.select(sa.func.count(StockMovement.id)).where(StockMovement.part_stock_id == row.id)
        ).scalar_one()
        result = (row.on_hand, row.reserved, moves)
        db.session.remove()
    return result


def test_four_counter_sales_for_the_last_three_units(app, dedicated):  # noqa: F811
    ids = _seed(app, on_hand=3)
    results = _race(app, ids, 4, lambda n: counter_sales.sell(lines=[("OF0001", 1)], method="cash"))
    assert sorted(r == "ok" for r in results) == [False, True, True, True], results
    assert "不足" in next(r for r in results if r != "ok")
    on_hand, reserved, moves = _state(app, ids)
    assert on_hand == D(0) and reserved == D(0) and moves == 4  # the receipt and three sales


def test_two_issues_of_more_than_is_left_never_go_negative(app, dedicated):  # noqa: F811
    ids = _seed(app, on_hand=5)
    results = _race(app, ids, 2, lambda n: stock.apply_movement(ids["stock"], "issue", D(-3), reference=f"RO-{n}"))
    assert sorted(r == "ok" for r in results) == [False, True], results
    on_hand, _reserved, moves = _state(app, ids)
    assert on_hand == D(2) and moves == 2
