"""A small store with known rows in October 2026 (Asia/Shanghai), a sibling store of the same
group with its own rows, and the figures the reports must find (see ``KNOWN``)."""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from dealer_saas.extensions import db
from dealer_saas.leads.models import FollowUpCard, Visit
from dealer_saas.sales.models import SalesOrder, TestDrive
from dealer_saas.tenancy import Store, User

from .. import factories

D = decimal.Decimal
ZONE = ZoneInfo("Asia/Shanghai")
OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    """A local Shanghai time in 2026, as the UTC the database stores."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=ZONE).astimezone(dt.UTC)


@dataclass
class World:
    store: Store
    sibling: Store
    c1: User
    c2: User
    manager: User
    models: list = field(default_factory=list)
    cards: dict = field(default_factory=dict)


def _order(
    store, customer, consultant, model, car, *, created, status, list_price, discount="0", card=None, delivered=None
):
    order = SalesOrder(
        store_id=store.id,
        org_id=store.org_id,
        number=f"SO-{created:%m%d%H%M}-{customer.id}-{status}",
        customer_id=customer.id,
        consultant_id=consultant.id if consultant else None,
        model_id=model.id,
        list_price=D(list_price),
        discount=D(discount),
        total=D(list_price) - D(discount),
        status=status,
        stock_vehicle_id=car.id if car else None,
        card_id=card.id if card else None,
        created_at=created,
        delivered_at=delivered,
    )
    db.session.add(order)
    return order


def _drive(store, customer, consultant, car, *, created, status, card=None):
    drive = TestDrive(
        store_id=store.id,
        org_id=store.org_id,
        customer_id=customer.id,
        card_id=card.id if card else None,
        vehicle_id=car.id,
        consultant_id=consultant.id,
        starts_at=created + dt.timedelta(days=1),
        ends_at=created + dt.timedelta(days=1, minutes=30),
        status=status,
        created_at=created,
    )
    db.session.add(drive)
    return drive


def _visit(store, customer, consultant, when, source="walk_in", model=None):
    visit = Visit(
        store_id=store.id,
        org_id=store.org_id,
        customer_id=customer.id if customer else None,
        consultant_id=consultant.id if consultant else None,
        time_in=when,
        source=source,
        model_id=model.id if model else None,
    )
    db.session.add(visit)
    return visit


def _card(store, customer, consultant, model, *, created, source, level="A", status="open"):
    card = FollowUpCard(
        store_id=store.id,
        org_id=store.org_id,
        customer_id=customer.id,
        consultant_id=consultant.id,
        model_id=model.id,
        source=source,
        level=level,
        status=status,
        next_contact_on=dt.date(2026, 11, 5),
        created_at=created,
        updated_at=created,
    )
    db.session.add(card)
    db.session.flush()
    return card


def build_world(store: Store) -> World:
    sibling = factories.StoreFactory(organisation=store.organisation, name="兄弟店")
    c1 = factories.user_with_role("sales_consultant", store, name="顾问甲")
    c2 = factories.user_with_role("sales_consultant", store, name="顾问乙")
    manager = factories.user_with_role("store_manager", store)
    m1 = factories.VehicleModelFactory(org_id=store.org_id, series="帕萨特")
    m2 = factories.VehicleModelFactory(org_id=store.org_id, series="途观L")
    v1 = factories.StockVehicleFactory(store=store, vehicle_model=m1, cost=D("200000.00"))
    v2 = factories.StockVehicleFactory(store=store, vehicle_model=m2, cost=D("150000.00"))
    k1 = factories.CustomerFactory(store=store, source="walk_in")
    k2 = factories.CustomerFactory(store=store, source="web")
    k3 = factories.CustomerFactory(store=store, source="referral")

    # visits: k1 twice on 5 Oct (one visit) and once on 6 Oct; k2 at 23:30 on 10 Oct and at
    # 00:30 on 11 Oct (two local days, one UTC day); two anonymous walk-ins on 7 Oct; k3 just
    # before and just after October in local time (both outside)
    _visit(store, k1, c1, at(5, 10), model=m1)
    _visit(store, k1, c1, at(5, 23, 30), model=m1)
    _visit(store, k1, c1, at(6, 9), model=m1)
    _visit(store, k2, c2, at(10, 23, 30), source="web", model=m2)
    _visit(store, k2, c2, at(11, 0, 30), source="web", model=m2)
    _visit(store, None, None, at(7, 11))
    _visit(store, None, None, at(7, 14))
    _visit(store, k3, c1, at(30, 23, 30, month=9), source="referral")
    _visit(store, k3, c1, at(1, 0, 10, month=11), source="referral")

    card1 = _card(store, k1, c1, m1, created=at(5, 11), source="walk_in", status="won", level="H")
    card2 = _card(store, k2, c2, m2, created=at(11, 1), source="web", level="H")
    _card(store, k3, c1, m1, created=at(31, 23), source="referral", status="lost", level="B")
    card4 = _card(store, k3, c2, m2, created=at(30, 23, month=9), source="referral", level="A")

    _drive(store, k1, c1, v1, created=at(6, 10), status="done", card=card1)
    _drive(store, k2, c2, v2, created=at(12, 10), status="booked", card=card2)
    _drive(store, k3, c1, v1, created=at(13, 10), status="cancelled")
    _drive(store, k2, c2, v2, created=at(14, 10), status="no_show", card=card2)

    _order(
        store,
        k1,
        c1,
        m1,
        v1,
        created=at(8, 10),
        status="delivered",
        list_price="229900",
        discount="9900",
        card=card1,
        delivered=at(20, 15),
    )
    _order(store, k2, c2, m2, None, created=at(15, 10), status="submitted", list_price="180000", card=card2)
    _order(store, k3, c1, m1, None, created=at(16, 10), status="cancelled", list_price="229900")
    _order(store, k1, c1, m1, None, created=at(17, 10), status="draft", list_price="229900")
    # ordered in September, delivered on 2 October: a delivery of October, not an order of it
    _order(
        store, k2, c2, m2, v2, created=at(15, 10, month=9), status="delivered", list_price="180000", delivered=at(2, 10)
    )

    # the sibling store: rows that must never be counted in the store's reports
    s_consultant = factories.user_with_role("sales_consultant", sibling, name="兄弟店顾问")
    s_model = factories.VehicleModelFactory(org_id=store.org_id)
    s_car = factories.StockVehicleFactory(store=sibling, vehicle_model=s_model, cost=D("100000.00"))
    s_customer = factories.CustomerFactory(store=sibling, source="web")
    for day in (3, 4, 5, 6, 7):
        _visit(sibling, s_customer, s_consultant, at(day, 10), source="web")
    s_card = _card(sibling, s_customer, s_consultant, s_model, created=at(3, 11), source="web", level="H")
    _order(
        sibling,
        s_customer,
        s_consultant,
        s_model,
        s_car,
        created=at(4, 10),
        status="delivered",
        list_price="150000",
        card=s_card,
        delivered=at(9, 10),
    )
    db.session.flush()
    return World(store, sibling, c1, c2, manager, [m1, m2], {"card1": card1, "card2": card2, "card4": card4})


@pytest.fixture
def world(store) -> World:
    store.timezone = "Asia/Shanghai"
    return build_world(store)


@pytest.fixture(autouse=True)
def _request_context(app, db_session):
    with app.test_request_context():
        yield
