"""The settings screen is built from every module's sections; a section the post does not
mention keeps what is stored, a section that is posted is validated by its module."""

from __future__ import annotations

from decimal import Decimal

from dealer_saas.extensions import db
from dealer_saas.sales import settings as sales_settings


def test_a_section_left_out_of_the_post_keeps_its_values(client_as, store):
    store.settings = {"purchase_tax": {"standard": "10", "new_energy": "4"}, "callback_days": {"H": 2}}
    client, _ = client_as("store_manager")
    db.session.commit()
    page = client.get(f"/admin/stores/{store.id}/settings").get_data(as_text=True)
    for section in ("callback_days", "approval_thresholds", "default_deposit", "purchase_tax"):
        assert f'id="settings-{section}"' in page
    response = client.post(f"/admin/stores/{store.id}/settings", data={"default_deposit": "8000"})
    assert response.status_code == 303
    db.session.refresh(store)
    assert sales_settings.default_deposit(store) == Decimal("8000")
    assert sales_settings.purchase_tax_rates(store) == (Decimal("10"), Decimal("4"))
    assert store.settings["callback_days"]["H"] == 2


def test_a_posted_section_is_validated_by_its_module(client_as, store):
    client, _ = client_as("store_manager")
    db.session.commit()
    response = client.post(
        f"/admin/stores/{store.id}/settings",
        data={"purchase_tax_standard": "5", "purchase_tax_new_energy": "9"},
    )
    assert response.status_code == 200 and "新能源车型税率不能高于标准税率" in response.get_data(as_text=True)
    db.session.refresh(store)
    assert "purchase_tax" not in (store.settings or {})
