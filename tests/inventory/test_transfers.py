"""Transfers between stores of one group: each store sees exactly its side."""

from __future__ import annotations

from sqlalchemy import select

from dealer_saas import audit, tenancy
from dealer_saas.extensions import db
from dealer_saas.inventory.models import StockTransfer

from .. import factories
from .factories import car


def _send(client, vehicle, dest):
    return client.post(f"/inventory/vehicles/{vehicle.id}/transfer", data={"dest_store_id": dest.id, "note": "调车"})


def test_send_and_receive_each_store_sees_its_side(app, two_tenants, client_as):
    t = two_tenants
    a3 = factories.StoreFactory(organisation=t.a1.organisation, name="甲三店")
    vehicle = car(t.a1, age=20)
    sender, _ = client_as("store_manager", store=t.a1)
    receiver, _ = client_as("store_manager", store=t.a2)
    third, _ = client_as("store_manager", store=a3)

    response = _send(sender, vehicle, t.a2)
    assert response.status_code == 303
    assert vehicle.store_id == t.a2.id and vehicle.state == "in_transit"
    with tenancy.system():
        rows = db.session.execute(select(StockTransfer)).scalars().all()
    assert {(r.store_id, r.direction, r.state) for r in rows} == {
        (t.a1.id, "out", "in_transit"),
        (t.a2.id, "in", "in_transit"),
    }
    assert len({r.reference for r in rows}) == 1
    audited = (
        db.session.execute(
            select(audit.AuditLog.store_id).where(
                audit.AuditLog.entity == "stock_transfers", audit.AuditLog.action == "create"
            )
        )
        .scalars()
        .all()
    )
    assert sorted(audited) == sorted([t.a1.id, t.a2.id])

    out_page = sender.get("/inventory/transfers").get_data(as_text=True)
    assert vehicle.vin in out_page and 'data-direction="out"' in out_page and 'data-direction="in"' not in out_page
    assert sender.get(f"/inventory/vehicles/{vehicle.id}").status_code == 404
    in_page = receiver.get("/inventory/transfers").get_data(as_text=True)
    assert 'data-direction="in"' in in_page and 'data-direction="out"' not in in_page
    assert receiver.get(f"/inventory/vehicles/{vehicle.id}").status_code == 200
    third_page = third.get("/inventory/transfers").get_data(as_text=True)
    assert vehicle.vin not in third_page
    assert third.get(f"/inventory/vehicles/{vehicle.id}").status_code == 404

    out_row = next(r for r in rows if r.direction == "out")
    in_row = next(r for r in rows if r.direction == "in")
    assert sender.post(f"/inventory/transfers/{out_row.id}/receive").status_code == 200  # refused, re-rendered
    assert third.post(f"/inventory/transfers/{in_row.id}/receive").status_code == 404
    assert vehicle.state == "in_transit"
    response = receiver.post(f"/inventory/transfers/{in_row.id}/receive")
    assert response.status_code == 303
    db.session.refresh(out_row), db.session.refresh(in_row)
    assert vehicle.state == "in_stock" and out_row.state == in_row.state == "received"
    assert receiver.post(f"/inventory/transfers/{in_row.id}/receive").status_code == 200  # already received
    assert in_row.state == "received"


def test_the_source_store_list_does_not_load_the_moved_car(app, two_tenants, client_as):
    from ..conftest import count_queries

    t = two_tenants
    for n in range(3):
        vehicle = car(t.a1)
        with tenancy.enter(t.a1.id):
            from dealer_saas.inventory import services

            services.send_transfer(vehicle.id, t.a2.id)
    sender, _ = client_as("store_manager", store=t.a1)
    with count_queries() as statements:
        body = sender.get("/inventory/transfers").get_data(as_text=True)
    assert body.count('data-direction="out"') == 3
    assert not any("FROM stock_vehicles" in s for s in statements)


def test_another_organisation_can_neither_send_to_nor_see(two_tenants, client_as):
    t = two_tenants
    theirs = car(t.b1)
    ours = car(t.a1)
    outsider, _ = client_as("store_manager", store=t.b1)
    response = _send(outsider, theirs, t.a1)
    assert response.status_code == 200 and "找不到该门店" in response.get_data(as_text=True)
    assert theirs.store_id == t.b1.id and theirs.state == "in_stock"
    assert _send(outsider, ours, t.b1).status_code == 404
    insider, _ = client_as("store_manager", store=t.a1)
    _send(insider, ours, t.a2)
    assert ours.vin not in outsider.get("/inventory/transfers").get_data(as_text=True)
    assert ours.vin not in outsider.get("/inventory/?vin=" + ours.vin[-6:]).get_data(as_text=True)
    with tenancy.system():
        assert db.session.execute(select(StockTransfer).where(StockTransfer.store_id == t.b1.id)).first() is None


def test_only_in_stock_cars_are_sent(two_tenants, client_as):
    t = two_tenants
    allocated = car(t.a1, state="allocated")
    sender, _ = client_as("store_manager", store=t.a1)
    response = _send(sender, allocated, t.a2)
    assert response.status_code == 200 and "只有在库且未配车的车辆可以调拨" in response.get_data(as_text=True)
    assert allocated.store_id == t.a1.id
    assert db.session.execute(select(StockTransfer)).first() is None


def test_consultant_cannot_transfer(two_tenants, client_as):
    vehicle = car(two_tenants.a1)
    consultant, _ = client_as("sales_consultant", store=two_tenants.a1)
    assert _send(consultant, vehicle, two_tenants.a2).status_code == 403
    assert vehicle.store_id == two_tenants.a1.id


def test_a_demo_car_with_booked_test_drives_stays(two_tenants, client_as):
    """Booked drives keep the car; once they are done it may go, and the old store's
    test-drive pages still open (the car is shown as moved away)."""
    import datetime as dt

    from dealer_saas.sales.models import TestDrive
    from dealer_saas.timeutil import utcnow

    t = two_tenants
    demo_car = car(t.a1, is_demo=True)
    customer = factories.CustomerFactory(store=t.a1)
    start = utcnow() + dt.timedelta(days=1)
    drive = TestDrive(
        store_id=t.a1.id,
        org_id=t.a1.org_id,
        customer_id=customer.id,
        vehicle_id=demo_car.id,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=30),
    )
    db.session.add(drive)
    db.session.commit()
    sender, _ = client_as("store_manager", store=t.a1)
    refused = _send(sender, demo_car, t.a2)
    assert refused.status_code == 200 and "还有未完成的试驾预约" in refused.get_data(as_text=True)
    assert demo_car.store_id == t.a1.id

    drive.status = "done"
    db.session.commit()
    assert _send(sender, demo_car, t.a2).status_code == 303
    for url in (f"/sales/test-drives/{drive.id}", f"/sales/test-drives?day={start.date().isoformat()}"):
        page = sender.get(url)
        assert page.status_code == 200, url
    assert "试驾车已调出本店" in sender.get(f"/sales/test-drives/{drive.id}").get_data(as_text=True)
