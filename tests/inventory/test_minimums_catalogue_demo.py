"""Minimum stock and its tiles, the group catalogue's editors, and the demo seeder."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from dealer_saas import demo, tenancy
from dealer_saas.extensions import db
from dealer_saas.inventory import tiles
from dealer_saas.inventory.demo import seed_inventory
from dealer_saas.inventory.models import ModelStockMinimum, StockTransfer, StockVehicle, VehicleModel

from .factories import car, minimum, model_for


def test_below_minimum_tile_lists_models_under_their_minimum(app, store):
    short, fine = model_for(store, series="途观L"), model_for(store, series="朗逸")
    car(store, short)
    car(store, short, is_demo=True)  # demo cars are not for sale: not counted
    car(store, fine), car(store, fine)
    minimum(store, short, 2), minimum(store, fine, 2)
    with app.test_request_context(), tenancy.enter(store.id):
        value = tiles.below_minimum()
        aged = tiles.aged_stock()
    assert value.value == 1 and value.tone == "danger"
    assert value.rows == [("途观L 330TSI 豪华版", "1 / 2")]
    assert aged.value == 0


def test_aged_tile_counts_cars_over_90_days(app, store):
    car(store, age=91), car(store, age=90), car(store, age=200, state="delivered")
    with app.test_request_context(), tenancy.enter(store.id):
        assert tiles.aged_stock().value == 1


def test_minimums_form_saves_and_bad_input_saves_nothing(store, client_as):
    a, b = model_for(store), model_for(store)
    client, _ = client_as("store_manager")
    response = client.post("/inventory/minimums", data={f"min_{a.id}": "3", f"min_{b.id}": "x"})
    assert response.status_code == 200 and "请输入整数" in response.get_data(as_text=True)
    assert db.session.execute(select(ModelStockMinimum)).first() is None
    assert client.post("/inventory/minimums", data={f"min_{a.id}": "3", f"min_{b.id}": "-1"}).status_code == 200
    assert db.session.execute(select(ModelStockMinimum)).first() is None
    assert client.post("/inventory/minimums", data={f"min_{a.id}": "3", f"min_{b.id}": ""}).status_code == 303
    assert db.session.execute(select(ModelStockMinimum.model_id, ModelStockMinimum.min_quantity)).all() == [(a.id, 3)]
    consultant, _ = client_as("sales_consultant")
    assert consultant.post("/inventory/minimums", data={f"min_{a.id}": "9"}).status_code == 403


def test_catalogue_is_edited_by_group_roles_only(two_tenants, client_as):
    t = two_tenants
    model = model_for(t.a1)
    group, _ = client_as("group_admin", store=t.a1, org_wide=True)
    manager, _ = client_as("store_manager", store=t.a1)
    outsider, _ = client_as("group_admin", store=t.b1, org_wide=True)
    data = {
        "brand": "大众",
        "series": "途观L",
        "trim": "330TSI",
        "model_year": "2026",
        "list_price": "224800",
        "colours": "极地白，曜石黑",
        "is_active": "y",
    }
    assert manager.get("/inventory/models/new").status_code == 403
    assert manager.get(f"/inventory/models/{model.id}/edit").status_code == 404
    assert outsider.get(f"/inventory/models/{model.id}/edit").status_code == 404
    assert group.post("/inventory/models/new", data=data).status_code == 303
    created = db.session.execute(select(VehicleModel).where(VehicleModel.series == "途观L")).scalar_one()
    assert created.org_id == t.a1.org_id and created.colours == "极地白,曜石黑"
    body = group.post("/inventory/models/new", data={**data, "code": model.code}).get_data(as_text=True)
    assert "已存在" in body
    assert group.post(f"/inventory/models/{model.id}/edit", data={**data, "list_price": "-5"}).status_code == 200
    assert manager.get("/inventory/models").status_code == 200
    assert created.series not in outsider.get("/inventory/models").get_data(as_text=True)


def test_demo_seeder_creates_every_row_kind_once(two_tenants):
    t = two_tenants
    staff = demo.StoreStaff(store=t.a1, scale=0.05)
    for run in range(2):
        with tenancy.enter(t.a1.id):
            seed_inventory(staff, random.Random(3))
    with tenancy.system():
        own = db.session.execute(select(func.count(StockVehicle.id)).where(StockVehicle.store_id == t.a1.id)).scalar()
        moved = db.session.execute(select(func.count(StockVehicle.id)).where(StockVehicle.store_id == t.a2.id)).scalar()
        transfers = db.session.execute(select(StockTransfer.store_id, StockTransfer.direction)).all()
        demo_cars = db.session.execute(select(func.count()).where(StockVehicle.is_demo.is_(True))).scalar()
        models = db.session.execute(select(func.count(VehicleModel.id))).scalar()
    assert own == 3 + 2 - 1 and moved == 1 and demo_cars == 2 and 4 <= models <= 6
    assert sorted(transfers) == sorted([(t.a1.id, "out"), (t.a2.id, "in")])
    # the second store's own run still seeds (its transferred-in car does not count)
    with tenancy.enter(t.a2.id):
        seed_inventory(demo.StoreStaff(store=t.a2, scale=0.05), random.Random(4))
    with tenancy.system():
        assert (
            db.session.execute(select(func.count(StockVehicle.id)).where(StockVehicle.store_id == t.a2.id)).scalar()
            == 6
        )
        assert db.session.execute(select(func.count(StockTransfer.id))).scalar() == 2
    with tenancy.enter(t.a1.id):
        assert tiles.services.models_below_minimum()
