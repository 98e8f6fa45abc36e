"""Exports of cars, visits, cards and stock: the lists' filters and visibility, only
with the export permission, audit-logged, through the safe writer."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db

from .. import factories


def sheet_rows(response) -> list[list]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def test_cards_export_with_the_list_filter_and_an_audit_row(app, client_as, store, two_tenants):
    hot = factories.FollowUpCardFactory(
        store=store, level="H", customer=factories.CustomerFactory(store=store, name="=HYPERLINK(1)")
    )
    factories.FollowUpCardFactory(store=store, level="C", status="lost")
    factories.FollowUpCardFactory(store=two_tenants.b1, level="H")  # another organisation
    client, user = client_as("store_manager")
    rows = sheet_rows(client.post("/admin/data/export", data={"entity": "cards", "status": "open"}))
    assert len(rows) == 2  # header + the open card of this store
    assert rows[1][1] == "'=HYPERLINK(1)"  # text, never a formula
    assert rows[1][3] == "H"
    entry = db.session.execute(
        select(AuditLog).where(AuditLog.action == "export", AuditLog.entity == "cards")
    ).scalar_one()
    assert entry.user_id == user.id and entry.after["rows"] == 1 and entry.after["filters"]["status"] == "open"
    assert hot.id


def test_stock_visits_and_vehicles_exports(app, client_as, store):
    factories.StockVehicleFactory(store=store, location="甲区", state="in_stock")
    factories.StockVehicleFactory(store=store, location="在途", state="in_transit")
    factories.VisitFactory(store=store, intended_model="途观L")
    car = factories.CustomerVehicleFactory(store=store)
    client, _user = client_as("store_manager")
    stock = sheet_rows(client.post("/admin/data/export", data={"entity": "stock", "status": "in_stock"}))
    assert [r[10] for r in stock[1:]] == ["甲区"]
    visits = sheet_rows(client.post("/admin/data/export", data={"entity": "visits"}))
    assert [r[7] for r in visits[1:]] == ["途观L"]
    cars = sheet_rows(client.post("/admin/data/export", data={"entity": "vehicles"}))
    assert [r[3] for r in cars[1:]] == [car.vin]


def test_a_consultant_exports_only_what_their_list_shows_and_needs_the_permission(app, client_as, store):
    client, consultant = client_as("sales_consultant")
    assert client.get("/admin/data/export").status_code == 403
    assert client.post("/admin/data/export", data={"entity": "cards"}).status_code == 403
    assert not db.session.execute(select(AuditLog).where(AuditLog.action == "export")).first()


def test_group_roll_up_exports_read_only(app, two_tenants):
    from ..conftest import login

    user = factories.user_with_role("group_manager", two_tenants.a1, org_wide=True)
    factories.FollowUpCardFactory(store=two_tenants.a1, level="B")
    factories.FollowUpCardFactory(store=two_tenants.a2, level="B")
    db.session.commit()
    client = login(app.test_client(), user, two_tenants.a1)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    page = client.get("/admin/data/export")
    assert page.status_code == 200
    assert client.get("/admin/data/import").status_code == 403  # group managers export, never import
    rows = sheet_rows(client.post("/admin/data/export", data={"entity": "cards"}))
    assert sorted(r[0] for r in rows[1:]) == sorted(["甲一店", "甲二店"])
    assert json.dumps(rows[0], ensure_ascii=False).count("门店") == 1
