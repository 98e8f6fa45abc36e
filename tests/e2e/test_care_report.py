"""The store manager (the care supervisor: ``care.supervise``) opens the care and marketing
report: every section's figures and chart, a narrower period changes them, the Excel
download carries them; at phone and desktop widths."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from playwright.sync_api import expect

from .conftest import horizontal_overflow, login, menu_link

SECTIONS = ("callbacks", "satisfaction", "complaints", "campaigns")


def _loaded(page) -> None:
    for name in SECTIONS:
        block = page.locator(f"[data-testid=section-{name}]")
        expect(block.locator("table").first).to_be_visible()


def test_store_manager_reads_the_care_report_filters_and_downloads_it(page):
    login(page, "gz01.manager")
    menu_link(page, "关怀与市场报表").click()
    page.wait_for_url("**/reports/care*")
    _loaded(page)
    callbacks = page.locator("[data-testid=section-callbacks] table").first
    # the demo's year of call-backs: a total line with the tasks due and the completion rate
    expect(callbacks).to_contain_text("合计")
    expect(callbacks).to_contain_text("%")
    chart = page.locator(
        "[data-testid=section-callbacks] .report-chart svg, [data-testid=section-callbacks] .report-chart canvas"
    )
    expect(chart.first).to_be_visible()
    year = callbacks.inner_text()
    assert horizontal_overflow(page) == 0

    # one past month only: the figures change (the filters are the page's query)
    start = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    end = start.replace(day=28)
    page.fill("#start", start.isoformat())
    page.fill("#end", end.isoformat())
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(f"**start={start.isoformat()}**")
    _loaded(page)
    month = page.locator("[data-testid=section-callbacks] table").first
    expect(month).not_to_have_text(year)
    assert horizontal_overflow(page) == 0

    with page.expect_download() as download:
        page.locator("[data-testid=export-xlsx]").click()
    assert download.value.suggested_filename.startswith("care-")
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as workbook:
        sheet = load_workbook(io.BytesIO(workbook.read())).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "按回访规则" in cells and "按投诉类别" in cells
    # the month's figures, not the year's: the call-backs' total line as the page shows it
    total = [c.strip() for c in month.locator("tbody tr").last.locator("td, th").all_inner_texts()]
    lines = [[str(c.value) for c in row if c.value is not None] for row in sheet.iter_rows()]
    assert [c for c in total if c] in lines, total
    assert not page.server_errors, page.server_errors
    assert not page.js_errors, page.js_errors
