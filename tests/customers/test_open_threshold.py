"""Opening more customer records in an hour than the store's threshold freezes the account:
signed out at once and on every later request, refused at sign-in, the store's admins told
(outbox and a banner on the user list) until an admin unfreezes it (audit-logged). Group and
platform admins are never frozen."""

from __future__ import annotations

import datetime as dt

import pytest

from dealer_saas import tenancy
from dealer_saas.audit import AuditLog
from dealer_saas.customers import settings as customer_settings
from dealer_saas.customers.models import CustomerOpen
from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.messaging.models import OutboundMessage
from dealer_saas.timeutil import utcnow

from .. import factories
from ..conftest import login

LIMIT = 10


@pytest.fixture
def limited_store(store):
    store.settings = {"customer_records": {"opens_per_hour": LIMIT}}
    db.session.flush()
    return store


def _open_all(client, customers) -> list[int]:
    return [client.get(f"/customers/{c.id}").status_code for c in customers]


def test_the_threshold_is_a_store_setting_with_a_default(store):
    assert customer_settings.opens_per_hour(store) == 200
    store.settings = {"customer_records": {"opens_per_hour": "junk"}}
    assert customer_settings.opens_per_hour(store) == 200
    store.settings = {"customer_records": {"opens_per_hour": 50}}
    assert customer_settings.opens_per_hour(store) == 50
    new: dict = {}
    with pytest.raises(DomainError) as refused:
        customer_settings.CUSTOMER_RECORDS_SECTION.save(new, {"opens_per_hour": "5"})
    assert refused.value.field == "opens_per_hour"
    customer_settings.CUSTOMER_RECORDS_SECTION.save(new, {"opens_per_hour": "300"})
    assert new == {"customer_records": {"opens_per_hour": 300}}


def test_crossing_the_threshold_freezes_signs_out_and_tells_the_admins(app, client_as, limited_store):
    store = limited_store
    client, consultant = client_as("sales_manager")
    admin = factories.user_with_role("store_manager", store, email="boss@example.com")
    customers = [factories.CustomerFactory(store=store) for _ in range(LIMIT + 1)]
    db.session.commit()

    assert _open_all(client, customers[:LIMIT]) == [200] * LIMIT
    db.session.refresh(consultant)
    assert consultant.frozen_at is None

    crossing = client.get(f"/customers/{customers[-1].id}")
    assert crossing.status_code == 303 and crossing.headers["Location"].endswith("/login")
    db.session.refresh(consultant)
    assert consultant.frozen_at is not None and str(LIMIT) in consultant.frozen_reason
    assert db.session.query(AuditLog).filter_by(action="freeze", entity="users", entity_id=consultant.id).count() == 1
    [message] = db.session.query(OutboundMessage).filter_by(recipient="boss@example.com").all()
    assert consultant.username in message.body and message.store_id == store.id

    # signed out: the same cookie opens nothing any more
    assert client.get("/customers/").status_code == 302
    # another device's session is signed out on its next request
    other = login(app.test_client(), consultant, store)
    answer = other.get("/customers/")
    assert answer.status_code in (302, 303) and answer.headers["Location"].startswith("/login")
    # and the right password does not sign in
    signin = app.test_client().post("/login", data={"username": consultant.username, "password": factories.PASSWORD})
    assert "已被冻结" in signin.text

    # the admin sees the banner and unfreezes from the user's page
    admin_client = login(app.test_client(), admin, store)
    listing = admin_client.get("/admin/users")
    assert 'data-testid="frozen-banner"' in listing.text and consultant.username in listing.text
    assert 'data-testid="unfreeze"' in admin_client.get(f"/admin/users/{consultant.id}").text
    assert admin_client.post(f"/admin/users/{consultant.id}/unfreeze").status_code == 303
    db.session.refresh(consultant)
    assert consultant.frozen_at is None and consultant.frozen_reason is None
    assert db.session.query(AuditLog).filter_by(action="unfreeze", entity_id=consultant.id).count() == 1
    assert 'data-testid="frozen-banner"' not in admin_client.get("/admin/users").text

    # the opens before the unfreeze do not count again
    back = login(app.test_client(), consultant, store)
    assert back.get(f"/customers/{customers[0].id}").status_code == 200
    db.session.refresh(consultant)
    assert consultant.frozen_at is None


def test_opens_older_than_an_hour_do_not_count(client_as, limited_store):
    store = limited_store
    client, consultant = client_as("sales_manager")
    customer = factories.CustomerFactory(store=store)
    long_ago = utcnow() - dt.timedelta(minutes=61)
    db.session.add_all(
        CustomerOpen(
            org_id=store.org_id, store_id=store.id, user_id=consultant.id, customer_id=customer.id, at=long_ago
        )
        for _ in range(LIMIT * 3)
    )
    db.session.commit()
    assert client.get(f"/customers/{customer.id}").status_code == 200
    db.session.refresh(consultant)
    assert consultant.frozen_at is None


def test_group_admins_are_never_frozen(app, limited_store):
    store = limited_store
    admin = factories.user_with_role("group_admin", store, org_wide=True)
    customers = [factories.CustomerFactory(store=store) for _ in range(LIMIT + 2)]
    db.session.commit()
    client = login(app.test_client(), admin, store)
    assert _open_all(client, customers) == [200] * len(customers)
    db.session.refresh(admin)
    assert admin.frozen_at is None
    assert db.session.query(CustomerOpen).filter_by(user_id=admin.id).count() == len(customers)


def test_a_store_admin_sees_only_frozen_accounts_of_the_store(in_store, two_tenants):
    a1, a2 = two_tenants.a1, two_tenants.a2
    there = factories.user_with_role("sales_consultant", a2)
    there.frozen_at = utcnow()
    admin = factories.user_with_role("store_manager", a1)
    db.session.flush()
    from dealer_saas.admin import services as admin_services

    with tenancy.enter(a1.id, user_id=admin.id):
        assert there not in admin_services.frozen_users()
    with tenancy.enter(a2.id, user_id=factories.user_with_role("store_manager", a2).id):
        assert there in admin_services.frozen_users()
