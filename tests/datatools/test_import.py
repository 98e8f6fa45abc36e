"""Importing from the old system: upload, mapping guessed and remembered, the dry run's
row-by-row report, the commit in one transaction (or nothing), duplicates updated not
doubled, files refused, the upload deleted after the commit."""

from __future__ import annotations

import io
import time

from openpyxl import Workbook
from sqlalchemy import func, select

from dealer_saas import xlsx
from dealer_saas.audit import AuditLog
from dealer_saas.customers.models import Customer, CustomerTag, CustomerVehicle
from dealer_saas.datatools.models import ImportBatch, ImportMapping
from dealer_saas.extensions import db
from dealer_saas.inventory.models import StockVehicle

from .. import factories


def csv_file(rows: list[list[str]]) -> bytes:
    return xlsx.csv_bytes(rows)


def upload(client, entity: str, content: bytes, name: str = "old.csv"):
    return client.post(
        "/admin/data/import",
        data={"entity": entity, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def batch_of(store) -> ImportBatch:
    return (
        db.session.execute(select(ImportBatch).where(ImportBatch.store_id == store.id).order_by(ImportBatch.id.desc()))
        .scalars()
        .first()
    )


def customers_of(store) -> list[Customer]:
    return list(
        db.session.execute(select(Customer).where(Customer.store_id == store.id).order_by(Customer.id)).scalars()
    )


def check(client, batch: ImportBatch, mapping: dict[int, str] | None = None, skip: bool = False):
    columns = mapping if mapping is not None else {int(k): v for k, v in batch.mapping.items()}
    data = {f"columns-{i}": columns.get(i, "") for i in range(len(batch.headers))}
    if skip:
        data["skip_rejected"] = "y"
    return client.post(f"/admin/data/import/{batch.id}", data=data)


ROWS = [
    ["客户姓名", "手机号码", "性别", "客户来源", "生日", "标签"],
    ["张三", "138 0013 8000", "男", "到店", "1990-05-01", "老客户"],
    ["李四", "12345", "女", "", "", ""],  # a bad mobile
    ["", "13900139000", "", "", "", ""],  # no name
    ["王五", "13800138000", "", "", "", ""],  # the same mobile as row 2
    ["赵六", "+86 139-0013-9001", "", "来电", "1985/02/03", ""],
    ["孙七", "13900139002", "", "火星", "", ""],  # an unknown source
]


def test_dry_run_reports_every_row_and_saves_nothing(app, client_as, store):
    client, _user = client_as("store_manager")
    response = upload(client, "customers", csv_file(ROWS))
    assert response.status_code == 303
    batch = batch_of(store)
    # the mapping is guessed from the Chinese headers
    assert batch.mapping == {"0": "name", "1": "mobile", "2": "gender", "3": "source", "4": "birthday", "5": "tags"}
    assert batch.total_rows == 6
    assert check(client, batch).status_code == 303
    db.session.refresh(batch)
    assert batch.status == "checked"
    assert (batch.counts["created"], batch.counts["updated"], batch.counts["rejected"]) == (2, 0, 4)
    report = {row[0]: row for row in batch.report}
    assert report[2][1] == "created" and report[6][1] == "created"
    assert report[3][1] == "rejected" and "手机" in report[3][2]
    assert report[4][1] == "rejected" and "姓名" in report[4][2]
    assert report[5][1] == "rejected" and "第 2 行" in report[5][2]
    assert report[7][1] == "rejected" and "火星" in report[7][2]
    assert customers_of(store) == []  # a dry run writes nothing
    page = client.get(f"/admin/data/import/{batch.id}").get_data(as_text=True)
    assert "火星" in page and "第 2 行" in page
    # with rejected rows the commit is refused: nothing is saved
    assert client.post(f"/admin/data/import/{batch.id}/commit").status_code == 303
    db.session.refresh(batch)
    assert batch.status == "checked" and customers_of(store) == []


def test_commit_skipping_rejected_rows_creates_and_deletes_the_file(app, client_as, store, upload_dir):
    client, user = client_as("store_manager")
    upload(client, "customers", csv_file(ROWS))
    batch = batch_of(store)
    check(client, batch, skip=True)
    assert list(upload_dir.iterdir())
    assert client.post(f"/admin/data/import/{batch.id}/commit").status_code == 303
    db.session.refresh(batch)
    assert batch.status == "committed", batch.error
    assert batch.stored_name == "" and not list(upload_dir.iterdir())  # deleted after the commit
    saved = customers_of(store)
    assert [(c.name, c.mobile, c.gender, c.source) for c in saved] == [
        ("张三", "13800138000", "M", "walk_in"),
        ("赵六", "13900139001", "", "phone"),
    ]
    assert saved[0].name_initials == "zs" and saved[0].mobile_last4 == "8000"
    assert saved[1].birthday.isoformat() == "1985-02-03"
    tags = db.session.execute(select(CustomerTag.tag).where(CustomerTag.customer_id == saved[0].id)).scalars().all()
    assert tags == ["老客户"]
    entry = db.session.execute(select(AuditLog).where(AuditLog.action == "import")).scalar_one()
    assert entry.after["created"] == 2 and entry.user_id == user.id


def test_duplicates_by_mobile_are_updated_not_doubled(app, client_as, store):
    client, _user = client_as("store_manager")
    existing = factories.CustomerFactory(store=store, name="老张", mobile="13800138000", address="旧地址")
    rows = [["姓名", "手机", "地址"], ["张三", "13800138000", "新地址"], ["新客户", "13700137000", ""]]
    upload(client, "customers", csv_file(rows))
    batch = batch_of(store)
    check(client, batch)
    client.post(f"/admin/data/import/{batch.id}/commit")
    db.session.refresh(batch)
    assert batch.status == "committed"
    assert (batch.counts["created"], batch.counts["updated"]) == (1, 1)
    db.session.refresh(existing)
    assert (existing.name, existing.address) == ("张三", "新地址")
    assert len(customers_of(store)) == 2


def test_a_failure_during_the_commit_saves_nothing(app, client_as, store, monkeypatch):
    client, _user = client_as("store_manager")
    rows = [["姓名", "手机"]] + [[f"客户{i}", f"1380013{i:04d}"] for i in range(1200)]  # two chunks
    upload(client, "customers", csv_file(rows))
    batch = batch_of(store)
    check(client, batch)
    from dealer_saas.customers.services import importing

    calls = []
    original = importing.import_customers

    def second_chunk_breaks(chunk):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return original(chunk)

    monkeypatch.setattr(importing, "import_customers", second_chunk_breaks)
    client.post(f"/admin/data/import/{batch.id}/commit")
    db.session.refresh(batch)
    assert calls == [1000, 200]
    assert batch.status == "failed" and "未保存" in batch.error
    assert customers_of(store) == []  # the first chunk was rolled back too


def test_mapping_is_remembered_for_the_organisation(app, client_as, store):
    client, _user = client_as("store_manager")
    rows = [["Cust", "Tel no"], ["张三", "13800138000"]]
    upload(client, "customers", csv_file(rows))
    batch = batch_of(store)
    assert batch.mapping == {}  # nothing known by those names
    response = check(client, batch)  # the required name is missing: refused beside the form
    assert "缺少必填列" in response.get_data(as_text=True)
    check(client, batch, {0: "name", 1: "mobile"})
    remembered = db.session.execute(select(ImportMapping).where(ImportMapping.org_id == store.org_id)).scalar_one()
    assert remembered.columns == {"cust": "name", "telno": "mobile"}
    # another store of the group gets the same guess
    other = factories.StoreFactory(organisation=store.organisation)
    client2, _ = client_as("store_manager", store=other)
    upload(client2, "customers", csv_file([["Tel no", "Cust"], ["13800138001", "李四"]]))
    assert batch_of(other).mapping == {"0": "mobile", "1": "name"}


def test_xlsx_vehicles_and_stock_through_their_services(app, client_as, store):
    client, _user = client_as("store_manager")
    owner = factories.CustomerFactory(store=store, mobile="13800138000")
    model = factories.VehicleModelFactory(org_id=store.org_id, code="PASSAT-330")
    good, other = factories.vin(11), factories.vin(12)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["车主手机号", "VIN", "车牌", "购车日期", "里程"])
    sheet.append(["13800138000", good, "粤A12345", "2023-03-15", 12000])
    sheet.append(["13800138000", good[:-1] + ("0" if good[-1] != "0" else "1"), "", "", ""])  # bad check digit
    sheet.append(["13900000000", other, "", "", ""])  # no such customer
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(client, "vehicles", buffer.getvalue(), "cars.xlsx")
    batch = batch_of(store)
    assert batch.mapping == {"0": "owner_mobile", "1": "vin", "2": "plate", "3": "purchase_date", "4": "mileage"}
    check(client, batch, skip=True)
    db.session.refresh(batch)
    assert (batch.counts["created"], batch.counts["rejected"]) == (1, 2)
    reasons = {row[0]: row[2] for row in batch.report}
    assert "13900000000" in reasons[4]
    client.post(f"/admin/data/import/{batch.id}/commit")
    car = db.session.execute(select(CustomerVehicle).where(CustomerVehicle.vin == good)).scalar_one()
    assert (car.owner_id, car.plate, car.mileage) == (owner.id, "粤A12345", 12000)

    stock_rows = [
        ["车架号", "车型代码", "状态", "到店日期", "成本"],
        [other, "PASSAT-330", "在库", "2024-04-01", "180000"],
        [good, "NOPE", "", "", ""],
    ]
    upload(client, "stock", csv_file(stock_rows))
    batch = batch_of(store)
    check(client, batch, skip=True)
    client.post(f"/admin/data/import/{batch.id}/commit")
    db.session.refresh(batch)
    assert batch.status == "committed" and batch.counts["rejected"] == 1
    car = db.session.execute(select(StockVehicle).where(StockVehicle.vin == other)).scalar_one()
    assert (car.model_id, car.state, str(car.cost)) == (model.id, "in_stock", "180000.00")


def test_refused_files(app, client_as, store):
    client, _user = client_as("store_manager")
    response = upload(client, "customers", b"PK\x03\x04 macro", "book.xlsm")
    assert "宏" in response.get_data(as_text=True)
    response = upload(client, "customers", b"not a zip", "book.xlsx")
    assert "xlsx" in response.get_data(as_text=True)
    app.config["IMPORT_MAX_BYTES"], saved = 100, app.config["IMPORT_MAX_BYTES"]
    try:
        response = upload(client, "customers", csv_file([["姓名"]] + [["张三"]] * 100))
    finally:
        app.config["IMPORT_MAX_BYTES"] = saved
    assert "MB" in response.get_data(as_text=True)
    assert batch_of(store) is None


def test_templates_download_for_every_entity(app, client_as):
    client, _user = client_as("store_manager")
    for entity in ("customers", "vehicles", "visits", "cards", "stock"):
        response = client.get(f"/admin/data/import/template?entity={entity}")
        assert response.status_code == 200 and response.data[:2] == b"PK"
    assert client.get("/admin/data/import/template?entity=nope").status_code == 404


def test_import_needs_its_permission(app, client_as):
    client, _user = client_as("sales_consultant")
    assert client.get("/admin/data/import").status_code == 403


def test_customers_import_set_based(app, client_as, store):
    """The customers importer writes a chunk in a fixed number of statements (not one per
    row): what keeps 100 000 rows under 2 minutes (``flask import-benchmark`` measures it)."""
    from dealer_saas import tenancy
    from dealer_saas.datatools.services.imports import run_import

    from ..conftest import count_queries

    client, _user = client_as("store_manager")
    rows = [["姓名", "手机", "标签"]] + [[f"客户{i}", f"1370013{i:04d}", "老客户"] for i in range(3000)]
    upload(client, "customers", csv_file(rows))
    batch = batch_of(store)
    batch.mapping, batch.status = {"0": "name", "1": "mobile", "2": "tags"}, "committing"
    db.session.flush()
    started = time.monotonic()
    with tenancy.enter(store.id), count_queries() as statements:
        result = run_import(batch.id, commit=True)
    elapsed = time.monotonic() - started
    assert result["created"] == 3000 and result["committed"]
    count = db.session.execute(select(func.count()).select_from(Customer).where(Customer.store_id == store.id)).scalar()
    assert count == 3000
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) < 20, len(selects)  # no look-up per row: one per chunk
    assert len(statements) < 60, len(statements)  # a few multi-row statements per chunk
    print(f"3 000 customers committed in {elapsed:.1f} s ({len(statements)} statements)")


def test_visits_and_cards_through_the_leads_services(app, client_as, store):
    from dealer_saas.leads.models import FollowUpCard, Visit

    client, _user = client_as("store_manager")
    known = factories.CustomerFactory(store=store, mobile="13800138000")
    visits = [
        ["到店时间", "手机号", "姓名", "类型", "意向车型"],
        ["2024-05-01 10:30", "13800138000", "", "到店", "帕萨特"],
        ["2024-05-02 15:00", "13700137000", "新客", "来电", ""],
        ["昨天", "13700137001", "某人", "", ""],  # not a time
    ]
    upload(client, "visits", csv_file(visits))
    batch = batch_of(store)
    check(client, batch, skip=True)
    client.post(f"/admin/data/import/{batch.id}/commit")
    db.session.refresh(batch)
    assert batch.status == "committed" and (batch.counts["created"], batch.counts["rejected"]) == (2, 1)
    saved = db.session.execute(select(Visit).where(Visit.store_id == store.id).order_by(Visit.time_in)).scalars().all()
    assert [(v.customer_id == known.id, v.kind, v.intended_model) for v in saved] == [
        (True, "walk_in", "帕萨特"),
        (False, "phone", ""),
    ]
    assert saved[0].time_in.hour in (2, 10)  # 10:30 in the store's zone, stored in UTC

    cards = [
        ["手机号", "意向级别", "预算"],
        ["13800138000", "h", "200000"],
        ["13900000009", "A", ""],
        ["13800138000", "X", ""],
    ]
    upload(client, "cards", csv_file(cards))
    batch = batch_of(store)
    check(client, batch, skip=True)
    db.session.refresh(batch)
    reasons = {row[0]: row[2] for row in batch.report}
    assert "13900000009" in reasons[3] and "H、A、B" in reasons[4]
    client.post(f"/admin/data/import/{batch.id}/commit")
    card = db.session.execute(select(FollowUpCard).where(FollowUpCard.customer_id == known.id)).scalar_one()
    assert (card.level, str(card.budget), card.status) == ("H", "200000.00", "open")


def test_customers_dry_run_checks_without_writing(app, client_as, store):
    """The customers' dry run looks their mobiles up (created / updated) and writes nothing:
    a large file is written once, by the commit, with the same counts."""
    from dealer_saas import tenancy
    from dealer_saas.datatools.services.imports import run_import

    from ..conftest import count_queries

    client, _user = client_as("store_manager")
    factories.CustomerFactory(store=store, name="老客户", mobile="13700130001")
    rows = [["姓名", "手机"]] + [[f"客户{i}", f"1370013{i:04d}"] for i in range(1500)]
    upload(client, "customers", csv_file(rows))
    batch = batch_of(store)
    batch.status = "checking"
    db.session.flush()
    with tenancy.enter(store.id), count_queries() as statements:
        checked = run_import(batch.id, commit=False)
    assert (checked["created"], checked["updated"], checked["rejected"]) == (1499, 1, 0)
    assert not [s for s in statements if "INSERT INTO customers" in s]
    assert len(customers_of(store)) == 1
    batch.status = "committing"
    with tenancy.enter(store.id):
        committed = run_import(batch.id, commit=True)
    assert (committed["created"], committed["updated"], committed["committed"]) == (1499, 1, True)
    assert len(customers_of(store)) == 1500
    assert customers_of(store)[0].name == "客户1"  # the matched customer was updated


def test_imported_customers_get_every_default_and_an_encrypted_id_number(app, client_as, store):
    """The bulk insert (COPY on PostgreSQL) fills the columns' defaults and encrypts the ID
    number as the ORM does."""
    from sqlalchemy import text

    client, _user = client_as("store_manager")
    id_number = "11010519491231002X"
    rows = [
        ["姓名", "手机", "身份证号", "标签"],
        ["证件客户", "13600136000", id_number, "VIP"],
        ["无证客户", "", "", ""],
    ]
    upload(client, "customers", csv_file(rows))
    batch = batch_of(store)
    check(client, batch)
    client.post(f"/admin/data/import/{batch.id}/commit")
    db.session.refresh(batch)
    assert batch.status == "committed", batch.error
    first, second = customers_of(store)
    assert (first.id_number, first.kind, first.level, first.version, first.email) == (
        id_number,
        "individual",
        "prospect",
        1,
        "",
    )
    raw = db.session.execute(text("SELECT id_number FROM customers WHERE id = :id"), {"id": first.id}).scalar()
    assert raw and id_number not in raw
    assert first.tag_names == ["VIP"] and first.created_at is not None
    assert (second.mobile, second.id_number, second.kind) == (None, None, "individual")
