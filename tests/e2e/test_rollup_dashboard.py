"""A group manager signs in and lands on the roll-up of every store: every dashboard tile
loads (none answers an error), the list of customers names each row's store, and no write
control is offered. On a phone (375 px) and on a desktop."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS, horizontal_overflow, is_phone, login, menu_link


def test_group_manager_works_in_the_roll_up(page):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if "/tiles/" in r.url and r.status >= 400 else None)
    login(page, "hn.manager")
    expect(page.locator("main h1")).to_have_text("工作台")
    expect(page.locator("main")).to_contain_text("全部门店汇总")  # the roll-up is where a group role starts
    expect(page.locator("[data-testid=store-switcher] option:checked")).to_have_text(re.compile("全部门店"))
    page.wait_for_load_state("networkidle")
    tiles = page.locator("#tiles .tile")
    assert tiles.count() > 0
    for index in range(tiles.count()):
        expect(tiles.nth(index).locator("[data-testid^=tile-value-]")).to_be_visible()
    assert failed == [], f"tiles answering errors in the roll-up: {failed}"
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the roll-up dashboard overflows at 375 px"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"rollup-dashboard-{'phone' if is_phone(page) else 'desktop'}.png"))

    menu_link(page, "客户").click()
    page.wait_for_url(re.compile(r"/customers/"))
    expect(page.locator("[data-testid=row-store]").first).to_be_visible()
    assert page.locator("a[href$='/customers/new']").count() == 0
    assert page.locator("input[name=customer_ids]").count() == 0
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the roll-up customer list overflows at 375 px"
