"""The group manager's dashboard shows every store side by side (a table and a chart) with a
drill-down to one store; the customers report draws a chart per section and downloads as an
XLSX workbook. Screenshots at 375 and 1280 px, saved in the test's tmp dir."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import horizontal_overflow, is_phone, login

STORES = ("广州天河大众4S店", "深圳南山奥迪4S店", "佛山禅城丰田4S店")


def test_group_manager_dashboard_side_by_side_and_customers_report_xlsx(page, tmp_path):
    width = 375 if is_phone(page) else 1280
    if not is_phone(page):
        page.set_viewport_size({"width": 1280, "height": 900})
    login(page, "hn.manager")
    page.goto("/")
    tile = page.locator("#tile-reports_group_stores")
    table = tile.locator("[data-testid=tile-table-reports_group_stores]")
    table.wait_for()
    expect(table.locator("tbody tr")).to_have_count(len(STORES))
    for name in STORES:
        expect(table).to_contain_text(name)
    expect(tile.locator(".report-chart " + ("svg" if is_phone(page) else "canvas")).first).to_be_visible()
    assert horizontal_overflow(page) == 0
    page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)

    table.get_by_role("link", name=STORES[2]).click()  # drill down to one store's reports
    page.wait_for_url(re.compile(r"/reports/\?store=\d+"))
    expect(page.locator("#store option:checked")).to_have_text(STORES[2])

    page.goto("/reports/customers")
    for section in ("growth", "segments", "completeness"):
        block = page.locator(f"[data-testid=section-{section}]")
        expect(block.locator(".report-chart svg, .report-chart canvas").first).to_be_visible()
        expect(block.locator("table").first).to_be_visible()
    expect(page.locator("[data-testid=section-growth] table").first).to_contain_text(STORES[0])
    assert horizontal_overflow(page) == 0
    page.screenshot(path=str(tmp_path / f"customers-{width}.png"), full_page=True)
    assert (tmp_path / f"customers-{width}.png").stat().st_size > 10_000

    with page.expect_download() as download:
        page.locator("[data-testid=export-xlsx]").click()
    assert download.value.suggested_filename.startswith("customers-")
    with open(download.value.path(), "rb") as workbook:
        sheet = load_workbook(io.BytesIO(workbook.read())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "每月新增客户" in cells and "资料完整度" in cells
    assert all(any(name in cell for cell in cells) for name in STORES)
    assert not page.server_errors, page.server_errors
    assert not page.js_errors, page.js_errors
