"""The report screens: who may open them, the figures in the fragments, the group view with
a link per store, the targets form, the CSV export (inert cells, audit-logged), and query
arguments that are junk never answer 500."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.reports.csvfile import safe_cell, write_csv
from dealer_saas.reports.models import SalesTarget

from .. import factories
from ..conftest import login

OCT = {"start": "2026-10-01", "end": "2026-10-31"}
HX = {"HX-Request": "true"}


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def manager_client(app, world):
    return login(app.test_client(), world.manager, world.store)


@pytest.fixture
def group_client(app, world):
    manager = factories.user_with_role("group_manager", world.store, org_wide=True)
    client = login(app.test_client(), manager, world.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    return client


def test_pages_paint_without_figures_and_load_them_as_fragments(manager_client):
    page = manager_client.get("/reports/?start=2026-10-01&end=2026-10-31")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'hx-trigger="load"' in html and "/reports/funnel?" in html
    assert "echarts-6.1.0/echarts.min.js" in html and "js/reports.js" in html
    assert "<script>" not in html  # no inline script: the chart's data is an attribute

    fragment = manager_client.get("/reports/funnel", query_string={**OCT, "by": "source"}, headers=HX)
    assert fragment.status_code == 200
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert "data-chart=" in body and '"type": "funnel"' in body and '"values": [6, 3, 2, 2, 2]' in body
    assert "50.0%" in body and "66.7%" in body and "33.3%" in body
    # the same URL without htmx is a whole page (no JavaScript needed)
    assert "<html" in manager_client.get("/reports/funnel", query_string=OCT).get_data(as_text=True)


def test_only_managers_open_reports(app, world, client_as):
    consultant_client, _user = client_as("sales_consultant", store=world.store)
    assert consultant_client.get("/reports/").status_code == 403
    assert consultant_client.get("/reports/funnel").status_code == 403
    assert consultant_client.post("/reports/export", data={"report": "funnel"}).status_code == 403
    sales_manager, _user = client_as("sales_manager", store=world.store)
    assert sales_manager.get("/reports/ranking").status_code == 200
    # the group comparison is the group's
    assert sales_manager.get("/reports/stores").status_code == 403


def test_ranking_fragment_shows_actual_against_target(manager_client, world):
    db.session.add(
        SalesTarget(
            store_id=world.store.id,
            org_id=world.store.org_id,
            consultant_id=world.c1.id,
            month=dt.date(2026, 10, 1),
            units=4,
            deliveries=2,
            gross_margin=40000,
        )
    )
    db.session.flush()
    body = manager_client.get("/reports/ranking/data?month=2026-10", headers=HX).get_data(as_text=True)
    assert body.index("顾问乙") < body.index("顾问甲")  # the higher margin ranks first
    assert "25.0%" in body and "¥20,000.00" in body and "¥40,000.00" in body
    assert '"type": "bar"' in body


def test_targets_form_saves_and_refuses_bad_figures(manager_client, world):
    page = manager_client.get("/reports/targets?month=2026-10")
    assert page.status_code == 200 and "顾问甲" in page.get_data(as_text=True)
    bad = manager_client.post(
        "/reports/targets", data={"month": "2026-10", f"units_{world.c1.id}": "-3", f"units_{world.c2.id}": "2"}
    )
    assert bad.status_code == 200 and "不能为负数" in bad.get_data(as_text=True)
    assert db.session.execute(select(SalesTarget)).scalars().all() == []
    ok = manager_client.post(
        "/reports/targets",
        data={
            "month": "2026-10",
            f"units_{world.c1.id}": "5",
            f"deliveries_{world.c1.id}": "3",
            f"margin_{world.c1.id}": "60000",
        },
    )
    assert ok.status_code == 303
    (target,) = db.session.execute(select(SalesTarget)).scalars().all()
    assert (target.consultant_id, target.units, target.deliveries, int(target.gross_margin)) == (
        world.c1.id,
        5,
        3,
        60000,
    )
    assert target.store_id == world.store.id and str(target.month) == "2026-10-01"
    assert db.session.execute(select(AuditLog).where(AuditLog.entity == "sales_targets")).scalars().first()
    # the sibling's consultant cannot be given a target from this store (not in the form)
    manager_client.post("/reports/targets", data={"month": "2026-10", f"units_{world.c2.id + 999}": "9"})
    assert len(db.session.execute(select(SalesTarget)).scalars().all()) == 1


def test_forecast_fragment(manager_client):
    body = manager_client.get("/reports/forecast/data", headers=HX).get_data(as_text=True)
    assert "1.1" in body and "70%" in body and "40%" in body


def test_group_view_every_store_side_by_side_linking_to_its_report(group_client, world):
    page = group_client.get("/reports/stores?start=2026-10-01&end=2026-10-31")
    assert page.status_code == 200
    body = group_client.get("/reports/stores/data", query_string=OCT, headers=HX).get_data(as_text=True)
    assert world.store.name in body and world.sibling.name in body
    assert f"/reports/?store={world.sibling.id}" in body and f"/reports/?store={world.store.id}" in body
    # drill-down: the roll-up's funnel narrowed to the sibling shows only its figures
    sibling = group_client.get("/reports/funnel", query_string={**OCT, "store": world.sibling.id}, headers=HX)
    assert '"values": [5, 1, 0, 1, 1]' in sibling.get_data(as_text=True)
    everything = group_client.get("/reports/funnel", query_string=OCT, headers=HX).get_data(as_text=True)
    assert '"values": [11, 4, 2, 3, 3]' in everything and world.sibling.name in everything
    # the roll-up is read-only: no targets are set from it
    assert group_client.post("/reports/targets", data={"month": "2026-10"}).status_code == 403


def test_csv_export_is_inert_text_and_audit_logged(manager_client, world):
    response = manager_client.post("/reports/export", data={"report": "funnel", **OCT, "by": "consultant"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "funnel-20261001-20261031.csv" in response.headers["Content-Disposition"]
    rows = _rows(response.data)
    assert rows[0] == ["销售漏斗"]
    assert rows[2][1:6] == ["6", "3", "2", "2", "2"]
    assert any(r and r[0] == "顾问甲" for r in rows)
    log = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalars().one()
    assert log.entity == "reports" and log.after["report"] == "funnel" and log.store_id == world.store.id
    for name in ("ranking", "forecast"):
        assert manager_client.post("/reports/export", data={"report": name}).status_code == 200
    assert manager_client.post("/reports/export", data={"report": "stores"}).status_code == 403  # not a group role
    assert manager_client.post("/reports/export", data={"report": "../etc"}).status_code == 400


def test_group_export_has_the_store_column(group_client, world):
    rows = _rows(group_client.post("/reports/export", data={"report": "stores", **OCT}).data)
    names = {r[1] for r in rows[2:] if len(r) > 1}
    assert {world.store.name, world.sibling.name} <= names


def test_cells_that_would_be_formulas_are_neutralised():
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [safe_cell(v) for v in ("+1", "-1", "@SUM(A1)", "\tx", "ok", None, 5)] == [
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "ok",
        "",
        "5",
    ]
    assert safe_cell("a\x00b\x1fc") == "abc"
    rows = _rows(write_csv([("t", ["h"], [["=1+1"]])]))
    assert rows == [["t"], ["h"], ["'=1+1"]]


@pytest.mark.parametrize(
    "query",
    [
        "start=abc&end=2026-13-45",
        "start=2026-10-31&end=2026-10-01",
        "start=1900-01-01&end=2999-01-01",
        "start=2026-01-01&end=2026-12-31&by=evil",
        "month=9999-99",
        "month=2026-1",
        "store=99999999999999999999999",
        "store=-1",
        "start=%00&month=%00",
    ],
)
def test_junk_query_arguments_never_fail(manager_client, group_client, query):
    for client in (manager_client, group_client):
        for path in (
            "/reports/",
            "/reports/funnel",
            "/reports/ranking/data",
            "/reports/forecast/data",
            "/reports/stores/data",
            "/reports/targets",
        ):
            status = client.get(f"{path}?{query}", headers=HX).status_code
            assert status in (200, 403), (path, query, status)
    form = dict(pair.split("=", 1) for pair in query.split("&"))
    assert manager_client.post("/reports/export", data={"report": "funnel", **form}).status_code == 200


def test_tiles_a_consultants_month_against_target_and_the_stores_month(app, world, client_as):
    from dealer_saas.timeutil import local_today, utcnow

    month = local_today("Asia/Shanghai").replace(day=1)
    db.session.add(
        SalesTarget(
            store_id=world.store.id,
            org_id=world.store.org_id,
            consultant_id=world.c1.id,
            month=month,
            units=5,
            deliveries=3,
            gross_margin=0,
        )
    )
    k = factories.CustomerFactory(store=world.store)
    from .conftest import _order

    car = factories.StockVehicleFactory(store=world.store, vehicle_model=world.models[0], cost=100000)
    _order(
        world.store,
        k,
        world.c1,
        world.models[0],
        car,
        created=utcnow(),
        status="delivered",
        list_price="130000",
        delivered=utcnow(),
    )
    _order(world.store, k, world.c2, world.models[0], None, created=utcnow(), status="approved", list_price="1")
    db.session.flush()
    consultant = login(app.test_client(), world.c1, world.store)
    body = consultant.get("/tiles/reports_my_month", headers=HX).get_data(as_text=True)
    assert "1 / 5" in body and "交车 1 / 3" in body
    assert consultant.get("/tiles/reports_store_month", headers=HX).status_code == 404  # not a tile of theirs
    manager = login(app.test_client(), world.manager, world.store)
    body = manager.get("/tiles/reports_store_month", headers=HX).get_data(as_text=True)
    assert 'data-testid="tile-value-reports_store_month"' in body and "¥30,000.00" in body


def test_tiles_work_in_the_roll_up(app, world):
    admin = factories.user_with_role("group_admin", world.store, org_wide=True)  # every permission
    client = login(app.test_client(), admin, world.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    for name in ("reports_my_month", "reports_store_month"):
        response = client.get(f"/tiles/{name}", headers=HX)
        assert response.status_code == 200, name
        assert f'data-testid="tile-value-{name}"' in response.get_data(as_text=True)


def test_a_report_page_runs_at_most_four_statements_before_its_fragment(manager_client):
    from ..conftest import count_queries

    manager_client.get("/reports/")  # warm up: the first request of a client loads more
    with count_queries() as statements:
        assert manager_client.get("/reports/").status_code == 200
    assert len(statements) <= 4, statements


def test_every_report_exports_as_xlsx_through_the_shared_writer(app, client_as, store):
    import io

    from openpyxl import load_workbook

    from dealer_saas.customers.models import Customer

    db.session.add(Customer(store_id=store.id, org_id=store.org_id, name='=HYPERLINK("x")', mobile="13900000001"))
    client, _ = client_as("store_manager")
    db.session.commit()
    response = client.post("/reports/export", data={"report": "funnel", "format": "xlsx", "by": "consultant"})
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert cells and all(cell.data_type != "f" for cell in cells)
