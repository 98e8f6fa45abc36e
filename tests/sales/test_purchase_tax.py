"""Purchase tax decisions of issue 14: computed on the car's price only (not accessories), at
the model's rate (new-energy models at the store's reduced rate, a settings section), and a
tax or fee below the computed one needs the same approval as a discount of that amount."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.inventory.models import VehicleModel
from dealer_saas.sales import services
from dealer_saas.sales import settings as sales_settings

from . import factories as sf


def _quote(w, in_store, **data):
    with in_store(w.consultant):
        return services.create_quote(w.customer.id, {"model_id": w.model.id, **data})


def test_accessories_are_not_taxed(w, in_store):
    plain = _quote(w, in_store, discount=D("5000"))
    dressed = _quote(w, in_store, discount=D("5000"), accessories="脚垫 300\n行车记录仪 8000")
    # (200000 - 5000) / 1.13 x 10%
    assert plain.purchase_tax == dressed.purchase_tax == D("17256.64")
    assert dressed.total - plain.total == D("8300.00")


def test_new_energy_model_is_taxed_at_the_stores_reduced_rate(w, in_store):
    w.model.is_new_energy = True
    db.session.flush()
    # default new-energy rate 5 %
    assert _quote(w, in_store).purchase_tax == D("8849.56")  # 200000 / 1.13 x 5%
    w.store.settings = {"purchase_tax": {"standard": "10", "new_energy": "0"}}
    db.session.flush()
    assert _quote(w, in_store).purchase_tax == D("0.00")
    w.model.is_new_energy = False
    db.session.flush()
    assert _quote(w, in_store).purchase_tax == D("17699.12")  # 200000 / 1.13 x 10%


def test_order_edit_recomputes_at_the_models_rate(w, in_store):
    w.model.is_new_energy = True
    db.session.flush()
    order = sf.order(w, discount="0")
    with in_store(w.consultant):
        services.update_order(
            order.id, order.version, {"discount": D("0"), "deposit_required": D("5000"), "fees_total": None}
        )
    assert order.fees_total == D("8849.56")


def test_settings_section_validates_the_rates(store):
    new: dict = {}
    sales_settings.PURCHASE_TAX_SECTION.save(new, {"purchase_tax_standard": "10", "purchase_tax_new_energy": "5"})
    assert new["purchase_tax"] == {"standard": "10", "new_energy": "5"}
    store.settings = new
    assert sales_settings.PURCHASE_TAX_SECTION.load(store) == {
        "purchase_tax_standard": D("10"),
        "purchase_tax_new_energy": D("5"),
    }
    for data, field in [
        ({"purchase_tax_standard": "10", "purchase_tax_new_energy": "12"}, "purchase_tax_new_energy"),
        ({"purchase_tax_standard": "101", "purchase_tax_new_energy": "5"}, "purchase_tax_standard"),
        ({"purchase_tax_standard": "abc", "purchase_tax_new_energy": "5"}, "purchase_tax_standard"),
        ({"purchase_tax_standard": "10", "purchase_tax_new_energy": "-1"}, "purchase_tax_new_energy"),
    ]:
        with pytest.raises(DomainError) as error:
            sales_settings.PURCHASE_TAX_SECTION.save({}, data)
        assert error.value.field == field
    # junk stored values fall back to the defaults
    store.settings = {"purchase_tax": {"standard": "x", "new_energy": None}}
    assert sales_settings.purchase_tax_rates(store) == (D("10"), D("5"))


@pytest.mark.parametrize(
    "discount, fees_total, levels",
    [
        ("0", None, 0),  # tax as computed (17699.12): nothing let off
        ("0", "17699.12", 0),
        ("0", "20000", 0),  # more than the tax (registration and other fees): fine
        ("0", "11699.12", 0),  # exactly 6000 waived = 3.00 %: at the threshold, not above it
        ("0", "11600", 1),  # 6099.12 waived: 3.05 % -> sales manager
        ("6000", "17000", 1),  # 6000 discount (3 %) + tax 699.12 short of (194000/1.13 x 10% = 17168.14)
        ("0", "0", 2),  # the whole tax (8.85 %) waived: both levels
    ],
)
def test_a_tax_below_the_computed_one_needs_the_approval_of_that_discount(w, in_store, discount, fees_total, levels):
    computed = services.default_purchase_tax(w.model.list_price, D(discount))
    order = sf.order(w, discount=discount, fees_total=D(fees_total) if fees_total is not None else computed)
    with in_store(w.consultant):
        services.submit_order(order.id)
    assert order.approval_levels_required == levels
    assert (
        services.approval_levels_for(
            w.store, order.list_price, order.discount, tax_charged=order.fees_total, tax_computed=computed
        )
        == levels
    )


def test_the_rule_is_one_rule(w):
    # a 7000 discount and a 7000 tax waiver need the same approval, everywhere it is asked
    by_discount = services.approval_levels_for(w.store, "200000", "7000")
    by_tax = services.approval_levels_for(w.store, "200000", "0", tax_charged="10699.12", tax_computed="17699.12")
    assert by_discount == by_tax == 1
    assert services.concession("1000", tax_charged="100", tax_computed="600") == D("1500.00")
    assert services.concession("1000", tax_charged="900", tax_computed="600") == D("1000.00")


def test_model_form_has_the_new_energy_checkbox(app, client_as):
    group, _ = client_as("group_admin", org_wide=True)
    body = group.get("/inventory/models/new").get_data(as_text=True)
    assert 'name="is_new_energy"' in body
    data = {"brand": "比亚迪", "series": "汉EV", "list_price": "209800", "is_active": "y", "is_new_energy": "y"}
    assert group.post("/inventory/models/new", data=data).status_code == 303
    model = db.session.query(VehicleModel).filter_by(series="汉EV").one()
    assert model.is_new_energy is True
    assert group.post(f"/inventory/models/{model.id}/edit", data={**data, "is_new_energy": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(VehicleModel, model.id).is_new_energy is False
