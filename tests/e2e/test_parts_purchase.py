"""A purchase order at phone width: the parts clerk opens the low stock list, turns the
suggested order into draft orders, sends one and receives it (the received quantities are
filled in), and the part's stock shows the receipt."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import horizontal_overflow, login


def test_a_po_is_suggested_sent_and_received_on_the_phone(phone_page):
    page = phone_page
    login(page, "gz01.parts")
    page.goto("/parts/low-stock")
    expect(page.locator("[data-testid=low-rows] a").first).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the low stock list overflows at 375 px"
    page.locator("[data-testid=tab-over]").click()
    expect(page.locator("[data-testid=over-rows]")).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the stock alert tabs overflow at 375 px"
    page.locator("a", has_text="采购建议").first.click()
    expect(page.locator("[data-testid=suggestion-group]").first).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the suggested order overflows at 375 px"
    page.locator("[data-testid=create-suggested]").click()
    page.wait_for_url("**/parts/purchase-orders**")
    if page.locator("[data-testid=po-rows]").count():  # several suppliers: the list of new drafts
        page.locator("[data-testid=po-rows] a").first.click()
    expect(page.locator("[data-testid=po-status]")).to_have_text("草稿")
    assert horizontal_overflow(page) <= 0, "the purchase order overflows at 375 px"
    code = page.locator("[data-testid=po-lines] .font-monospace").first.inner_text()
    with page.expect_response(lambda r: "/action" in r.url and r.request.method == "POST"):
        page.locator("[data-testid=po-send]").click()
    expect(page.locator("[data-testid=po-status]")).to_have_text("已发送")
    expect(page.locator(".receive-qty").first).to_be_visible()
    with page.expect_response(lambda r: "/receive" in r.url and r.request.method == "POST"):
        page.locator("[data-testid=receive]").click()
    expect(page.locator("[data-testid=po-status]")).to_have_text("已到货")
    page.goto(f"/parts/?q={code}")
    page.locator("[data-testid=stock-rows] a").first.click()
    expect(page.locator("[data-testid=movements]")).to_contain_text("采购入库")
    assert horizontal_overflow(page) <= 0, "the part's page overflows at 375 px"
    assert not page.server_errors and not page.js_errors
