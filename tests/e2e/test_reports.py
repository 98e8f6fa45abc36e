"""The group manager sees every store side by side with a chart, downloads the report as
CSV, and drills down to one store's funnel; at phone and desktop widths."""

from __future__ import annotations

import re

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
        page.locator("[data-testid=report-export] button").click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert all(name in content for name in STORES)

    report.get_by_role("link", name=STORES[1]).first.click()
    page.wait_for_url(re.compile(r"/reports/\?store=\d+"))
    funnel = page.locator("[data-testid=report-funnel]")
    funnel.wait_for()
    expect(funnel.locator(".report-chart svg, .report-chart canvas").first).to_be_visible()
    expect(page.locator("#store option:checked")).to_have_text(STORES[1])
    assert horizontal_overflow(page) == 0
    assert not [e for e in page.server_errors if "/reports" in e], page.server_errors
    assert not page.js_errors, page.js_errors
