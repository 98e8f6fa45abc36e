"""The demo gives every report a shape (and its targets are idempotent); the forecast's
probabilities are a store setting on the settings screen."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import func, select

from dealer_saas import demo, tenancy
from dealer_saas.extensions import db
from dealer_saas.reports import metrics, settings
from dealer_saas.reports.demo import seed_targets
from dealer_saas.reports.metrics import Period
from dealer_saas.reports.models import SalesTarget

from .. import factories


def _staff(store, scale=0.2) -> demo.StoreStaff:
    staff = demo.StoreStaff(store=store, scale=scale)
    for role_code, count, _suffix in demo.STORE_STAFF:
        staff.by_role[role_code] = [factories.user_with_role(role_code, store) for _ in range(count)]
    return staff


def test_demo_store_fills_every_stage_and_targets_once(store):
    staff = _staff(store)
    demo.seed_store(staff, random.Random(3))
    with tenancy.enter(store.id):
        today = tenancy.store_today()
        recent = Period(today - dt.timedelta(days=45), today)
        (row,) = metrics.funnel(recent, tz=store.timezone)
        assert all(row.counts[stage] > 0 for stage in metrics.STAGES), row.counts
        assert metrics.card_count(Period.month_of(today), tz=store.timezone)  # some cards of this month
        ranking = metrics.consultant_ranking(Period.month_of(today), tz=store.timezone)
        assert ranking and all(
            r.target_units for r in ranking if r.consultant_id in {u.id for u in staff.by_role["sales_consultant"]}
        )
        assert metrics.pipeline_forecast()[0].expected_orders > 0
        targets = db.session.execute(select(func.count(SalesTarget.id))).scalar()
        assert targets == 2 * len(staff.by_role["sales_consultant"])  # this month and last
        seed_targets(staff, random.Random(4))
        assert db.session.execute(select(func.count(SalesTarget.id))).scalar() == targets


def test_forecast_probabilities_on_the_settings_screen(client_as, store):
    client, _user = client_as("store_manager")
    page = client.get(f"/admin/stores/{store.id}/settings")
    assert page.status_code == 200 and 'name="forecast_h"' in page.get_data(as_text=True)
    base = {
        "callback_h": "1",
        "callback_a": "3",
        "callback_b": "7",
        "callback_c": "15",
        "threshold_sales_manager": "3",
        "threshold_store_manager": "6",
        "default_deposit": "5000",
    }
    good = dict(base, forecast_h="60", forecast_a="30", forecast_b="12.5", forecast_c="2")
    assert client.post(f"/admin/stores/{store.id}/settings", data=good).status_code == 303
    db.session.refresh(store)
    assert settings.order_probabilities(store) == {
        "H": Decimal("60"),
        "A": Decimal("30"),
        "B": Decimal("12.5"),
        "C": Decimal("2"),
    }
    bad = client.post(f"/admin/stores/{store.id}/settings", data=dict(good, forecast_a="130"))
    assert bad.status_code == 200 and "0 到 100" in bad.get_data(as_text=True)
    db.session.refresh(store)
    assert settings.order_probabilities(store)["A"] == Decimal("30")
