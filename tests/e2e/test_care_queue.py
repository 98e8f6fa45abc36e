"""A care agent works the call-back queue on a phone (375 px): today's calls as phone-first
cards, one tap per outcome swapped in place (htmx), "no answer" moving the call to the
next day, "call again" at a time, and the overdue ones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import horizontal_overflow, login

STORE_ZONE = ZoneInfo("Asia/Shanghai")


def test_a_care_agent_works_the_call_back_queue_at_phone_width(phone_page):
    page = phone_page
    login(page, "gz01.care")
    page.goto("/care/")
    cards = page.locator("#care-queue [data-testid=care-task]")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 3
    assert horizontal_overflow(page) <= 0, "the queue overflows at 375 px"
    # the agent's own calls show the number to dial
    expect(cards.first.locator("[data-testid=care-phone] a[href^='tel:']")).to_be_visible()

    first_id = cards.nth(0).get_attribute("id")
    with page.expect_response(lambda r: "/outcome" in r.url and r.request.method == "POST"):
        cards.nth(0).locator("[data-testid=outcome-reached]").click()
    done = page.locator(f"#{first_id}")
    expect(done.locator(".badge", has_text="已完成")).to_be_visible()
    expect(done.locator("[data-testid=outcome-reached]")).to_have_count(0)

    second_id = cards.nth(1).get_attribute("id")
    with page.expect_response(lambda r: "/outcome" in r.url):
        cards.nth(1).locator("[data-testid=outcome-no_answer]").click()
    retry = page.locator(f"#{second_id}")
    expect(retry).to_contain_text("已拨 1 次")
    tomorrow = (dt.datetime.now(STORE_ZONE).date() + dt.timedelta(days=1)).isoformat()
    expect(retry).to_contain_text(tomorrow)

    third = cards.nth(2)
    third_id = third.get_attribute("id")
    later = (dt.datetime.now(STORE_ZONE) + dt.timedelta(days=2)).replace(hour=15, minute=30)
    third.locator("input[name=call_at]").fill(later.strftime("%Y-%m-%dT%H:%M"))
    third.locator("input[name=note]").fill("客户在开会")
    with page.expect_response(lambda r: "/outcome" in r.url):
        third.locator("[data-testid=outcome-call_again]").click()
    again = page.locator(f"#{third_id}")
    expect(again).to_contain_text(later.date().isoformat())
    expect(again).to_contain_text("客户在开会")

    page.goto("/care/?view=overdue")
    expect(page.locator("#care-queue [data-testid=care-task]").first).to_be_visible()
    assert horizontal_overflow(page) <= 0
    assert not page.server_errors and not page.js_errors
