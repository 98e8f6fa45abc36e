"""Merge moves every referencing row and audits; bulk assign answers the list with
HX-Trigger; the 360 timeline pages; the demo seeder makes duplicates."""

from __future__ import annotations

import json

from dealer_saas.audit import AuditLog
from dealer_saas.customers.models import Customer, CustomerTag
from dealer_saas.extensions import db
from dealer_saas.leads.models import FollowUpCard, Visit

from .. import factories


def test_merge_moves_related_rows_of_every_module_and_audits(client_as, store):
    client, _user = client_as("sales_manager")
    survivor = factories.CustomerFactory(store=store, name="合并甲", email="")
    loser = factories.CustomerFactory(store=store, name="合并乙", email="b@example.com")
    for who, tag in ((survivor, "老客户"), (loser, "老客户"), (loser, "团购")):
        db.session.add(CustomerTag(customer_id=who.id, tag=tag, store_id=store.id, org_id=store.org_id))
    visit = factories.VisitFactory(store=store, customer=loser)
    card = factories.FollowUpCardFactory(store=store, customer=loser)
    vehicle = factories.CustomerVehicleFactory(store=store, owner=loser)
    loser_mobile = loser.mobile
    db.session.commit()
    response = client.post("/customers/merge", data={"ids": [survivor.id, loser.id], "survivor_id": survivor.id})
    assert response.status_code == 303
    db.session.expire_all()
    assert factories.first(Customer, id=loser.id) is None
    kept = factories.first(Customer, id=survivor.id)
    assert sorted(kept.tag_names) == ["团购", "老客户"] and kept.email == "b@example.com"
    assert loser_mobile in kept.other_phones
    assert factories.first(Visit, id=visit.id).customer_id == survivor.id
    assert factories.first(FollowUpCard, id=card.id).customer_id == survivor.id
    assert vehicle.owner_id == survivor.id
    log = factories.first(AuditLog, action="merge", entity_id=survivor.id)
    assert log.before["loser"]["name"] == "合并乙" and log.before["survivor"]["name"] == "合并甲"


def test_bulk_assign_rerenders_the_list_and_triggers(client_as, store):
    client, _user = client_as("sales_manager")
    consultant = factories.user_with_role("sales_consultant", store)
    mechanic = factories.user_with_role("technician", store)
    a, b = factories.CustomerFactory(store=store), factories.CustomerFactory(store=store)
    db.session.commit()
    response = client.post(
        "/customers/assign",
        data={"customer_ids": [a.id, b.id], "owner_id": consultant.id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'id="customer-list"' in response.text
    assert "customersAssigned" in json.loads(response.headers["HX-Trigger"])
    db.session.expire_all()
    assert {a.owner_id, b.owner_id} == {consultant.id}
    refused = client.post(
        "/customers/assign", data={"customer_ids": [a.id], "owner_id": mechanic.id}, headers={"HX-Request": "true"}
    )
    assert "只能分配给本店的销售人员" in refused.text
    db.session.expire_all()
    assert a.owner_id == consultant.id


def test_timeline_pages_with_before_cursor(client_as, store):
    import datetime as dt

    client, _user = client_as("sales_manager")
    customer = factories.CustomerFactory(store=store)
    for n in range(25):
        factories.VisitFactory(store=store, customer=customer)
        factories.CustomerVehicleFactory(store=store, owner=customer, created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    page = client.get(f"/customers/{customer.id}")
    assert page.status_code == 200 and "客户动态" in page.text
    fragment = client.get(f"/customers/{customer.id}/timeline", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"] and "<html" not in fragment.text


def test_demo_seeder_makes_a_duplicate_pair(store):
    import random

    from dealer_saas import demo
    from dealer_saas.customers import services
    from dealer_saas.tenancy import enter

    staff = demo.StoreStaff(store=store, scale=0.05)
    staff.by_role["sales_consultant"] = [factories.user_with_role("sales_consultant", store)]
    with enter(store.id):
        from dealer_saas.customers.demo import seed_customers

        seed_customers(staff, random.Random(1))
        seed_customers(staff, random.Random(1))  # idempotent
        assert len(services.duplicate_groups()) >= 1
