"""The sectioned reports (customers, stock, after-sales) as screens: every section opens as a
fragment and a page within the statement budget, per store and in the roll-up, with a chart
and its table; the export of a whole report needs reports.export and is audit-logged."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from dealer_saas import demo
from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.reports.sections import REPORTS, SECTIONS

from .. import factories
from ..conftest import count_queries, login
from ..core.test_isolation_sweep import _victim_staff

HX = {"HX-Request": "true"}
ALL_SECTIONS = [(r, s.name) for r in REPORTS for s in SECTIONS[r]]


@pytest.fixture
def seeded(store):
    staff = _victim_staff(store)
    demo.seed_store(staff, random.Random(5))
    return staff


def _client(app, store, role: str, rollup: bool = False):
    user = factories.user_with_role(role, store, org_wide=rollup)
    db.session.commit()
    client = login(app.test_client(), user, store)
    if rollup:
        with client.session_transaction() as session:
            session["store_id"] = "all"
    return client


@pytest.mark.parametrize("rollup", [False, True], ids=["store", "rollup"])
def test_every_section_answers_with_a_chart_and_a_table_within_four_statements(app, store, seeded, rollup):
    factories.StoreFactory(organisation=store.organisation)
    client = _client(app, store, "group_manager" if rollup else "store_manager", rollup)
    for report, name in ALL_SECTIONS:
        url = f"/reports/{report}/{name}"
        client.get(url, headers=HX)
        with count_queries() as statements:
            response = client.get(url, headers=HX)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        assert "data-chart=" in body and "<table" in body, url
        assert len(statements) <= 4, (url, len(statements))
        assert "<html" in client.get(url).get_data(as_text=True)
    for report in REPORTS:
        page = client.get(f"/reports/{report}").get_data(as_text=True)
        for spec in SECTIONS[report]:  # each section loads its own fragment after the page paints
            assert f'data-testid="section-{spec.name}"' in page and f'hx-get="/reports/{report}/{spec.name}?' in page
        assert "echarts-6.1.0/echarts.min.js" in page and "<script>" not in page


def test_a_consultant_may_not_open_them_and_export_needs_the_export_permission(app, store, seeded):
    consultant = _client(app, store, "sales_consultant")
    assert consultant.get("/reports/customers").status_code == 403
    assert consultant.get("/reports/stock/ageing", headers=HX).status_code == 403
    assert consultant.post("/reports/export/sections", data={"report": "stock"}).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_of_a_whole_report_is_audit_logged(app, store, seeded, fmt):
    client = _client(app, store, "store_manager")
    response = client.post("/reports/export/sections", data={"report": "aftersales", "format": fmt})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(f".{fmt}")
    if fmt == "csv":
        text = response.get_data().decode("utf-8-sig")
        assert "工单与产值" in text and "技师工时" in text and "维修时长与30天返修" in text
    else:
        assert response.get_data()[:2] == b"PK"
    row = db.session.execute(select(AuditLog).where(AuditLog.action == "export")).scalars().all()[-1]
    assert row.after["report"] == "aftersales" and row.after["rows"] > 0
    assert client.post("/reports/export/sections", data={"report": "nope"}).status_code == 400


def test_the_group_roll_up_may_export_and_shows_a_store_column(app, store, seeded):
    factories.StoreFactory(organisation=store.organisation, name="第二家店")
    client = _client(app, store, "group_manager", rollup=True)
    response = client.post("/reports/export/sections", data={"report": "customers", "format": "csv"})
    assert response.status_code == 200
    body = response.get_data().decode("utf-8-sig")
    assert "门店" in body and store.name in body


ROLE_TILES = {
    "sales_consultant": ("reports_my_month", "reports_my_deliveries_today", "leads.my_cards_due"),
    "receptionist": ("reports_on_duty", "leads.visits_today"),
    "service_advisor": ("service_appointments_today", "service_ros_by_state"),
    "technician": ("reports_my_lines",),
    "store_manager": ("reports_store_trend", "reports_store_month"),
}


@pytest.mark.parametrize("role", sorted(ROLE_TILES))
def test_each_role_sees_its_tiles_which_load_as_fragments(app, store, seeded, role):
    client = _client(app, store, role)
    page = client.get("/").get_data(as_text=True)
    for name in ROLE_TILES[role]:
        assert f'id="tile-{name}"' in page, (role, name)
        with count_queries() as statements:
            response = client.get(f"/tiles/{name}", headers=HX)
        assert response.status_code == 200
        assert len(statements) <= 4, (name, len(statements))
    assert 'id="tile-reports_group_stores"' not in page


def test_the_group_manager_sees_every_store_side_by_side_with_a_drill_down(app, store, seeded):
    other = factories.StoreFactory(organisation=store.organisation, name="第二家店")
    client = _client(app, store, "group_manager", rollup=True)
    page = client.get("/").get_data(as_text=True)
    assert 'id="tile-reports_group_stores"' in page and "echarts-6.1.0/echarts.min.js" in page
    with count_queries() as statements:
        body = client.get("/tiles/reports_group_stores", headers=HX).get_data(as_text=True)
    assert len(statements) <= 4
    assert store.name in body and "第二家店" in body and "data-chart=" in body
    assert f"/reports/?store={store.id}" in body and f"/reports/?store={other.id}" in body
