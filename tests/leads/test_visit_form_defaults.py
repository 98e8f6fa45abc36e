"""The visit form's defaults (issue 14, floor item 7): no cryptic "同类型" source (the source
follows the kind), and the model chips show only the store's own brands."""

from __future__ import annotations

from dealer_saas.leads.models import Visit

from .. import factories
from .factories import rows, save

HX = {"HX-Request": "true"}


def test_model_chips_show_only_the_stores_brands(client_as, store):
    factories.VehicleModelFactory(store=store, brand="大众", series="途观L")
    factories.VehicleModelFactory(store=store, brand="丰田", series="凯美瑞")
    client, _user = client_as("receptionist")
    save()
    chips = client.get("/leads/visits/new").get_data(as_text=True).split('id="field-model_id"')[1].split("</div>")[1]
    assert "途观L" in chips and "凯美瑞" not in chips


def test_a_store_without_brands_offers_every_model(client_as):
    bare = factories.StoreFactory(brands="")
    factories.VehicleModelFactory(store=bare, brand="丰田", series="凯美瑞")
    client, _user = client_as("receptionist", store=bare)
    save()
    assert "凯美瑞" in client.get("/leads/visits/new").get_data(as_text=True)


def test_the_source_has_no_same_as_kind_option_and_follows_the_kind(client_as, store):
    client, _user = client_as("receptionist")
    save()
    page = client.get("/leads/visits/new").get_data(as_text=True)
    source = page.split('name="source"')[1].split("</select>")[0]
    assert "同类型" not in page and 'value=""' not in source
    assert 'selected value="walk_in"' in source or 'value="walk_in" selected' in source
    assert "js/visit_form.js" in page  # keeps the source in step with 到店/来电
    # a post without a source takes the kind; a chosen one is kept; a made-up one is refused
    client.post("/leads/visits/new", data={"kind": "phone", "name": "甲"})
    client.post("/leads/visits/new", data={"kind": "walk_in", "name": "乙", "source": "referral"})
    refused = client.post("/leads/visits/new", headers=HX, data={"kind": "walk_in", "name": "丙", "source": "bogus"})
    assert "请选择来源" in refused.get_data(as_text=True)
    assert sorted((v.visitor_name, v.source) for v in rows(Visit, store)) == [("乙", "referral"), ("甲", "phone")]
