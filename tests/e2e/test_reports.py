"""The group manager sees every store side by side with a chart, downloads the report as
CSV, and drills down to one store's funnel; at phone and desktop widths."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import horizontal_overflow, is_phone, login

STORES = ("广州天河大众4S店", "深圳南山奥迪4S店", "佛山禅城丰田4S店")


def test_group_manager_compares_stores_and_drills_down(page):
    login(page, "hn.manager")  # a group role starts on the roll-up of its stores
    page.goto("/reports/stores")
    report = page.locator("[data-testid=report-stores]")
    report.wait_for()
    # ECharts drew the bars: SVG on a phone, canvas on a desktop
    drawn = report.locator(".report-chart " + ("svg" if is_phone(page) else "canvas")).first
    expect(drawn).to_be_visible()
    expect(report.locator("table tbody tr")).to_have_count(len(STORES))
    for name in STORES:
        expect(report.locator("table")).to_contain_text(name)
    assert horizontal_overflow(page) == 0

    with page.expect_download() as download:
        page.get_by_role("button", name="导出 CSV").click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert all(name in content for name in STORES)
    with page.expect_download() as download:  # the same report as an Excel workbook
        page.locator("[data-testid=export-xlsx]").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as workbook:  # the download's file has no extension
        sheet = load_workbook(io.BytesIO(workbook.read())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(any(name in cell for cell in cells) for name in STORES)

    report.get_by_role("link", name=STORES[1]).first.click()
    page.wait_for_url(re.compile(r"/reports/\?store=\d+"))
    funnel = page.locator("[data-testid=report-funnel]")
    funnel.wait_for()
    expect(funnel.locator(".report-chart svg, .report-chart canvas").first).to_be_visible()
    expect(page.locator("#store option:checked")).to_have_text(STORES[1])
    assert horizontal_overflow(page) == 0
    assert not [e for e in page.server_errors if "/reports" in e], page.server_errors
    assert not page.js_errors, page.js_errors
