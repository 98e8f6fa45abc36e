"""Store screens: group admins manage every store of their group, a store-level holder only
the active store; settings are validated and audit-logged."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from dealer_saas import registry
from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.leads import settings as leads_settings
from dealer_saas.sales import settings as sales_settings
from dealer_saas.tenancy import Store

from .. import factories


def _audit(action, entity, entity_id):
    return (
        db.session.execute(
            select(AuditLog).where(
                AuditLog.action == action, AuditLog.entity == entity, AuditLog.entity_id == entity_id
            )
        )
        .scalars()
        .all()
    )


def test_group_admin_lists_all_stores_of_the_org_only(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation, name="兄弟门店")
    foreign = factories.StoreFactory(name="别人的门店")
    client, _ = client_as("group_admin", org_wide=True)
    body = client.get("/admin/stores").get_data(as_text=True)
    assert store.name in body and sibling.name in body
    assert foreign.name not in body
    assert client.get(f"/admin/stores/{sibling.id}/edit").status_code == 200
    assert client.get(f"/admin/stores/{foreign.id}/edit").status_code == 404
    assert client.post(f"/admin/stores/{foreign.id}/edit", data={"name": "x", "code": "X"}).status_code == 404


def test_store_level_holder_sees_only_the_active_store(client_as, store, in_store):
    sibling = factories.StoreFactory(organisation=store.organisation, name="兄弟门店")
    role = factories.Role(org_id=store.org_id, code="store_admin", name="门店管理", permissions=["admin.stores"])
    db.session.add(role)
    user = factories.UserFactory(org_id=store.org_id)
    db.session.add(factories.Membership(org_id=store.org_id, user_id=user.id, store_id=store.id, role=role))
    db.session.flush()
    from flask import current_app

    from ..conftest import login

    client = login(current_app.test_client(), user, store)
    body = client.get("/admin/stores").get_data(as_text=True)
    assert store.name in body and sibling.name not in body
    assert client.get(f"/admin/stores/{sibling.id}/edit").status_code == 404
    assert client.get("/admin/stores/new").status_code == 403


def test_group_admin_creates_and_edits_a_store_with_audit(client_as, store):
    client, admin = client_as("group_admin", org_wide=True)
    response = client.post(
        "/admin/stores/new",
        data={
            "name": "珠海香洲大众4S店",
            "code": "zh01",
            "city": "珠海",
            "timezone": "Asia/Shanghai",
            "brands": "大众，奥迪",
            "phone": "0756-1234567",
            "address": "香洲区",
            "is_active": "y",
        },
    )
    assert response.status_code == 303
    created = db.session.execute(select(Store).where(Store.code == "ZH01")).scalar_one()
    assert created.org_id == store.org_id and created.brands == "大众,奥迪"
    assert _audit("create", "stores", created.id)[0].user_id == admin.id

    response = client.post(
        f"/admin/stores/{created.id}/edit",
        data={"name": "珠海店", "code": "ZH01", "city": "珠海", "timezone": "Asia/Shanghai", "brands": "大众"},
    )
    assert response.status_code == 303
    db.session.refresh(created)
    assert created.name == "珠海店" and created.is_active is False  # unchecked box deactivates
    row = _audit("update", "stores", created.id)[0]
    assert row.before["name"] == "珠海香洲大众4S店" and row.after["name"] == "珠海店"


def test_duplicate_store_code_is_shown_beside_the_field_and_nothing_saved(client_as, store):
    client, _ = client_as("group_admin", org_wide=True)
    before = db.session.execute(select(Store.id).where(Store.org_id == store.org_id)).all()
    response = client.post(
        "/admin/stores/new", data={"name": "重复", "code": store.code.lower(), "timezone": "Asia/Shanghai"}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "field-code" in body and "已有编码为" in body and "is-invalid" in body
    assert db.session.execute(select(Store.id).where(Store.org_id == store.org_id)).all() == before


def test_settings_defaults_save_and_validation(client_as, store):
    assert leads_settings.callback_days(store) == {"H": 1, "A": 3, "B": 7, "C": 15}
    assert sales_settings.approval_thresholds(store) == (Decimal("3"), Decimal("6"))
    assert sales_settings.default_deposit(store) == Decimal("5000")
    client, _ = client_as("store_manager")
    page = client.get(f"/admin/stores/{store.id}/settings")
    assert page.status_code == 200 and 'value="15"' in page.get_data(as_text=True)
    assert client.get("/admin/settings").status_code == 200

    good = {
        "callback_h": "2",
        "callback_a": "4",
        "callback_b": "8",
        "callback_c": "20",
        "threshold_sales_manager": "2.5",
        "threshold_store_manager": "5",
        "default_deposit": "3000",
        # the other modules' sections, as the screen shows them (their defaults)
        **{
            key: str(value)
            for section in registry.settings_sections()
            if section.name not in ("callback_days", "approval_thresholds", "default_deposit")
            for key, value in section.load(store).items()
        },
    }
    assert client.post(f"/admin/stores/{store.id}/settings", data=good).status_code == 303
    db.session.refresh(store)
    assert store.settings["callback_days"] == {"H": 2, "A": 4, "B": 8, "C": 20}
    assert store.settings["approval_thresholds"] == {"sales_manager": "2.5", "store_manager": "5"}
    assert sales_settings.approval_thresholds(store) == (Decimal("2.5"), Decimal("5"))
    assert sales_settings.default_deposit(store) == Decimal("3000")
    assert _audit("update_settings", "stores", store.id)

    bad = dict(good, threshold_sales_manager="8", threshold_store_manager="5", callback_h="2")
    response = client.post(f"/admin/stores/{store.id}/settings", data=bad)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "总经理审批线不能低于销售经理审批线" in body and 'id="field-threshold_store_manager"' in body
    db.session.refresh(store)
    assert sales_settings.approval_thresholds(store) == (Decimal("2.5"), Decimal("5"))

    response = client.post(f"/admin/stores/{store.id}/settings", data=dict(good, callback_c="400"))
    assert response.status_code == 200 and "0 到 365" in response.get_data(as_text=True)


def test_settings_helper_ignores_garbage():
    junk = Store(
        settings={
            "callback_days": {"H": "x", "A": 5},
            "approval_thresholds": {"sales_manager": "nan?"},
            "default_deposit": "abc",
        }
    )
    assert leads_settings.callback_days(junk) == {"H": 1, "A": 5, "B": 7, "C": 15}
    assert sales_settings.approval_thresholds(junk) == (Decimal("3"), Decimal("6"))
    assert sales_settings.default_deposit(junk) == Decimal("5000")
    assert leads_settings.callback_days(Store(settings=None)) == leads_settings.DEFAULT_CALLBACK_DAYS


def test_store_settings_of_another_store_is_404(client_as, store):
    other = factories.StoreFactory(organisation=store.organisation)
    client, _ = client_as("store_manager")
    assert client.get(f"/admin/stores/{other.id}/settings").status_code == 404
    assert client.post(f"/admin/stores/{other.id}/settings", data={}).status_code == 404
