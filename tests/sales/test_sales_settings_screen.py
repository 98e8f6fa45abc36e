"""The new sales settings sections (purchase tax rates, loan plans) on the real store
settings screen, once the sales module declares them (``dealer_saas/sales/__init__.py``:
``settings=(..., settings.PURCHASE_TAX_SECTION, settings.LOAN_PLANS_SECTION)``; that file is
someone else's to edit, so the test adds them to the declaration itself)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from dealer_saas import registry
from dealer_saas.extensions import db
from dealer_saas.sales import settings as sales_settings


@pytest.fixture
def declared(monkeypatch):
    registry.specs()  # collected
    spec = registry._SPECS["sales"]
    extra = tuple(
        s for s in (sales_settings.PURCHASE_TAX_SECTION, sales_settings.LOAN_PLANS_SECTION) if s not in spec.settings
    )
    monkeypatch.setitem(registry._SPECS, "sales", dataclasses.replace(spec, settings=tuple(spec.settings) + extra))


GOOD = {
    "callback_h": "2",
    "callback_a": "4",
    "callback_b": "8",
    "callback_c": "20",
    "threshold_sales_manager": "3",
    "threshold_store_manager": "6",
    "default_deposit": "5000",
    "purchase_tax_standard": "10",
    "purchase_tax_new_energy": "0",
    "loan_plans": "厂家 0 息 | 大众汽车金融 | 4.5 | 0 | 12/24/36 | 30",
}


def test_the_sections_save_through_the_settings_screen(declared, client_as, store):
    client, _ = client_as("store_manager")
    page = client.get(f"/admin/stores/{store.id}/settings").get_data(as_text=True)
    assert 'name="purchase_tax_new_energy"' in page and 'name="loan_plans"' in page
    assert client.post(f"/admin/stores/{store.id}/settings", data=GOOD).status_code == 303
    db.session.refresh(store)
    assert sales_settings.purchase_tax_rates(store) == (D("10"), D("0"))
    assert [p.name for p in sales_settings.loan_plans(store)] == ["厂家 0 息"]
    # a bad line is refused beside the field, nothing saved
    response = client.post(f"/admin/stores/{store.id}/settings", data=dict(GOOD, loan_plans="X | Y | 5 | 6 | 12 | 30"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "不能高于年利率" in body and 'id="field-loan_plans"' in body
    db.session.refresh(store)
    assert sales_settings.loan_plans(store)[0].subsidised_rate == D("0")
