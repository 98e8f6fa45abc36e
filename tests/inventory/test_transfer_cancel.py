"""A stock transfer can be cancelled by the sending store until it is received (issue 14's
decision): the car comes back in stock, both sides are cancelled, and a received or
cancelled transfer cannot be cancelled (or received) again."""

from __future__ import annotations

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.inventory.models import StockTransfer

from .factories import car


def _rows():
    with tenancy.system():
        return {r.direction: r for r in db.session.execute(select(StockTransfer)).scalars()}


def test_the_sender_calls_a_transfer_back_before_it_is_received(app, two_tenants, client_as):
    t = two_tenants
    vehicle = car(t.a1, age=20)
    sender, _ = client_as("store_manager", store=t.a1)
    receiver, _ = client_as("store_manager", store=t.a2)
    assert sender.post(f"/inventory/vehicles/{vehicle.id}/transfer", data={"dest_store_id": t.a2.id}).status_code == 303
    rows = _rows()
    assert 'data-testid="transfer-cancel"' in sender.get("/inventory/transfers").text
    assert 'data-testid="transfer-cancel"' not in receiver.get("/inventory/transfers").text
    # the receiving side cannot cancel
    assert receiver.post(f"/inventory/transfers/{rows['in'].id}/cancel").status_code == 200
    assert _rows()["in"].state == "in_transit"

    assert sender.post(f"/inventory/transfers/{rows['out'].id}/cancel").status_code == 303
    db.session.refresh(vehicle)
    assert (vehicle.store_id, vehicle.state) == (t.a1.id, "in_stock")
    assert {d: r.state for d, r in _rows().items()} == {"out": "cancelled", "in": "cancelled"}
    assert sender.get(f"/inventory/vehicles/{vehicle.id}").status_code == 200
    assert receiver.get(f"/inventory/vehicles/{vehicle.id}").status_code == 404
    # a cancelled transfer can be neither cancelled nor received again
    assert sender.post(f"/inventory/transfers/{rows['out'].id}/cancel").status_code == 200
    assert receiver.post(f"/inventory/transfers/{rows['in'].id}/receive").status_code == 200
    db.session.refresh(vehicle)
    assert vehicle.store_id == t.a1.id


def test_a_received_transfer_cannot_be_cancelled(app, two_tenants, client_as):
    t = two_tenants
    vehicle = car(t.a1, age=20)
    sender, _ = client_as("store_manager", store=t.a1)
    receiver, _ = client_as("store_manager", store=t.a2)
    sender.post(f"/inventory/vehicles/{vehicle.id}/transfer", data={"dest_store_id": t.a2.id})
    rows = _rows()
    assert receiver.post(f"/inventory/transfers/{rows['in'].id}/receive").status_code == 303
    response = sender.post(f"/inventory/transfers/{rows['out'].id}/cancel")
    assert response.status_code == 200 and "该调拨单已处理" in response.text
    db.session.refresh(vehicle)
    assert (vehicle.store_id, vehicle.state) == (t.a2.id, "in_stock")
