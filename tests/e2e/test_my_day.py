"""A consultant works through "我的今天": opens the inline contact form on the first due card,
logs a phone call (and a new level) with one tap on save, and the row updates in place
(htmx); the contact is on the card's page. On a phone (375 px) and on a desktop."""

from __future__ import annotations

import random
import re

from playwright.sync_api import expect

from .conftest import ARTIFACTS, horizontal_overflow, is_phone, login, open_menu

LEVELS = "HABC"


def _count(page, testid: str) -> int:
    return int(re.sub(r"\D", "", page.locator(f"[data-testid={testid}]").inner_text()))


def test_log_a_contact_from_my_day(page):
    login(page, "gz01.sales1")
    open_menu(page)
    page.locator("#module-nav a.nav-link", has_text="我的今天").first.click()
    page.wait_for_url(re.compile(r"/leads/my-day"))

    cards = page.locator("#my-day-list [data-testid=my-day-card]")
    expect(cards.first).to_be_visible()  # the demo seeder gives the first consultant due cards
    overdue, due_today = _count(page, "count-overdue"), _count(page, "count-due-today")
    assert overdue + due_today == cards.count() > 0
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "my day overflows at 375 px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "my-day-phone.png"), full_page=True)

    row = cards.first
    row_id = row.get_attribute("id")
    card_id = row_id.removeprefix("my-day-card-")
    customer = row.locator("a.fw-semibold").inner_text().strip()
    was_overdue = "overdue" in (row.get_attribute("class") or "").split()
    level = row.locator(".badge[class*=level-]").inner_text().strip()
    new_level = LEVELS[(LEVELS.index(level) + 1) % len(LEVELS)]
    content = f"电话回访{random.randint(1000, 9999)}，客户周末带家人来试驾"

    row.get_by_role("button", name="记录跟进").click()
    contact_form = page.locator(f"#contact-{card_id}.show form")
    expect(contact_form).to_be_visible()
    contact_form.locator("label", has_text="电话").click()
    contact_form.get_by_label("跟进内容").fill(content)  # the label points at this card's textarea
    contact_form.locator(f"#field-level-{card_id} label", has_text=re.compile(rf"^\s*{new_level}\s*$")).click()
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the open contact form overflows at 375 px"
        page.screenshot(path=str(ARTIFACTS / "my-day-contact-form-phone.png"), full_page=True)
    # while the save is out, the progress bar runs and the save button is disabled (no double save)
    page.evaluate(
        """() => document.body.addEventListener("htmx:beforeSend", (e) => {
            const button = e.detail.elt.querySelector("button[data-busy]");
            window.__whileSaving = [document.body.classList.contains("is-loading"), !!(button && button.disabled)];
        }, {once: true})"""
    )
    with page.expect_response(lambda r: r.request.method == "POST" and f"/cards/{card_id}/contacts" in r.url) as posted:
        contact_form.get_by_role("button", name="记录跟进").click()  # the one tap on save
    assert posted.value.status == 200
    assert page.evaluate("window.__whileSaving") == [True, True]
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bis-loading\b"))
    assert "cardContacted" in (posted.value.headers.get("hx-trigger") or "")

    # the same row, swapped in place: done, with the new level and the last contact
    updated = page.locator(f"#{row_id}")
    expect(updated).to_contain_text("已跟进")
    expect(updated).to_contain_text(content[:10])
    expect(updated.locator(".badge[class*=level-]")).to_have_text(new_level)
    expect(updated.locator(f"#contact-{card_id}")).not_to_have_class(re.compile(r"\bshow\b"))
    assert page.url.endswith("/leads/my-day")  # no navigation: htmx swapped the row
    # the badges re-fetch on cardContacted: one fewer due
    counts = page.locator("#my-day-counts")
    if was_overdue:
        expect(counts.locator("[data-testid=count-overdue]")).to_have_text(f"逾期 {overdue - 1}")
    else:
        expect(counts.locator("[data-testid=count-due-today]")).to_have_text(f"今日 {due_today - 1}")
    if is_phone(page):
        assert horizontal_overflow(page) <= 0

    # the contact is on the card's page, newest first, with the level change
    updated.locator("a.fw-semibold").click()
    page.wait_for_url(re.compile(rf"/leads/cards/{card_id}$"))
    expect(page.locator("#card-detail h1")).to_contain_text(customer)
    newest = page.locator("#card-contacts li").first
    expect(newest).to_contain_text(content)
    expect(newest).to_contain_text("电话")
    expect(newest).to_contain_text(f"{level} → {new_level}")

    # back on my day (a full load), the contacted card has left the due list
    page.goto("/leads/my-day")
    expect(page.locator(f"#{row_id}")).to_have_count(0)
    assert _count(page, "count-overdue") + _count(page, "count-due-today") == overdue + due_today - 1

    assert not page.js_errors, page.js_errors
    assert not page.server_errors, page.server_errors
