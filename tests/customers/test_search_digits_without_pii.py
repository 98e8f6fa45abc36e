"""Users without customers.pii search by the full number or its last 4 digits only (issue
14's decision): part of a number never matches a mobile for them, so digits typed a few at
a time cannot rebuild a number that is masked for them."""

from __future__ import annotations

from dealer_saas.extensions import db

from .. import factories


def test_a_consultant_finds_by_full_number_and_last_four_but_not_by_a_part(client_as, store):
    client, consultant = client_as("sales_consultant")
    factories.CustomerFactory(store=store, name="号码客户", mobile="13912345678", owner_id=consultant.id)
    db.session.commit()
    assert "号码客户" in client.get("/customers/?q=13912345678").text
    assert "号码客户" in client.get("/customers/?q=5678").text
    part = client.get("/customers/?q=1234567")
    assert "号码客户" not in part.text and 'data-testid="digits-hint"' in part.text
    assert "号码客户" not in client.get("/customers/?q=139").text


def test_a_manager_with_pii_still_finds_by_part_of_the_number(client_as, store):
    client, _ = client_as("store_manager")
    factories.CustomerFactory(store=store, name="号码客户", mobile="13912345678")
    db.session.commit()
    assert "号码客户" in client.get("/customers/?q=1234567").text


def test_five_digits_still_find_a_vin_serial_without_pii(client_as, store):
    client, consultant = client_as("sales_consultant")
    owner = factories.CustomerFactory(store=store, name="车主客户", owner_id=consultant.id)
    factories.CustomerVehicleFactory(store=store, owner=owner, vin="LSVAU2180N2765432")
    db.session.commit()
    assert "车主客户" in client.get("/customers/?q=765432").text
