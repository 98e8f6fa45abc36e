"""Parts and suppliers from the old system: matched by part code and supplier name, written
through the parts services (opening stock as one adjustment movement), the dry run's
row-by-row report with bad rows, templates; the parts and suppliers exports with the
lists' filters."""

from __future__ import annotations

import decimal

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.audit import AuditLog
from dealer_saas.datatools.models import ImportBatch
from dealer_saas.extensions import db
from dealer_saas.parts.models import Part, PartStock, StockMovement, Supplier
from dealer_saas.parts.services import catalogue

from .. import factories
from .test_export import sheet_rows
from .test_import import batch_of, check, csv_file, upload

D = decimal.Decimal


def report_of(batch) -> dict[int, tuple[str, str, str]]:
    return {row[0]: (row[1], row[2], row[3]) for row in batch.report}


def stock_of(store, code: str) -> PartStock | None:
    return db.session.execute(
        select(PartStock)
        .join(Part, Part.id == PartStock.part_id)
        .where(PartStock.store_id == store.id, Part.code == code)
    ).scalar_one_or_none()


def suppliers_of(store) -> list[Supplier]:
    return list(
        db.session.execute(select(Supplier).where(Supplier.store_id == store.id).order_by(Supplier.name)).scalars()
    )


SUPPLIERS = [
    ["供应商名称", "联系人", "电话", "到货天数", "是否启用"],
    ["广州汽配", "陈经理", "020-88886666", "2", "是"],
    ["", "无名", "", "", ""],  # no name
    ["佛山配件", "", "", "400", ""],  # lead days out of range
    ["广州汽配", "", "", "", ""],  # the same name as row 2
    ["深圳轮胎", "", "", "", "也许"],  # not yes or no
    ["老供应商", "", "", "", "否"],  # matched: updated, contact kept
]


def test_suppliers_dry_run_report_and_commit(app, client_as, store):
    client, user = client_as("store_manager")
    with tenancy.enter(store.id, user_id=user.id), app.test_request_context():
        old = catalogue.save_supplier(None, {"name": "老供应商", "contact": "王", "lead_days": 5})
    db.session.commit()
    upload(client, "suppliers", csv_file(SUPPLIERS))
    batch = batch_of(store)
    assert batch.mapping == {"0": "name", "1": "contact", "2": "phone", "3": "lead_days", "4": "is_active"}
    check(client, batch)
    db.session.refresh(batch)
    assert batch.status == "checked"
    assert (batch.counts["created"], batch.counts["updated"], batch.counts["rejected"]) == (1, 1, 4)
    report = report_of(batch)
    assert report[2] == ("created", "", "广州汽配")
    assert report[3] == ("rejected", "缺少供应商名称。", "")
    assert report[4] == ("rejected", "到货天数需在 0 到 365 之间。", "佛山配件")
    assert report[5] == ("rejected", "与第 2 行的供应商名称重复。", "广州汽配")
    assert report[6] == ("rejected", "启用“也许”应为“是”或“否”。", "深圳轮胎")
    assert report[7] == ("updated", "", "老供应商")
    assert [s.name for s in suppliers_of(store)] == ["老供应商"]  # the dry run wrote nothing

    check(client, batch, skip=True)
    client.post(f"/admin/data/import/{batch.id}/commit")
    db.session.refresh(batch)
    assert batch.status == "committed", batch.error
    saved = {s.name: s for s in suppliers_of(store)}
    assert sorted(saved) == sorted(["广州汽配", "老供应商"])
    assert (saved["广州汽配"].contact, saved["广州汽配"].phone, saved["广州汽配"].lead_days) == (
        "陈经理",
        "020-88886666",
        2,
    )
    db.session.refresh(old)
    assert (old.contact, old.lead_days, old.is_active) == ("王", 5, False)  # empty cells keep stored values
    actions = db.session.execute(
        select(AuditLog.action, AuditLog.entity).where(AuditLog.action.in_(("create", "update", "import")))
    ).all()
    assert ("import", "suppliers") in actions and ("update", "part_suppliers") in actions


def test_parts_import_matched_by_code_with_opening_stock(app, client_as, store):
    client, user = client_as("store_manager")
    sister = factories.StoreFactory(organisation=store.organisation)
    with tenancy.enter(store.id, user_id=user.id), app.test_request_context():
        acme = catalogue.save_supplier(None, {"name": "甲供应商"})
        catalogue.create_part(
            {
                "code": "BP0001",
                "name": "刹车片",
                "category": "brake",
                "unit": "set",
                "reorder_point": "2",
                "bin": "A-01",
            }
        )
        catalogue.create_part(
            {"code": "TAKEN", "name": "有条码", "category": "other", "unit": "pc", "barcode": "690123"}
        )
    with tenancy.enter(sister.id), app.test_request_context():
        catalogue.create_part({"code": "SP0001", "name": "火花塞（集团）", "category": "electrical", "unit": "pc"})
    db.session.commit()
    rows = [
        [
            "配件编码",
            "配件名称",
            "类别",
            "单位",
            "库存数量",
            "补货点",
            "最高库存",
            "库位",
            "平均成本",
            "销售价",
            "供应商",
            "条码",
        ],
        [" of0001 ", "机油滤清器", "滤清器", "个", "12", "5", "30", "a-02", "35.50", "68", "甲供应商", ""],  # new
        ["BP0001", "", "", "", "6", "3", "", "", "200", "", "", ""],  # matched: updated, name kept
        ["SP0001", "", "", "", "", "", "", "B-01", "", "25", "", ""],  # the group's part: a stock row here
        ["", "无编码", "", "", "", "", "", "", "", "", "", ""],  # no code
        ["X1", "坏数量", "", "", "十二", "", "", "", "", "", "", ""],  # not a quantity
        ["X2", "坏类别", "火箭", "", "", "", "", "", "", "", "", ""],  # unknown category
        ["X3", "无供应商", "", "", "", "", "", "", "", "", "丙供应商", ""],  # no such supplier
        ["OF0001", "重复", "", "", "", "", "", "", "", "", "", ""],  # the same code as row 2
        ["X4", "补货点过高", "", "", "", "9", "4", "", "", "", "", ""],  # maximum below the reorder point
        ["X5", "", "", "", "", "", "", "", "", "", "", ""],  # a new part without a name
        ["X6", "条码重复", "", "", "", "", "", "", "", "", "", "690123"],  # barcode of another part
    ]
    upload(client, "parts", csv_file(rows))
    batch = batch_of(store)
    assert [batch.mapping[str(i)] for i in range(12)] == [
        "code",
        "name",
        "category",
        "unit",
        "on_hand",
        "reorder_point",
        "maximum",
        "bin",
        "average_cost",
        "sale_price",
        "supplier",
        "barcode",
    ]
    check(client, batch)
    db.session.refresh(batch)
    assert (batch.counts["created"], batch.counts["updated"], batch.counts["rejected"]) == (2, 1, 8)
    report = report_of(batch)
    assert report[2] == ("created", "", "OF0001")
    assert report[3] == ("updated", "", "BP0001")
    assert report[4] == ("created", "", "SP0001")
    assert report[5] == ("rejected", "缺少配件编码。", "")
    assert report[6] == ("rejected", "库存数量“十二”不是数量。", "X1")
    assert report[7] == ("rejected", "类别“火箭”不是可选的值。", "X2")
    assert report[8] == ("rejected", "本店没有名为“丙供应商”的供应商，请先导入供应商。", "X3")
    assert report[9] == ("rejected", "与第 2 行的配件编码重复。", "OF0001")
    assert report[10] == ("rejected", "最高库存不能低于补货点。", "X4")
    assert report[11] == ("rejected", "请填写配件名称。", "X5")
    assert report[12] == ("rejected", "条码 690123 已用于其他配件。", "X6")
    assert stock_of(store, "OF0001") is None  # the dry run wrote nothing

    check(client, batch, skip=True)
    client.post(f"/admin/data/import/{batch.id}/commit")
    db.session.refresh(batch)
    assert batch.status == "committed", batch.error
    oil = stock_of(store, "OF0001")
    assert (oil.part.name, oil.part.category, oil.part.unit, oil.bin) == ("机油滤清器", "filter", "pc", "A-02")
    assert (oil.on_hand, oil.reorder_point, oil.maximum) == (D("12.000"), D("5.000"), D("30.000"))
    assert (oil.average_cost, oil.sale_price, oil.supplier_id) == (D("35.50"), D("68.00"), acme.id)
    moves = db.session.execute(select(StockMovement).where(StockMovement.part_stock_id == oil.id)).scalars().all()
    assert [(m.kind, m.quantity, m.unit_cost, m.on_hand_after) for m in moves] == [
        ("adjustment", D("12.000"), D("35.50"), D("12.000"))
    ]
    pads = stock_of(store, "BP0001")
    assert (pads.part.name, pads.part.category, pads.bin) == ("刹车片", "brake", "A-01")  # empty cells kept
    assert (pads.on_hand, pads.reorder_point, pads.average_cost, pads.is_low) == (
        D("6.000"),
        D("3.000"),
        D("200.00"),
        False,
    )
    plug = stock_of(store, "SP0001")
    assert plug.part.name == "火花塞（集团）" and plug.bin == "B-01" and plug.on_hand == 0
    assert plug.part_id == stock_of(sister, "SP0001").part_id  # one master for the group
    assert db.session.execute(select(Part.id).where(Part.code.in_(("X1", "X4", "X5", "X6")))).first() is None


def test_opening_stock_never_below_what_is_reserved(app, store, in_store):
    from dealer_saas.parts.services import stock
    from dealer_saas.parts.services.rules import NotEnoughStock

    user = factories.user_with_role("parts_clerk", store)
    with in_store(user), app.test_request_context():
        row = catalogue.create_part({"code": "R1", "name": "预留件", "category": "other", "unit": "pc"})
        stock.apply_movement(row.id, "receipt", D("5"), unit_cost=D("10"))
        stock.reserve(row.id, D("3"))
        try:
            catalogue.import_part({"code": "R1", "on_hand": D("2")})
        except NotEnoughStock as error:
            assert str(error) == "R1 已为工单预留 3，库存不能少于此数。"
        else:
            raise AssertionError("on hand went below the reservation")
        assert catalogue.import_part({"code": "R1", "on_hand": D("4"), "average_cost": D("12")}) == "updated"
        db.session.refresh(row)
        assert (row.on_hand, row.reserved, row.average_cost) == (D("4.000"), D("3.000"), D("12.00"))


def test_parts_templates_and_permission(app, client_as):
    client, _user = client_as("store_manager")
    for entity in ("parts", "suppliers"):
        response = client.get(f"/admin/data/import/template?entity={entity}")
        assert response.status_code == 200 and response.data[:2] == b"PK"
    advisor, _ = client_as("service_advisor")
    assert advisor.get("/admin/data/import").status_code == 403


def test_parts_and_suppliers_exports_with_the_lists_filters(app, client_as, store, two_tenants):
    client, user = client_as("store_manager")
    with tenancy.enter(store.id, user_id=user.id), app.test_request_context():
        acme = catalogue.save_supplier(None, {"name": "甲供应商", "phone": "=1+1"})
        catalogue.save_supplier(None, {"name": "乙供应商", "is_active": False})
        catalogue.create_part(
            {"code": "OF0001", "name": "机油滤", "category": "filter", "unit": "pc", "supplier_id": acme.id}
        )
        catalogue.create_part({"code": "OF0002", "name": "空滤", "category": "filter", "unit": "pc"})
        catalogue.create_part({"code": "BP0001", "name": "刹车片", "category": "brake", "unit": "set"})
    with tenancy.enter(two_tenants.b1.id), app.test_request_context():
        catalogue.create_part({"code": "OF0009", "name": "别家的", "category": "filter", "unit": "pc"})
    db.session.commit()
    rows = sheet_rows(client.post("/admin/data/export", data={"entity": "parts", "status": "filter"}))
    assert [r[1] for r in rows[1:]] == ["OF0001", "OF0002"]
    assert rows[1][14] == "甲供应商" and rows[1][3] == "滤清器"
    rows = sheet_rows(client.post("/admin/data/export", data={"entity": "parts", "q": "bp"}))
    assert [r[1] for r in rows[1:]] == ["BP0001"]
    rows = sheet_rows(client.post("/admin/data/export", data={"entity": "suppliers", "status": "active"}))
    assert [(r[1], r[3]) for r in rows[1:]] == [("甲供应商", "'=1+1")]
    rows = sheet_rows(client.post("/admin/data/export", data={"entity": "suppliers"}))
    assert [r[1] for r in rows[1:]] == ["乙供应商", "甲供应商"]  # by name
    entries = db.session.execute(
        select(AuditLog.entity, AuditLog.after).where(AuditLog.action == "export").order_by(AuditLog.id)
    ).all()
    assert [(e, a["rows"]) for e, a in entries] == [("parts", 2), ("parts", 1), ("suppliers", 1), ("suppliers", 2)]
    assert entries[0][1]["filters"] == {"category": "filter"}
    advisor, _ = client_as("service_advisor")  # parts.view but no export permission
    assert advisor.post("/admin/data/export", data={"entity": "parts"}).status_code == 403


def test_a_parts_clerk_imports_parts_and_suppliers_and_sees_no_other_import(app, client_as, store):
    manager, _user = client_as("store_manager")
    upload(manager, "customers", csv_file([["姓名", "手机"], ["张三", "13800138000"]]))
    customers_batch = batch_of(store)
    clerk, _clerk = client_as("parts_clerk")
    page = clerk.get("/admin/data/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # the kinds offered: the parts module's only; the manager's customer file is not listed
    assert 'value="parts"' in html and 'value="suppliers"' in html
    assert 'value="customers"' not in html and 'value="visits"' not in html
    assert f"/admin/data/import/{customers_batch.id}" not in html
    assert clerk.get(f"/admin/data/import/{customers_batch.id}").status_code == 404
    assert clerk.post(f"/admin/data/import/{customers_batch.id}/discard", data={}).status_code == 404
    assert clerk.post(f"/admin/data/import/{customers_batch.id}/commit", data={}).status_code == 404
    refused = upload(clerk, "customers", csv_file([["姓名"], ["李四"]]))
    assert refused.status_code == 200 and db.session.query(ImportBatch).count() == 1  # nothing uploaded
    # a suppliers file goes all the way through
    upload(clerk, "suppliers", csv_file(SUPPLIERS[:2]))
    batch = batch_of(store)
    assert batch.entity == "suppliers" and clerk.get(f"/admin/data/import/{batch.id}").status_code == 200
    check(clerk, batch)
    db.session.refresh(batch)
    assert batch.status == "checked" and batch.counts["created"] == 1
