"""Stock alerts fire once per crossing: a model that stays under its minimum is reported
once, again only after it recovered and fell again; the right people are told."""

from __future__ import annotations

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.alerts.models import AlertState
from dealer_saas.extensions import db
from dealer_saas.jobs import run_job_now
from dealer_saas.notifications.models import Notification

from .. import factories
from ..inventory.factories import car, minimum, model_for


def _told(user) -> list[str]:
    return list(
        db.session.execute(
            select(Notification.title).where(Notification.user_id == user.id).order_by(Notification.id)
        ).scalars()
    )


def _scan(store, period: str) -> dict:
    return run_job_now("alerts.scan_stock", store.id, period)["inventory.model_below_minimum"]


def test_low_stock_is_reported_once_per_crossing(app, store):
    manager = factories.user_with_role("store_manager", store)
    sales_manager = factories.user_with_role("sales_manager", store)
    consultant = factories.user_with_role("sales_consultant", store)
    short = model_for(store, series="途观L")
    fine = model_for(store, series="朗逸")
    car(store, fine)
    minimum(store, short, 1), minimum(store, fine, 1)
    db.session.commit()

    first = _scan(store, "2026-12-01T10")
    assert first == {"low": 1, "crossed": 1, "recovered": 0, "told": 2}
    assert len(_told(manager)) == 1 and "途观L" in _told(manager)[0]
    assert len(_told(sales_manager)) == 1 and _told(consultant) == []

    # still low an hour later, and the same pass run twice: nobody is told again
    assert _scan(store, "2026-12-01T11")["crossed"] == 0
    assert _scan(store, "2026-12-01T11")["crossed"] == 0
    assert len(_told(manager)) == 1

    # it recovers (a car arrives), then falls again (the car is sold): a second report
    arrived = car(store, short)
    db.session.commit()
    assert _scan(store, "2026-12-01T12") == {"low": 0, "crossed": 0, "recovered": 1, "told": 0}
    arrived.state = "delivered"
    db.session.commit()
    again = _scan(store, "2026-12-01T13")
    assert again["crossed"] == 1 and len(_told(manager)) == 2
    with tenancy.enter(store.id):
        state = db.session.execute(select(AlertState)).scalar_one()
    assert state.is_low and state.crossings == 2


def test_stores_keep_their_own_state(app, two_tenants):
    t = two_tenants
    a_manager = factories.user_with_role("store_manager", t.a1)
    sister_manager = factories.user_with_role("store_manager", t.a2)
    minimum(t.a1, model_for(t.a1), 1)
    db.session.commit()
    assert _scan(t.a1, "p1")["crossed"] == 1
    assert _scan(t.a2, "p1") == {"low": 0, "crossed": 0, "recovered": 0, "told": 0}
    assert len(_told(a_manager)) == 1 and _told(sister_manager) == []
