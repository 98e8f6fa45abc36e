"""A repair order through the workshop at phone width: the technician starts and finishes
every line of a received car with one tap each (htmx swaps the list in place), then the
advisor passes the quality check, takes the customer's payment, settles and closes the RO,
and the car's next service due shows on it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from dealer_saas.timeutil import local_today

from .. import factories
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
    customer.goto(factories.tampered(url))
    expect(customer.locator("[data-testid=link-problem]")).to_contain_text("链接无效")
    assert not customer.server_errors and not customer.js_errors


def _png() -> bytes:
    from dealer_saas.service.demo import _png as make

    return make(40, 30, (20, 120, 200))


def test_from_the_public_booking_to_the_next_service_date_on_a_phone(phone_page, another_page):
    """The whole visit at 375 px: the advisor sends the car's booking link from its service
    history, the customer books, the arrival opens the RO, the advisor photographs the car and
    adds a package and a labour line, proposes extra work that the customer approves through
    the progress link, the technician starts and finishes every line, QC, payment, settle,
    close, and the car's next-service date shows on its history page."""
    advisor = phone_page
    login(advisor, "gz01.advisor")
    advisor.goto("/service/repair-orders?status=closed")
    advisor.locator("#repair-order-rows a").first.click()
    advisor.get_by_role("link", name="车辆维修档案").click()
    expect(advisor.locator("[data-testid=vehicle-history]")).to_be_visible()
    assert horizontal_overflow(advisor) <= 0, "the vehicle's history overflows at 375 px"
    plate = advisor.locator("h2.h6").first.inner_text().split()[0]
    history_url = advisor.url
    advisor.locator("[data-testid=issue-booking-link]").click()
    booking_url = advisor.locator("[data-testid=booking-url]").input_value()
    expect(advisor.locator("[data-testid=booking-url-share]")).to_be_visible()

    customer = another_page(advisor)
    customer.goto(booking_url)
    customer.locator("select[name=slot]").select_option(index=1)
    customer.get_by_role("button", name="提交预约").click()
    booked = customer.locator("[data-testid=public-booked]")
    expect(booked).to_be_visible()
    month, day = re.search(r"(\d\d)-(\d\d) \d\d:\d\d", booked.inner_text()).groups()

    year = local_today().year + (1 if local_today().month == 12 and month == "01" else 0)
    advisor.goto(f"/service/appointments?day={year}-{month}-{day}")
    advisor.locator("#appointment-day a", has_text=plate).filter(has_text="待确认").first.click()
    advisor.locator("[data-testid=arrive]").click()
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("已接车")
    number = re.search(r"RO-\d{8}-\d{3}", advisor.locator("#repair-order").inner_text()).group(0)

    # walk-around photos, a package and a labour line for the technician
    advisor.locator("#photo-form input[type=file]").set_input_files(
        [{"name": "front.png", "mimeType": "image/png", "buffer": _png()}]
    )
    with advisor.expect_response(lambda r: r.url.endswith("/photos") and r.request.method == "POST"):
        advisor.locator("#photo-form button[type=submit]").click()
    expect(advisor.locator("[data-testid=ro-photos] img")).to_have_count(1)
    for form in ("#package-line-form", "#labour-line-form"):
        select = "package_id" if form == "#package-line-form" else "operation_id"
        advisor.locator(f"{form} select[name={select}]").select_option(index=1)
        advisor.locator(f"{form} select[name=technician_id]").select_option(index=1)
        with advisor.expect_response(lambda r: r.request.method == "POST"):
            advisor.locator(f"{form} button[type=submit]").click()
        expect(advisor.locator("#repair-order [data-busy]")).to_have_count(0)
    expect(advisor.locator("[data-testid=ro-lines] .list-group-item")).to_have_count(2)
    assert horizontal_overflow(advisor) <= 0, "the repair order overflows at 375 px"

    # extra work, approved by the customer on the progress page
    advisor.locator("#proposal-form select[name=operation_id]").select_option(index=3)
    advisor.locator("#proposal-form input[name=note]").fill("检查发现刹车片磨损")
    with advisor.expect_response(lambda r: "/proposals" in r.url):
        advisor.locator("#proposal-form button[type=submit]").click()
    expect(advisor.locator("[data-testid=proposal-status]")).to_have_text("待客户确认")
    progress_url = advisor.locator("[data-testid=progress-url]").input_value()
    assert "/service/progress/" in progress_url
    customer.goto(progress_url)
    expect(customer.locator("[data-testid=progress-status]")).to_have_text("已接车")
    assert customer.locator("#module-nav").count() == 0, "a public page never shows the staff menu"
    assert horizontal_overflow(customer) <= 0, "the progress page overflows at 375 px"
    customer.locator("[data-testid=proposal-approve]").first.click()
    expect(customer.locator("[data-testid=progress-answered]")).to_be_visible()
    advisor.reload()
    expect(advisor.locator("[data-testid=proposal-status]")).to_have_text("客户已同意")
    lines = advisor.locator("[data-testid=ro-lines] > .list-group-item")
    expect(lines).to_have_count(3)
    added = lines.filter(has_text="未派工").first
    added.locator("select[name=technician_id]").select_option(index=1)
    with advisor.expect_response(lambda r: "/assign" in r.url):
        added.get_by_role("button", name="派工").click()
    expect(advisor.locator("[data-testid=ro-lines]")).not_to_contain_text("未派工")

    # the technician on the phone: start and finish every line of the car
    tech = another_page(advisor)
    login(tech, "gz01.tech")
    tech.goto("/service/my-work")

    def next_button():
        card = tech.locator("[data-testid^=my-line-]", has_text=number)
        return card.locator("[data-testid=work-start], [data-testid=work-finish]").first

    taps = 0
    while next_button().count() and taps < 8:
        with tech.expect_response(lambda r: "/work" in r.url and r.request.method == "POST"):
            next_button().click()
        taps += 1
        expect(tech.locator("#my-lines [data-busy]")).to_have_count(0)
    assert taps == 6  # start and finish, three lines
    assert horizontal_overflow(tech) <= 0, "my jobs overflow at 375 px"

    advisor.reload()
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("质检中")
    while advisor.locator("[data-testid=qc-pass]").count():
        with advisor.expect_response(lambda r: "/qc" in r.url):
            advisor.locator("[data-testid=qc-pass]").first.click()
        expect(advisor.locator("#repair-order [data-busy]")).to_have_count(0)
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("待交车")
    expect(advisor.locator("[data-lazy-panel]")).to_have_count(0)  # the panels loaded on their own
    while (
        advisor.locator("#payment-form").count() and advisor.locator("#payment-form input[name=amount]").input_value()
    ):
        with advisor.expect_response(lambda r: "/payments" in r.url):
            advisor.locator("#payment-form button[type=submit]").click()
        expect(advisor.locator("#repair-order [data-busy]")).to_have_count(0)
        expect(advisor.locator("[data-lazy-panel]")).to_have_count(0)
    advisor.locator("[data-testid=ro-actions] button", has_text="结算").click()
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("已结算")
    advisor.locator("[data-testid=ro-actions] button", has_text="关闭工单").click()
    expect(advisor.locator("[data-testid=ro-status]")).to_have_text("已关闭")
    due = advisor.locator("[data-testid=next-due]").inner_text().split(" / ")[0].strip()
    advisor.goto(history_url)
    expect(advisor.locator("[data-testid=vehicle-next-due]")).to_contain_text(due)
    expect(advisor.locator("[data-testid=vehicle-history]")).to_contain_text(number)
    for page in (advisor, customer, tech):
        assert not page.server_errors and not page.js_errors
