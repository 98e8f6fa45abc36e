"""Deleting a customer: only with ``customers.delete`` (store managers and group admins once
the module declares it), with a reason, as a soft delete: gone from the list, search, 360 and
export, its mobile free for a new customer, restorable for 30 days, then purged by the daily
job (deleted outright, or anonymised while other modules' rows refer to it)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from dealer_saas import permissions, tenancy
from dealer_saas.audit import AuditLog
from dealer_saas.customers import services
from dealer_saas.customers.models import Customer, CustomerContact, CustomerTag, CustomerVehicle
from dealer_saas.extensions import db
from dealer_saas.jobs import JOB_KINDS, run_job_now
from dealer_saas.permissions import BUILTIN_ROLES
from dealer_saas.tenancy import Membership, Role
from dealer_saas.timeutil import utcnow

from .. import factories
from ..conftest import login
from .factories import CustomerContactFactory, CustomerTagFactory


def _deleter(store):
    """A store manager who also holds ``customers.delete`` (a custom role until the customers
    module declares the permission and grants it to store_manager)."""
    permissions = sorted(BUILTIN_ROLES["store_manager"].permissions | {"customers.delete"})
    role = Role(org_id=store.org_id, code=f"mgr_delete_{store.id}", name="店总（可删除）", permissions=permissions)
    db.session.add(role)
    user = factories.UserFactory(org_id=store.org_id)
    db.session.add(Membership(org_id=store.org_id, user_id=user.id, store_id=store.id, role=role))
    db.session.flush()
    return user


@pytest.fixture
def manager(app, store):
    user = _deleter(store)
    return login(app.test_client(), user, store), user


def _delete(client, customer, reason="重复建档"):
    return client.post(f"/customers/{customer.id}/delete", data={"reason": reason})


def test_only_holders_of_customers_delete_may_delete(client_as, in_store, store):
    customer = factories.CustomerFactory(store=store)
    db.session.commit()
    client, sales_manager = client_as("sales_manager")
    assert client.get(f"/customers/{customer.id}/delete").status_code == 403
    assert _delete(client, customer).status_code == 403
    assert 'data-testid="delete-customer"' not in client.get(f"/customers/{customer.id}").text
    with in_store(sales_manager, permissions=permissions.builtin_roles()["sales_manager"].permissions):
        with pytest.raises(services.CustomerError):
            services.delete_customer(customer.id, "不要了")
    db.session.refresh(customer)
    assert customer.deleted_at is None


def test_a_reason_is_required(manager, store):
    client, _user = manager
    customer = factories.CustomerFactory(store=store)
    db.session.commit()
    page = _delete(client, customer, reason="   ")
    assert page.status_code == 200 and "请填写删除原因" in page.text
    db.session.refresh(customer)
    assert customer.deleted_at is None


def test_a_deleted_customer_is_gone_from_list_search_360_and_export(manager, store):
    client, user = manager
    gone = factories.CustomerFactory(store=store, name="删除甲", mobile="13500000001")
    kept = factories.CustomerFactory(store=store, name="保留乙", mobile="13500000002")
    db.session.commit()
    assert 'data-testid="delete-customer"' in client.get(f"/customers/{gone.id}").text
    assert _delete(client, gone).status_code == 303
    db.session.refresh(gone)
    assert gone.deleted_at is not None and gone.deleted_by_id == user.id and gone.delete_reason == "重复建档"
    [logged] = db.session.query(AuditLog).filter_by(action="delete", entity="customers", entity_id=gone.id).all()
    assert logged.after == {"reason": "重复建档"}

    assert client.get(f"/customers/{gone.id}").status_code == 404
    listing = client.get("/customers/").text
    assert "删除甲" not in listing and "保留乙" in listing
    assert "删除甲" not in client.get("/customers/?q=13500000001").text
    assert "删除甲" not in client.get("/customers/?q=0001").text
    exported = client.post("/customers/export", data={})
    rows = [
        list(r)
        for r in load_workbook(io.BytesIO(exported.data), read_only=True).worksheets[0].iter_rows(values_only=True)
    ]
    assert [r[1] for r in rows[1:]] == ["保留乙"]
    assert kept.id != gone.id


def test_a_deleted_mobile_does_not_block_a_new_customer(manager, in_store, store):
    _client, user = manager
    old = factories.CustomerFactory(store=store, mobile="13500000003")
    db.session.flush()
    with in_store(user, permissions=frozenset(BUILTIN_ROLES["store_manager"].permissions | {"customers.delete"})):
        services.delete_customer(old.id, "客户要求删除")
        new = services.create_customer({"name": "新客户", "mobile": "13500000003"})
        assert new.id != old.id and services.find_by_mobile("13500000003").id == new.id
        # restoring the old one now would give the store two customers with one number
        with pytest.raises(services.DuplicateMobile):
            services.restore_customer(old.id)


def test_recently_deleted_lists_and_restores_for_30_days(manager, store):
    client, _user = manager
    recent = factories.CustomerFactory(store=store, name="刚删除")
    old = factories.CustomerFactory(store=store, name="早删除")
    db.session.commit()
    assert _delete(client, recent).status_code == 303
    old.deleted_at = utcnow() - dt.timedelta(days=31)
    old.delete_reason = "很久以前"
    db.session.commit()

    page = client.get("/customers/deleted")
    assert page.status_code == 200 and "刚删除" in page.text and "重复建档" in page.text
    assert "早删除" not in page.text
    assert 'data-testid="deleted-link"' in client.get("/customers/").text

    assert client.post(f"/customers/{old.id}/restore").status_code == 303
    db.session.refresh(old)
    assert old.deleted_at is not None  # too late: refused

    assert client.post(f"/customers/{recent.id}/restore").status_code == 303
    db.session.refresh(recent)
    assert recent.deleted_at is None and recent.delete_reason is None
    assert client.get(f"/customers/{recent.id}").status_code == 200
    assert db.session.query(AuditLog).filter_by(action="restore", entity_id=recent.id).count() == 1


def test_the_recently_deleted_page_is_for_managers(client_as):
    client, _user = client_as("sales_manager")
    assert client.get("/customers/deleted").status_code == 403


def test_the_daily_purge_deletes_or_anonymises_and_is_idempotent(store):
    assert JOB_KINDS["customers.purge_deleted"].cadence == "daily"
    long_ago = utcnow() - dt.timedelta(days=31)
    alone = factories.CustomerFactory(store=store, name="无引用", deleted_at=long_ago, delete_reason="x")
    CustomerTagFactory(store=store, customer=alone)
    CustomerContactFactory(store=store, customer=alone)
    car = factories.CustomerVehicleFactory(store=store, owner=alone)
    visited = factories.CustomerFactory(
        store=store,
        name="来过店",
        mobile="13500000009",
        address="天河路1号",
        id_number="110101199003071234",
        deleted_at=long_ago,
        delete_reason="x",
    )
    CustomerTagFactory(store=store, customer=visited)
    visit = factories.VisitFactory(store=store, customer=visited)
    recent = factories.CustomerFactory(store=store, deleted_at=utcnow() - dt.timedelta(days=5), delete_reason="x")
    live = factories.CustomerFactory(store=store)
    db.session.flush()
    ids = {"alone": alone.id, "car": car.id, "visited": visited.id}

    assert run_job_now("customers.purge_deleted", store.id, period="2026-12-01") == {"deleted": 1, "anonymised": 1}
    db.session.expire_all()
    assert db.session.get(Customer, ids["alone"]) is None
    assert db.session.get(CustomerVehicle, ids["car"]) is None
    with tenancy.enter(store.id):
        assert db.session.query(CustomerContact).filter_by(customer_id=ids["alone"]).count() == 0
        assert db.session.query(CustomerTag).filter_by(customer_id=ids["visited"]).count() == 0
    anonymised = db.session.get(Customer, ids["visited"])
    assert anonymised.name == services.ANONYMOUS_NAME and anonymised.purged_at is not None
    assert anonymised.mobile is None and anonymised.id_number is None and anonymised.address == ""
    assert db.session.get(type(visit), visit.id).customer_id == ids["visited"]  # the visit stays whole
    assert db.session.get(Customer, recent.id).purged_at is None  # not yet 30 days
    assert db.session.get(Customer, live.id).deleted_at is None

    assert run_job_now("customers.purge_deleted", store.id, period="2026-12-02") == {"deleted": 0, "anonymised": 0}


def test_a_deleted_customer_leaves_the_duplicate_groups(in_store, store):
    first = factories.CustomerFactory(store=store, mobile="13500000021")
    twin = factories.CustomerFactory(store=store, mobile="13500000022", other_phones="13500000021")
    db.session.flush()
    with in_store(factories.user_with_role("store_manager", store)):
        assert [sorted(c.id for c in g.customers) for g in services.duplicate_groups()] == [sorted([first.id, twin.id])]
        twin.deleted_at, twin.delete_reason = utcnow(), "重复"
        db.session.flush()
        assert services.duplicate_groups() == []
