"""Role screens: built-in roles read-only from code, the organisation's roles managed by
group admins from the permission checklist."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.tenancy import Role

from .. import factories
from ..conftest import login


def test_role_list_shows_builtin_permissions_and_own_roles_only(client_as, store):
    db.session.add(Role(org_id=store.org_id, code="ours", name="我们的角色", permissions=["dashboard.view"]))
    db.session.add(
        Role(
            org_id=factories.OrganisationFactory().id, code="theirs", name="他们的角色", permissions=["dashboard.view"]
        )
    )
    db.session.flush()
    client, _ = client_as("group_admin", org_wide=True)
    body = client.get("/admin/roles").get_data(as_text=True)
    assert "我们的角色" in body and "他们的角色" not in body
    assert "销售顾问" in body and "customers.view" in body  # a built-in role's permissions, from code


def test_group_admin_creates_and_edits_a_role_with_audit(client_as, store):
    client, _ = client_as("group_admin", org_wide=True)
    page = client.get("/admin/roles/new").get_data(as_text=True)
    assert 'value="customers.view"' in page and 'value="platform.orgs"' not in page
    response = client.post(
        "/admin/roles/new",
        data={"code": "floor_lead", "name": "展厅主管", "permissions": ["customers.view", "visits.view"]},
    )
    assert response.status_code == 303
    role = db.session.execute(select(Role).where(Role.org_id == store.org_id, Role.code == "floor_lead")).scalar_one()
    assert role.permissions == ["customers.view", "visits.view"]
    response = client.post(f"/admin/roles/{role.id}", data={"name": "展厅主管2", "permissions": ["customers.view"]})
    assert response.status_code == 303
    db.session.refresh(role)
    assert role.name == "展厅主管2" and role.permissions == ["customers.view"] and role.code == "floor_lead"
    rows = (
        db.session.execute(select(AuditLog).where(AuditLog.entity == "roles", AuditLog.entity_id == role.id))
        .scalars()
        .all()
    )
    assert {r.action for r in rows} == {"create", "update"}


def test_role_bad_input_saves_nothing(client_as, store):
    client, _ = client_as("group_admin", org_wide=True)
    response = client.post(
        "/admin/roles/new", data={"code": "sales_consultant", "name": "抄袭", "permissions": ["customers.view"]}
    )
    assert response.status_code == 200 and "编码已被使用" in response.get_data(as_text=True)
    response = client.post("/admin/roles/new", data={"code": "empty", "name": "空", "permissions": []})
    assert "请至少选择一项权限" in response.get_data(as_text=True)
    response = client.post("/admin/roles/new", data={"code": "plat", "name": "平台", "permissions": ["platform.orgs"]})
    assert response.status_code == 200
    assert db.session.execute(select(Role).where(Role.org_id == store.org_id)).first() is None


def test_builtin_role_is_read_only(client_as, store):
    client, _ = client_as("group_admin", org_wide=True)
    builtin = factories.role("sales_consultant")
    page = client.get(f"/admin/roles/{builtin.id}")
    assert page.status_code == 200 and "disabled" in page.get_data(as_text=True)
    assert (
        client.post(f"/admin/roles/{builtin.id}", data={"name": "x", "permissions": ["customers.view"]}).status_code
        == 403
    )


def test_other_orgs_role_and_store_level_holders_get_404(client_as, store):
    foreign = Role(
        org_id=factories.OrganisationFactory().id, code="theirs", name="他们的", permissions=["dashboard.view"]
    )
    ours = Role(org_id=store.org_id, code="ours", name="我们的", permissions=["dashboard.view"])
    db.session.add_all([foreign, ours])
    db.session.flush()
    client, _ = client_as("group_admin", org_wide=True)
    assert client.get(f"/admin/roles/{foreign.id}").status_code == 404
    assert client.post(f"/admin/roles/{foreign.id}", data={"name": "x"}).status_code == 404
    # a store-level holder of admin.roles reads the list but cannot open the group's roles
    local = factories.user_with_all_permissions(store)
    db.session.commit()
    client = login(current_app.test_client(), local, store)
    assert client.get("/admin/roles").status_code == 200
    assert client.get(f"/admin/roles/{ours.id}").status_code == 404
    assert client.get("/admin/roles/new").status_code == 403
