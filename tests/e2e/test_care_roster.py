"""A care supervisor keeps the care agents' duty roster on a phone (375 px): who is on duty
the next days, an agent's week changed with a tap per day, an extra day added and taken
back, every change swapped in place (htmx)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import horizontal_overflow, login

STORE_ZONE = ZoneInfo("Asia/Shanghai")


def test_a_supervisor_keeps_the_care_duty_roster_at_phone_width(phone_page):
    page = phone_page
    login(page, "gz01.manager")
    page.goto("/care/roster")
    roster = page.locator("#care-roster")
    expect(roster.locator("[data-testid=duty-day]")).to_have_count(7)
    expect(roster.locator("[data-testid=exception-row]", has_text="年假")).to_be_visible()  # the demo's leave
    assert horizontal_overflow(page) <= 0, "the roster overflows at 375 px"

    week = roster.locator("[data-testid=week-form]").first
    sunday = week.locator("label", has_text="周日")
    sunday.click()  # the demo's agents work Monday to Saturday: Sunday on
    with page.expect_response(lambda r: "/care/roster/week/" in r.url and r.request.method == "POST"):
        week.locator("[data-testid=week-save]").click()
    expect(page.locator("[data-testid=roster-saved]")).to_be_visible()
    expect(page.locator("[data-testid=week-form]").first.locator("input[value='6']")).to_be_checked()

    today = dt.datetime.now(STORE_ZONE).date()
    day = today + dt.timedelta(days=3)
    form = page.locator("[data-testid=exception-form]")
    form.locator("select[name=user_id]").select_option(index=1)
    form.locator("input[name=day]").fill(day.isoformat())
    form.locator("select[name=kind]").select_option("off")
    form.locator("input[name=note]").fill("调休")
    with page.expect_response(lambda r: r.url.endswith("/care/roster/exceptions")):
        form.locator("[data-testid=exception-save]").click()
    row = page.locator("[data-testid=exception-row]", has_text="调休")
    expect(row).to_be_visible()
    with page.expect_response(lambda r: "/remove" in r.url):
        row.locator("[data-testid=exception-remove]").click()
    expect(page.locator("[data-testid=exception-row]", has_text="调休")).to_have_count(0)
    assert horizontal_overflow(page) <= 0
    assert not page.server_errors and not page.js_errors
