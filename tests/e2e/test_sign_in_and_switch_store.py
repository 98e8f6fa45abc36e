"""A store manager of two stores signs in, switches store in the header, uses the menu and
signs out: on a phone (375 px, off-canvas menu) and on a desktop."""

from __future__ import annotations

import re

from .conftest import ARTIFACTS, horizontal_overflow, is_phone, login, logout, menu_label, menu_link

FIRST_STORE = "广州天河大众4S店"  # GZ01
SECOND_STORE = "深圳南山奥迪4S店"  # SZ01


def test_sign_in_switch_store_navigate_and_sign_out(page):
    login(page, "gz01.manager")
    heading = page.locator("main h1")
    assert heading.inner_text() == "工作台"
    assert FIRST_STORE in page.locator("main").inner_text()

    switcher = page.locator("[data-testid=store-switcher]")
    assert switcher.is_visible()  # on a phone too: it sits in the header bar, not in the menu
    if is_phone(page):
        assert switcher.bounding_box()["y"] < page.locator("nav.navbar").bounding_box()["height"]
        assert horizontal_overflow(page) <= 0
        page.wait_for_load_state("networkidle")  # dashboard tiles loaded
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"))

    switcher.select_option(label=SECOND_STORE)
    page.locator("main", has_text=SECOND_STORE).wait_for()
    assert FIRST_STORE not in page.locator("main").inner_text()
    assert page.locator("[data-testid=store-switcher] option:checked").inner_text() == SECOND_STORE

    # The store stays switched on a full reload (it lives in the session).
    page.reload()
    assert SECOND_STORE in page.locator("main").inner_text()

    menu = page.locator("#module-nav")
    # The customer list when that module is present; the dashboard entry is always there.
    wanted = "客户" if menu.locator("a.nav-link", has_text=menu_label("客户")).count() else "工作台"
    entry = menu_link(page, wanted)  # opens the menu on a phone, the entry's section on a desktop
    label = entry.inner_text().strip()
    with page.expect_navigation() as navigation:
        entry.click()
    assert navigation.value.status < 400, f"menu entry {label}: HTTP {navigation.value.status}"
    assert page.locator("#module-nav.show").count() == 0  # the menu is closed on the new page
    assert page.locator("[data-testid=store-switcher] option:checked").inner_text() == SECOND_STORE
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, f"{label} overflows at 375 px"
    assert not page.js_errors, page.js_errors
    assert not page.server_errors, page.server_errors

    logout(page)
    assert page.locator("input[name=username]").is_visible()
    page.goto("/")
    page.wait_for_url(re.compile(r"/login"))
