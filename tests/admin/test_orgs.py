"""Platform screens: organisations with their first store and group admin."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dealer_saas.audit import AuditLog
from dealer_saas.auth.services import verify_password
from dealer_saas.extensions import db
from dealer_saas.tenancy import Membership, Organisation, Store, User

from .. import factories
from ..conftest import login


def _platform_client():
    admin = factories.UserFactory(is_platform_admin=True, org_id=None)
    db.session.commit()
    return login(current_app.test_client(), admin), admin


def test_platform_admin_creates_an_org_with_store_and_group_admin():
    client, admin = _platform_client()
    assert client.get("/admin/orgs").status_code == 200
    response = client.post(
        "/admin/orgs/new",
        data={
            "name": "华北汽车集团",
            "code": "hb",
            "store_name": "北京朝阳大众4S店",
            "store_code": "bj01",
            "store_city": "北京",
            "store_brands": "大众",
            "admin_username": "hb.admin",
            "admin_name": "赵总",
        },
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    org = db.session.execute(select(Organisation).where(Organisation.code == "hb")).scalar_one()
    store = db.session.execute(select(Store).where(Store.org_id == org.id)).scalar_one()
    user = db.session.execute(select(User).where(User.username == "hb.admin")).scalar_one()
    assert store.code == "BJ01" and user.org_id == org.id and user.must_change_password
    membership = db.session.execute(select(Membership).where(Membership.user_id == user.id)).scalar_one()
    assert membership.store_id is None and membership.role.code == "group_admin"
    password = response.get_data(as_text=True).split('data-testid="temporary-password">')[1].split("<")[0]
    assert verify_password(user, password)
    assert (
        db.session.execute(select(AuditLog).where(AuditLog.entity == "organisations", AuditLog.entity_id == org.id))
        .scalar_one()
        .user_id
        == admin.id
    )


def test_org_create_bad_input_and_toggle():
    existing = factories.OrganisationFactory(code="dup")
    client, _ = _platform_client()
    response = client.post(
        "/admin/orgs/new",
        data={
            "name": "重复",
            "code": "dup",
            "store_name": "店",
            "store_code": "S1",
            "admin_username": "dup.admin",
            "admin_name": "某",
        },
    )
    assert response.status_code == 200 and "编码已被使用" in response.get_data(as_text=True)
    assert db.session.execute(select(User).where(User.username == "dup.admin")).first() is None
    assert client.post(f"/admin/orgs/{existing.id}/active", data={"active": "0"}).status_code == 303
    db.session.refresh(existing)
    assert existing.is_active is False
    assert client.post("/admin/orgs/999999/active", data={"active": "1"}).status_code == 404


def test_users_of_a_deactivated_org_cannot_sign_in(client_as, store):
    client, user = client_as("sales_consultant")
    store.organisation.is_active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_org_screens_are_platform_only(client_as, store):
    client, _ = client_as("group_admin", org_wide=True)
    assert client.get("/admin/orgs").status_code == 403
    assert client.post(f"/admin/orgs/{store.org_id}/active", data={"active": "0"}).status_code == 403


def test_an_org_role_listing_the_platform_permission_grants_nothing(store):
    from dealer_saas.permissions import ALL_PERMISSIONS

    assert "platform.orgs" in ALL_PERMISSIONS
    user = factories.user_with_all_permissions(store)  # its custom role lists platform.orgs
    db.session.commit()
    client = login(current_app.test_client(), user, store)
    assert client.get("/admin/orgs").status_code == 403
    assert client.post(f"/admin/orgs/{store.org_id}/active", data={"active": "0"}).status_code == 403
    db.session.refresh(store.organisation)
    assert store.organisation.is_active
