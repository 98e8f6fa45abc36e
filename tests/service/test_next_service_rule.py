"""The next service due from the store's rule per vehicle model (a store default for the
other models), applied when an RO is closed: close date + months, RO mileage + km."""

from __future__ import annotations

import datetime as dt

import pytest

from dealer_saas import tenancy
from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.service import settings
from dealer_saas.service.services import repair_orders

from . import factories as sf


def _rules(store, *rules):
    store.settings = {
        "service_workshop": {"interval_months": 6, "interval_km": 5000},
        "service_intervals": [{"model": m, "months": mo, "km": km} for m, mo, km in rules],
    }


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 1), 12, dt.date(2027, 12, 1)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 3, 15), -2, dt.date(2026, 1, 15)),
    ],
)
def test_months_are_added_on_the_calendar(day, months, expected):
    assert repair_orders.add_months(day, months) == expected


def test_the_rule_of_the_cars_model_wins_over_the_store_default(w):
    _rules(w.store, ("帕萨特", 12, 10000), ("ID.4", 24, 20000))
    assert settings.interval_for(w.store, "帕萨特") == settings.ServiceInterval("帕萨特", 12, 10000)
    assert settings.interval_for(w.store, " id.4 ").months == 24  # case and spaces do not matter
    assert settings.interval_for(w.store, "迈腾") == settings.ServiceInterval("", 6, 5000)
    assert settings.interval_for(w.store, "") == settings.ServiceInterval("", 6, 5000)


def test_closing_an_ro_sets_the_next_service_from_the_models_rule(w, in_store, monkeypatch):
    _rules(w.store, ("帕萨特", 12, 10000))
    assert w.vehicle.model == "帕萨特"
    order = sf.ro(w, status="settled", mileage=23456)
    monkeypatch.setattr(tenancy, "store_today", lambda: dt.date(2026, 8, 31))
    with in_store(w.advisor):
        repair_orders.change_state(order.id, "close")
    assert (order.next_due_date, order.next_due_mileage) == (dt.date(2027, 8, 31), 33456)
    assert (w.vehicle.next_service_date, w.vehicle.next_service_mileage, w.vehicle.mileage) == (
        dt.date(2027, 8, 31),
        33456,
        23456,
    )


def test_a_model_without_a_rule_takes_the_store_default(w, in_store, monkeypatch):
    _rules(w.store, ("ID.4", 24, 20000))
    order = sf.ro(w, status="settled", mileage=21000)
    monkeypatch.setattr(tenancy, "store_today", lambda: dt.date(2026, 12, 1))
    with in_store(w.advisor):
        repair_orders.change_state(order.id, "close")
    assert (w.vehicle.next_service_date, w.vehicle.next_service_mileage) == (dt.date(2027, 6, 1), 26000)


def test_the_settings_text_is_parsed_and_bad_lines_are_named():
    rules = settings.parse_interval_rules("帕萨特 | 12 | 10,000\n\nID.4｜24｜20000\n")
    assert [r.as_line() for r in rules] == ["帕萨特 | 12 | 10000", "ID.4 | 24 | 20000"]
    for text, message in (
        ("帕萨特 12 10000", "第 1 行：请写成"),
        ("帕萨特 | 0 | 5000", "月数需在 1 到 36"),
        ("A | 6 | 5000\n帕萨特 | 6 | 100", "第 2 行：公里数需在 500 到 100000"),
        ("帕萨特 | x | 5000", "须为整数"),
        ("帕萨特 | 6 | 5000\n 帕萨特 | 7 | 6000", "车型重复"),
    ):
        with pytest.raises(DomainError) as refused:
            settings.parse_interval_rules(text)
        assert message in str(refused.value) and refused.value.field == "service_intervals", text


def test_junk_in_the_stored_rules_falls_back_to_the_default(w):
    w.store.settings = {"service_intervals": [{"model": "帕萨特", "months": 999, "km": 1}, "junk", {"model": 3}]}
    assert settings.interval_rules(w.store) == []
    assert settings.interval_for(w.store, "帕萨特").months == 6


def test_the_settings_screen_saves_the_rules_and_names_a_bad_line(w, client_as):
    client, _manager = client_as("store_manager", store=w.store)
    url = f"/admin/stores/{w.store.id}/settings"
    assert 'name="service_intervals"' in client.get(url).get_data(as_text=True)
    bad = client.post(url, data={"service_intervals": "帕萨特 | 99 | 5000"})
    assert bad.status_code == 200 and "第 1 行：月数需在 1 到 36 之间" in bad.get_data(as_text=True)
    assert settings.interval_rules(w.store) == []
    saved = client.post(url, data={"service_intervals": "帕萨特 | 12 | 10000"})
    assert saved.status_code in (200, 303)
    db.session.expire_all()
    assert settings.interval_for(w.store, "帕萨特") == settings.ServiceInterval("帕萨特", 12, 10000)
