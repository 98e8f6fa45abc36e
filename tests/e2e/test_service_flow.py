"""A repair order through the workshop at phone width: the technician starts and finishes
every line of a received car with one tap each (htmx swaps the list in place), then the
advisor passes the quality check, takes the customer's payment, settles and closes the RO,
and the car's next service due shows on it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import horizontal_overflow, login


def test_technician_and_advisor_take_a_car_through_the_workshop(phone_page, another_page):
    tech = phone_page
    login(tech, "gz01.tech")
    tech.goto("/service/my-work")
    first_todo = tech.locator("[data-testid^=my-line-]", has=tech.locator("[data-testid=work-start]")).filter(
        has_text="待开工"
    )
    expect(first_todo.first).to_be_visible()
    assert horizontal_overflow(tech) <= 0, "my jobs overflow at 375 px"
    number = re.search(r"RO-\d{8}-\d{3}", first_todo.first.inner_text()).group(0)

    def next_button():
        card = tech.locator("[data-testid^=my-line-]", has_text=number)
        return card.locator("[data-testid=work-start], [data-testid=work-finish]").first

    taps = 0
    while next_button().count() and taps < 6:
        with tech.expect_response(lambda r: "/work" in r.url and r.request.method == "POST"):
            next_button().click()
        taps += 1
        # the list is swapped in place (htmx); wait until no control is busy any more
        expect(tech.locator("#my-lines [data-busy]")).to_have_count(0)
    assert taps >= 2  # start and finish, for every line of the car
    cards = tech.locator("[data-testid^=my-line-]", has_text=number)
    for n in range(cards.count()):
        expect(cards.nth(n).locator("[data-testid=line-status]")).to_have_text("待质检")
    assert not tech.server_errors and not tech.js_errors

    advisor = another_page(tech)
    login(advisor, "gz01.advisor")
    advisor.goto("/service/repair-orders?status=quality_check")
    advisor.locator("#repair-order-rows a", has_text=number).click()
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("质检中")
    assert horizontal_overflow(advisor) <= 0, "the repair order overflows at 375 px"
    while advisor.locator("[data-testid=qc-pass]").count():
        with advisor.expect_response(lambda r: "/qc" in r.url):
            advisor.locator("[data-testid=qc-pass]").first.click()
        expect(advisor.locator("#repair-order [data-busy]")).to_have_count(0)
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("待交车")
    with advisor.expect_response(lambda r: "/payments" in r.url):
        advisor.locator("#payment-form button[type=submit]").click()
    expect(advisor.locator("#repair-order [data-busy]")).to_have_count(0)
    advisor.locator("[data-testid=ro-actions] button", has_text="结算").click()
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("已结算")
    advisor.locator("[data-testid=ro-actions] button", has_text="关闭工单").click()
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("已关闭")
    expect(advisor.locator("[data-testid=next-due]")).to_contain_text("km")
    advisor.goto(advisor.url.split("?")[0] + "/statement")
    expect(advisor.locator("[data-testid=statement-totals]")).to_be_visible()
    assert horizontal_overflow(advisor) <= 0, "the statement overflows at 375 px"
    assert not advisor.server_errors and not advisor.js_errors


def test_a_customer_books_through_the_public_link_on_a_phone(phone_page, another_page):
    advisor = phone_page
    login(advisor, "gz01.advisor")
    advisor.goto("/service/repair-orders")
    advisor.locator("#repair-order-rows a").first.click()
    advisor.get_by_role("link", name="预约链接").first.click()
    url = advisor.locator("[data-testid=booking-url]").input_value()
    assert "/service/book/" in url

    customer = another_page(advisor)  # a fresh browser context: nobody signed in
    customer.goto(url)
    expect(customer.locator("#public-booking-form")).to_be_visible()
    assert customer.locator("#module-nav").count() == 0, "a public page never shows the staff menu"
    assert horizontal_overflow(customer) <= 0, "the booking page overflows at 375 px"
    customer.locator("select[name=slot]").select_option(index=1)
    customer.get_by_role("button", name="提交预约").click()
    expect(customer.locator("[data-testid=public-booked]")).to_be_visible()
    customer.goto(url[:-4] + "xxxx")
    expect(customer.locator("[data-testid=link-problem]")).to_contain_text("链接无效")
    assert not customer.server_errors and not customer.js_errors
