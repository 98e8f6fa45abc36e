"""The service and parts pages with realistic rows stay within the statement budget (at
most four per page or fragment, before the fragments they load lazily): the repair order
with labour and package lines, parts lines, photos, payments, proposals and a history; the
appointment day and an appointment; the printable statement; the board; the technician's view; a car's service
history; the parts list, a part's page, a purchase order, the purchase suggestion, a count
sheet and a counter sale's receipt.
``tests/core/test_statement_budget.py`` walks the pages without URL arguments on demo data;
this one opens the detail pages too, with enough rows that one statement per row shows."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from dealer_saas.extensions import db
from dealer_saas.parts.services import counter_sales, purchasing, stocktakes
from dealer_saas.service.demo import _png
from dealer_saas.service.models import Appointment
from dealer_saas.service.services import parts_lines, photos, progress, repair_orders
from dealer_saas.timeutil import from_local, local_today, utcnow

from .. import factories
from ..conftest import count_queries, login
from ..parts import factories as pf
from . import factories as sf

BUDGET = 4
HX = {"HX-Request": "true"}
PNG = _png(4, 3, (200, 10, 10))


def _measure(client, url: str, headers: dict[str, str] | None = None) -> tuple[int, list[str], str]:
    client.get(url, headers=headers or {})  # warm anything cached per process
    with count_queries() as statements:
        response = client.get(url, headers=headers or {})
    return response.status_code, list(statements), response.get_data(as_text=True)


@pytest.fixture
def busy(w, in_store):
    """A store with a workshop's worth of work: an RO taken in progress with two labour
    lines, a package, three parts lines, two photos and a proposal, then ready with a
    payment; three closed ROs of the same car; six more live ROs on the board (two
    technicians); twelve appointments today; thirteen parts in stock with movements."""
    store = w.store
    with in_store(w.manager):
        parts = pf.world(store, w.manager)
        for n in range(10):
            pf.part(f"EX{n:04d}", on_hand=4 + n, reorder_point=5, maximum=20, bin="C-01")
    for _n in range(3):
        sf.ro(w, status="closed", lines=2)
    order = sf.ro(w, status="in_progress", lines=2)
    order.lines[1].technician_id = w.tech2.id
    db.session.flush()
    with in_store(w.manager):
        repair_orders.add_package_line(
            order.id, {"package_id": w.package.id, "technician_id": w.tech.id, "payer": "customer"}
        )
        for code in ("OF0001", "BP0001", "EX0005"):
            parts_lines.add_part_line(order.id, {"code": code, "quantity": 1, "payer": "customer", "discount": 0})
        photos.add_photos(order.id, [FileStorage(io.BytesIO(PNG), filename=f"{n}.png") for n in range(2)])
        progress.propose(order.id, {"operation_id": w.brakes.id, "note": "刹车片偏薄"})
    for line in order.lines:
        line.status = "passed"
    order.status = "ready"
    db.session.flush()
    with in_store(w.manager):
        repair_orders.record_payment(order.id, payer="customer", method="cash", amount="100.00")
    live = []
    for n, status in enumerate(("open", "in_progress", "in_progress", "quality_check", "ready", "open")):
        row = sf.ro(w, status=status, lines=2)
        row.lines[1].technician_id = w.tech2.id
        row.promised_at = utcnow() + dt.timedelta(hours=n - 2)
        live.append(row)
    ten = from_local(dt.datetime.combine(local_today(store.timezone), dt.time(10)), store.timezone)
    for n in range(12):
        db.session.add(
            Appointment(
                store_id=store.id,
                org_id=store.org_id,
                customer_id=w.customer.id,
                vehicle_id=w.vehicle.id,
                starts_at=ten + dt.timedelta(minutes=30 * (n % 6)),
                service_type="maintenance",
                status=("booked", "confirmed", "pending")[n % 3],
                advisor_id=w.advisor.id if n % 2 else None,
                technician_id=w.tech.id if n % 3 == 0 else None,
            )
        )
    with in_store(w.manager):  # the parts desk's documents, each with several lines
        ex = [pf.part(f"EY{n:04d}", on_hand=1, reorder_point=5, maximum=9, supplier=parts.acme) for n in range(4)]
        docs = Documents(
            po=purchasing.create_po(parts.acme.id, [(stock.id, D(5), D("12.50")) for stock in ex]),
            sheet=stocktakes.take_sheet("bin", "C-01"),
            sale=counter_sales.sell(lines=[("OF0001", 1), ("EX0008", 1), ("EX0009", 2)], method="cash"),
            appointment_id=0,
        )
        stocktakes.enter_count(docs.sheet.id, "EX0003", 6)
    db.session.commit()
    docs.appointment_id = db.session.execute(sa.select(sa.func.max(Appointment.id))).scalar()
    parts.documents = docs
    return order, live[0], parts


@dataclasses.dataclass
class Documents:
    po: object
    sheet: object
    sale: object
    appointment_id: int


def _pages(order, open_ro, parts) -> list[tuple[str, list[str]]]:
    """(url, what its answer must show: the rows are really there)"""
    docs = parts.documents
    ro = f"/service/repair-orders/{order.id}"
    return [
        (ro, [order.number, "M001 更换机油", "PK10K", "ro-settlement", "ro-photos", "ro-parts", "ro-progress"]),
        (f"{ro}/photos", ["环车照片（2）", "/service/photos/"]),
        (f"{ro}/settlement", ["payer-totals", "100.00", "payment-form"]),
        (f"{ro}/progress", ["刹车片偏薄", "progress-url"]),
        (f"{ro}/history", ["该车维修记录", "RO-T-"]),
        (f"{ro}/statement", [order.number, "OF0001", "EX0005", "100.00"]),
        (f"/parts/repair-orders/{order.id}/parts", ["OF0001", "BP0001", "EX0005"]),
        (f"/service/repair-orders/{open_ro.id}", [open_ro.number, "ro-work-forms"]),
        (f"/service/repair-orders/{open_ro.id}/work-forms", ["package-line-form", "labour-line-form", "PK10K"]),
        ("/service/repair-orders", [order.number, open_ro.number]),
        ("/service/appointments", ["/service/appointments/"]),
        ("/service/board", [open_ro.number, "workshop-board"]),
        ("/parts/", ["OF0001", "EX0009"]),
        (f"/parts/stock/{parts.oil.id}", ["OF0001", "甲供应商", "movements"]),
        (f"/parts/purchase-orders/{docs.po.id}", [docs.po.number, "EY0000", "EY0003", "甲供应商"]),
        ("/parts/suggested-order", ["EY0002", "甲供应商", "EX0000"]),
        (f"/parts/stocktakes/{docs.sheet.id}", [docs.sheet.number, "EX0003", "EX0009"]),
        (f"/parts/sales/{docs.sale.id}", [docs.sale.number, "OF0001", "EX0009"]),
        (f"/service/appointments/{docs.appointment_id}", ["reschedule", order.vehicle.plate]),
        (f"/service/vehicles/{order.vehicle_id}", [order.vehicle.plate, order.number]),
    ]


def test_the_service_and_parts_pages_stay_within_the_budget_with_real_rows(w, busy, app):
    order, open_ro, parts = busy
    client = login(app.test_client(), w.manager, w.store)
    over = []
    for url, shown in _pages(order, open_ro, parts):
        for headers in ({}, HX):
            status, statements, body = _measure(client, url, headers)
            assert status == 200, (url, headers, status)
            missing = [text for text in shown if text not in body]
            assert not missing, (url, headers, missing)
            if len(statements) > BUDGET:
                listing = "\n    ".join(s.replace("\n", " ")[:160] for s in statements)
                over.append(f"{url} {headers}: {len(statements)}\n    {listing}")
    assert not over, "\n".join(over)


def test_the_appointment_day_shows_every_booking_in_budget(w, busy, app):
    client = login(app.test_client(), w.advisor, w.store)
    status, statements, body = _measure(client, "/service/appointments")
    assert status == 200 and len(statements) <= BUDGET, statements
    assert len(re.findall(r'href="/service/appointments/\d+"', body)) == 12


def test_the_day_shows_at_most_its_bound_and_says_so(w, busy, app, monkeypatch):
    from dealer_saas.service.services import appointments

    monkeypatch.setattr(appointments, "DAY_LIMIT", 5)
    client = login(app.test_client(), w.advisor, w.store)
    body = client.get("/service/appointments").get_data(as_text=True)
    assert len(re.findall(r'href="/service/appointments/\d+"', body)) == 5 and 'data-testid="day-cut"' in body


def test_the_technicians_view_in_budget(w, busy, app):
    client = login(app.test_client(), w.tech2, w.store)
    for headers in ({}, HX):
        status, statements, body = _measure(client, "/service/my-work", headers)
        assert status == 200 and len(statements) <= BUDGET, statements
        # tech2 has the second line of the six live ROs and of the ready one
        assert body.count("/service/lines/") >= 5


def test_the_roll_up_reads_the_ro_page_and_its_panels_in_budget_without_write_controls(w, busy, app):
    order, _open_ro, _parts = busy
    factories.StoreFactory(organisation=w.store.organisation)  # the roll-up needs two stores
    boss = factories.user_with_role("group_manager", w.store, org_wide=True)
    db.session.commit()
    client = login(app.test_client(), boss, w.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    ro = f"/service/repair-orders/{order.id}"
    for url in (ro, f"{ro}/photos", f"{ro}/settlement", f"{ro}/progress", f"{ro}/history"):
        status, statements, body = _measure(client, url)
        assert status == 200 and len(statements) <= BUDGET, (url, statements)
        assert url != ro or "全部门店" in body or w.store.name in body
        assert "payment-form" not in body and "photo-form" not in body and "proposal-form" not in body


def test_a_refused_form_shows_every_panel_inline_with_what_was_typed(w, busy, app):
    order, open_ro, _parts = busy
    client = login(app.test_client(), w.advisor, w.store)
    refused = client.post(
        f"/service/repair-orders/{open_ro.id}/labour",
        data={"operation_id": str(w.oil.id), "hours": "999999", "payer": "customer", "discount": "0"},
        headers=HX,
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'value="999999"' in body
    # the panels are there at once (no placeholder waiting for its own request)
    for panel in ("ro-photos", "ro-settlement", "ro-parts", "ro-work-forms", "ro-progress", "ro-history"):
        assert f'id="{panel}"' in body
    assert 'hx-trigger="load"' not in body


def test_panels_of_another_stores_ro_are_404(w, busy, app, two_tenants):
    order, _open_ro, _parts = busy
    outsider = factories.user_with_role("store_manager", two_tenants.b1)
    sibling = factories.StoreFactory(organisation=w.store.organisation)
    neighbour = factories.user_with_role("store_manager", sibling)
    db.session.commit()
    for user, store in ((outsider, two_tenants.b1), (neighbour, sibling)):
        client = login(app.test_client(), user, store)
        ro = f"/service/repair-orders/{order.id}"
        for url in (
            f"{ro}/photos",
            f"{ro}/settlement",
            f"{ro}/work-forms",
            f"{ro}/progress",
            f"{ro}/history",
            f"/parts/repair-orders/{order.id}/parts",
        ):
            assert client.get(url).status_code == 404, url


def test_the_catalogue_choices_are_the_organisations_only(w, app, two_tenants, in_store):
    from dealer_saas.service.models import LabourOperation
    from dealer_saas.service.services import catalogue

    db.session.add(
        LabourOperation(org_id=two_tenants.b1.org_id, code="XB01", name="别家", category="repair", standard_hours=1)
    )
    db.session.flush()
    with in_store(w.manager):
        operations, packages = catalogue.line_choices()
    assert [label.split()[0] for _v, label in operations] == ["M001", "R001"]
    assert [label.split()[0] for _v, label in packages] == ["PK10K"]


def _rollup_client(w, app):
    factories.StoreFactory(organisation=w.store.organisation)  # the roll-up needs two stores
    boss = factories.user_with_role("group_manager", w.store, org_wide=True)
    db.session.commit()
    client = login(app.test_client(), boss, w.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    return client


def _ro_links(body: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/service/repair-orders/(\d+)"', body)]


def _counts(body: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-testid="board-count">(\d+)<', body)]


def test_the_roll_up_board_shows_each_states_soonest_promised_and_counts_them_all(w, busy, app, monkeypatch):
    from dealer_saas.service.services import work

    _order, first_live, _parts = busy
    monkeypatch.setattr(work, "ROLLUP_COLUMN_LIMIT", 1)
    client = _rollup_client(w, app)
    for headers in ({}, HX):
        status, statements, body = _measure(client, "/service/board", headers)
        assert status == 200 and len(statements) <= BUDGET, statements
        shown = _ro_links(body)
        # open: promised 2 h ago and in 3 h; in progress: 1 h ago and now; one in QC; ready:
        # in 2 h and the first RO (never promised): the soonest of each state
        assert len(shown) == 4 and shown[0] == first_live.id
        assert _counts(body) == [2, 2, 1, 2]
        more = re.findall(r'href="(/service/repair-orders\?status=\w+)"[^>]*data-testid="board-more"', body)
        assert more == [f"/service/repair-orders?status={s}" for s in ("open", "in_progress", "ready")]
        assert body.count("另有 1 张，查看全部") == 3
        assert 'data-testid="board-cut"' in body and "集团看板每个状态只显示全部门店中交车时间最近的 1 张工单" in body
    # a store's own board is not cut at the roll-up's bound
    manager = login(app.test_client(), w.manager, w.store)
    body = manager.get("/service/board").get_data(as_text=True)
    assert len(_ro_links(body)) == 7 and 'data-testid="board-cut"' not in body and "board-more" not in body
    assert _counts(body) == [2, 2, 1, 2]


def test_the_boards_counts_are_of_the_users_stores_only(w, busy, app):
    """The counts come from a statement built once per process: the tenant's criteria are
    still added each time it runs (another group's ROs never count, a sibling store's count
    in the roll-up only)."""
    elsewhere = sf.world(factories.StoreFactory())
    for _n in range(3):
        sf.ro(elsewhere, status="open")
    sibling_store = factories.StoreFactory(organisation=w.store.organisation)
    customer = factories.CustomerFactory(store=sibling_store)
    car = factories.CustomerVehicleFactory(store=sibling_store, owner=customer)
    sibling = dataclasses.replace(w, store=sibling_store, customer=customer, vehicle=car)
    sibling_ro = sf.ro(sibling, status="quality_check")
    db.session.commit()
    body = login(app.test_client(), w.manager, w.store).get("/service/board", headers=HX).get_data(as_text=True)
    assert _counts(body) == [2, 2, 1, 2] and sibling_ro.number not in body
    body = _rollup_client(w, app).get("/service/board", headers=HX).get_data(as_text=True)
    assert _counts(body) == [2, 2, 2, 2] and sibling_ro.number in body


def test_a_stores_board_says_when_a_column_shows_only_the_soonest(w, busy, app, monkeypatch):
    from dealer_saas.service.services import work

    _order, first_live, _parts = busy
    monkeypatch.setattr(work, "COLUMN_LIMIT", 1)
    client = login(app.test_client(), w.manager, w.store)
    status, statements, body = _measure(client, "/service/board", HX)
    assert status == 200 and len(statements) <= BUDGET, statements
    assert _ro_links(body)[:1] == [first_live.id] and len(_ro_links(body)) == 4
    assert "每个状态只显示交车时间最近的 1 张工单，其余在工单列表中。" in body and _counts(body) == [2, 2, 1, 2]
    listed = client.get("/service/repair-orders?status=open").get_data(as_text=True)
    assert first_live.number in listed  # the column's link lists the state's ROs


def test_the_roll_up_day_comes_a_page_at_a_time_in_time_order(w, busy, app, monkeypatch):
    from dealer_saas.service.services import appointments

    monkeypatch.setattr(appointments, "ROLLUP_DAY_PAGE", 5)
    client = _rollup_client(w, app)
    seen: list[int] = []
    url, pages = "/service/appointments", 0
    while url:
        status, statements, body = _measure(client, url, HX if pages else {})
        assert status == 200 and len(statements) <= BUDGET, statements
        rows = [int(n) for n in re.findall(r'href="/service/appointments/(\d+)"', body)]
        assert len(rows) == (5 if pages < 2 else 2), (pages, rows)
        assert w.store.name in body and "10:00" in body or pages  # the first page starts at 10:00
        seen += rows
        more = re.search(r'id="load-more">\s*<a [^>]*href="([^"]+)"', body)
        url = more.group(1).replace("&amp;", "&") if more else None
        pages += 1
    assert pages == 3 and 'data-testid="day-cut"' not in body
    booked = (
        db.session.execute(sa.select(Appointment.id).order_by(Appointment.starts_at, Appointment.id)).scalars().all()
    )
    assert seen == list(booked) and len(seen) == 12


def test_the_low_and_over_stock_lists_show_their_rows(w, busy, app, in_store):
    _order, open_ro, parts = busy
    with in_store(w.manager):
        # reserved for an open RO: 7 on hand, 3 reserved, 4 available at or below 5
        parts_lines.add_part_line(open_ro.id, {"code": "EX0003", "quantity": 3, "payer": "customer", "discount": 0})
        over = pf.part("OV0001", on_hand=30, reorder_point=1, maximum=20)
        dead = pf.part("DS0001", on_hand=2)
    dead.last_moved_at = utcnow() - dt.timedelta(days=200)
    db.session.commit()
    client = login(app.test_client(), w.manager, w.store)
    status, statements, low = _measure(client, "/parts/low-stock")
    assert status == 200 and len(statements) <= BUDGET, statements
    # BP0001: 2 left (one issued to the RO), reorder point 2, from its supplier
    assert f'href="/parts/stock/{parts.pads.id}"' in low and "配件BP0001" in low
    assert "2 / 2" in low and "现有 2 · 预留 0 · 最高 8 · 乙供应商" in low
    assert "EX0003" in low and "现有 7 · 预留 3 · 最高 20" in low
    assert "EX0000" in low and "4 / 5" in low and "OF0001" not in low and "EX0006" not in low
    assert 'data-testid="low-rows"' in low and "OV0001" not in low and "DS0001" not in low
    status, statements, over_rows = _measure(client, "/parts/low-stock?view=over")
    assert status == 200 and len(statements) <= BUDGET, statements
    assert f'href="/parts/stock/{over.id}"' in over_rows and "30 / 最高 20" in over_rows
    assert 'data-testid="over-rows"' in over_rows and "DS0001" not in over_rows and "BP0001" not in over_rows
    status, statements, dead_rows = _measure(client, "/parts/low-stock?view=dead")
    assert status == 200 and len(statements) <= BUDGET, statements
    assert f'href="/parts/stock/{dead.id}"' in dead_rows and "DS0001" in dead_rows and "OV0001" not in dead_rows
