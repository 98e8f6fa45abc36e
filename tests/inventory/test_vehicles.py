"""Registering and editing cars: VIN checks, duplicates, versions, roles, ageing, filters."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from dealer_saas import audit, tenancy
from dealer_saas.extensions import db
from dealer_saas.inventory import services
from dealer_saas.inventory.models import StockVehicle

from .factories import car, model_for, vin


def _count():
    with tenancy.system():
        return db.session.execute(select(func.count(StockVehicle.id))).scalar_one()


def _form(model, **over):
    data = {
        "vin": vin(777),
        "model_id": model.id,
        "colour": "极地白",
        "state": "in_stock",
        "cost": "180000",
        "location": "A区-01",
    }
    data.update(over)
    return data


def test_create_in_stock_sets_arrival_today_and_audits(store, client_as):
    model = model_for(store)
    client, _ = client_as("store_manager")
    response = client.post("/inventory/vehicles/new", data=_form(model, vin=vin(777).lower()))
    assert response.status_code == 303
    vehicle = db.session.execute(select(StockVehicle)).scalar_one()
    assert vehicle.vin == vin(777) and vehicle.state == "in_stock" and vehicle.arrival_date is not None
    assert db.session.execute(
        select(audit.AuditLog).where(audit.AuditLog.entity == "stock_vehicles", audit.AuditLog.action == "create")
    ).scalar_one()


def test_bad_vin_is_shown_beside_the_field_and_nothing_saved(store, client_as):
    model = model_for(store)
    client, _ = client_as("store_manager")
    wrong_check = vin(777)[:8] + ("1" if vin(777)[8] != "1" else "2") + vin(777)[9:]
    for bad, message in (("LSVAU2180", "应为 17 位"), (wrong_check, "校验位不正确")):
        body = client.post("/inventory/vehicles/new", data=_form(model, vin=bad)).get_data(as_text=True)
        assert message in body and 'id="field-vin"' in body and "is-invalid" in body
    assert _count() == 0


def test_duplicate_vin_in_store_links_the_existing_car(store, client_as):
    existing = car(store)
    client, _ = client_as("store_manager")
    body = client.post("/inventory/vehicles/new", data=_form(existing.vehicle_model, vin=existing.vin)).get_data(
        as_text=True
    )
    assert "已在本店库存中" in body and f"/inventory/vehicles/{existing.id}" in body
    assert _count() == 1


def test_duplicate_vin_in_another_store_of_the_group_is_caught(two_tenants, client_as):
    other = car(two_tenants.a2)
    client, _ = client_as("store_manager", store=two_tenants.a1)
    body = client.post("/inventory/vehicles/new", data=_form(other.vehicle_model, vin=other.vin)).get_data(as_text=True)
    assert "集团其他门店" in body
    assert _count() == 1


def test_stale_version_is_refused(store, client_as):
    vehicle = car(store, location="A区-01")
    client, _ = client_as("store_manager")
    data = _form(
        vehicle.vehicle_model,
        vin=vehicle.vin,
        location="B区-02",
        version=vehicle.version - 1,
        arrival_date=vehicle.arrival_date.isoformat(),
    )
    body = client.post(f"/inventory/vehicles/{vehicle.id}/edit", data=data).get_data(as_text=True)
    assert "已被他人修改，请刷新后重试" in body
    db.session.refresh(vehicle)
    assert vehicle.location == "A区-01"
    data["version"] = vehicle.version
    assert client.post(f"/inventory/vehicles/{vehicle.id}/edit", data=data).status_code == 303
    assert vehicle.location == "B区-02" and vehicle.version == 2


def test_consultant_sees_no_cost_and_cannot_edit(store, client_as):
    vehicle = car(store)
    consultant, _ = client_as("sales_consultant")
    manager, _ = client_as("store_manager")
    for url in ("/inventory/", f"/inventory/vehicles/{vehicle.id}"):
        assert 'data-testid="cost"' not in consultant.get(url).get_data(as_text=True)
        assert 'data-testid="cost"' in manager.get(url).get_data(as_text=True)
    assert consultant.get("/inventory/vehicles/new").status_code == 403
    assert consultant.post("/inventory/vehicles/new", data=_form(vehicle.vehicle_model)).status_code == 403
    assert consultant.post(f"/inventory/vehicles/{vehicle.id}/edit", data={}).status_code == 403
    assert consultant.post(f"/inventory/vehicles/{vehicle.id}/arrive").status_code == 403
    assert _count() == 1


def test_arrive_action(store, client_as):
    vehicle = car(store, state="in_transit", age=None)
    client, _ = client_as("store_manager")
    assert client.post(f"/inventory/vehicles/{vehicle.id}/arrive").status_code == 303
    assert vehicle.state == "in_stock" and vehicle.arrival_date is not None
    body = client.post(f"/inventory/vehicles/{vehicle.id}/arrive").get_data(as_text=True)
    assert "车辆状态不能从" in body


def test_ageing_days_and_buckets():
    today = dt.date(2026, 11, 23)
    in_stock = StockVehicle(state="in_stock", arrival_date=today - dt.timedelta(days=91))
    assert services.ageing_days(in_stock, today) == 91
    assert services.ageing_bucket(91) == "90+" and services.ageing_bucket(90) == "61-90"
    assert services.ageing_bucket(0) == "0-30" and services.ageing_bucket(31) == "31-60"
    assert services.ageing_days(StockVehicle(state="delivered", arrival_date=today), today) is None
    assert services.ageing_days(StockVehicle(state="in_transit", arrival_date=None), today) is None


def test_filters_sorts_and_pages(store, client_as):
    model, other = model_for(store), model_for(store)
    old = car(store, model, age=120)
    mid = car(store, model, age=45)
    new = car(store, other, age=3)
    demo = car(store, other, age=70, is_demo=True, plate="粤A12345")
    transit = car(store, model, state="in_transit", age=None)
    car(store, model, state="delivered", age=200)
    with tenancy.enter(store.id):

        def vins(**args):
            page, _today = services.list_stock(services.StockQuery.from_args(args), None)
            return [v.vin for v in page.items]

        assert vins() == [old.vin, demo.vin, mid.vin, new.vin, transit.vin]
        assert vins(sort="newest") == [transit.vin, new.vin, mid.vin, demo.vin, old.vin]
        assert vins(state="in_transit") == [transit.vin]
        assert vins(model=str(other.id)) == [demo.vin, new.vin]
        assert vins(demo="yes") == [demo.vin] and demo.vin not in vins(demo="no")
        assert vins(ageing="90+") == [old.vin] and vins(ageing="31-60") == [mid.vin]
        assert vins(vin=mid.vin[-6:].lower()) == [mid.vin]
        assert vins(bogus="1", sort="nope") == vins()
        first, _ = services.list_stock(services.StockQuery(), None, size=2)
        second, _ = services.list_stock(services.StockQuery(), first.next_token, size=2)
        assert [v.vin for v in first.items + second.items] == [old.vin, demo.vin, mid.vin, new.vin]
        summary = services.stock_summary()
    assert summary.by_state == {"in_transit": 1, "in_stock": 4, "allocated": 0}
    assert sorted(c for _id, _l, c in summary.by_model) == [2, 3]


def test_stock_list_page_is_a_handful_of_queries(store, client_as):
    from ..conftest import count_queries

    model = model_for(store)
    for n in range(12):
        car(store, model, age=n)
    client, _ = client_as("store_manager")
    with count_queries() as statements:
        response = client.get("/inventory/")
    assert response.status_code == 200 and response.get_data(as_text=True).count('data-testid="stock-row"') == 12
    assert len(statements) <= 8  # user, memberships, store + list, summary, models
    fragment = client.get("/inventory/?state=in_stock", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert '<div id="stock-list">' in body and "<html" not in body
    more = client.get("/inventory/?sort=vin", headers={"HX-Request": "true"})
    assert more.status_code == 200
