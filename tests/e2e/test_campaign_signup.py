"""A campaign at phone width: the marketing clerk opens a published campaign and copies its
sign-up link; a customer signs up through it (no login, no staff menu); on the day the clerk
finds the sign-up by the mobile's last digits and checks them in with one tap."""

from __future__ import annotations

from playwright.sync_api import expect

from .. import factories
from .conftest import horizontal_overflow, login


def test_a_customer_signs_up_through_the_link_and_is_checked_in(phone_page, another_page):
    clerk = phone_page
    login(clerk, "gz01.marketing")
    clerk.goto("/marketing/campaigns?status=published")
    expect(clerk.locator("[data-testid=campaign-row]").first).to_be_visible()
    assert horizontal_overflow(clerk) <= 0, "the campaign list overflows at 375 px"
    clerk.locator("[data-testid=campaign-row]").first.click()
    expect(clerk.locator("[data-testid=campaign-results]")).to_be_visible()
    assert horizontal_overflow(clerk) <= 0, "the campaign page overflows at 375 px"
    url = clerk.locator("[data-testid=signup-url]").input_value()
    assert "/marketing/join/" in url
    signups_before = int(clerk.locator("[data-testid=result-signups]").inner_text())

    customer = another_page(clerk)  # a fresh browser context: nobody signed in
    customer.goto(url)
    expect(customer.locator("#public-signup-form")).to_be_visible()
    assert customer.locator("#module-nav").count() == 0, "a public page never shows the staff menu"
    assert horizontal_overflow(customer) <= 0, "the sign-up page overflows at 375 px"
    customer.fill("input[name=name]", "浏览器测试客户")
    customer.fill("input[name=mobile]", "13987654321")
    customer.fill("input[name=party_size]", "2")
    customer.locator("[data-testid=public-signup-submit]").click()
    expect(customer.locator("[data-testid=public-signed-up]")).to_contain_text("报名成功")
    customer.goto(factories.tampered(url))
    expect(customer.locator("[data-testid=link-problem]")).to_contain_text("链接无效")
    assert not customer.server_errors and not customer.js_errors

    clerk.reload()
    expect(clerk.locator("[data-testid=result-signups]")).to_have_text(str(signups_before + 1))
    clerk.get_by_role("link", name="报名与签到").click()
    clerk.locator("[data-testid=signup-search]").fill("4321")
    row = clerk.locator("[data-testid=signup-row]", has_text="浏览器测试客户")
    expect(row).to_have_count(1)
    assert horizontal_overflow(clerk) <= 0, "the check-in list overflows at 375 px"
    with clerk.expect_response(lambda r: "/check-in" in r.url and r.request.method == "POST"):
        row.locator("[data-testid=check-in]").click()
    expect(
        clerk.locator("[data-testid=signup-row]", has_text="浏览器测试客户").locator("[data-testid=checked-in]")
    ).to_be_visible()
    assert not clerk.server_errors and not clerk.js_errors
