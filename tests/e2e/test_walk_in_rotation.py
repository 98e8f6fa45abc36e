"""The receptionist logs a walk-in through the reception queue with rotation (顾问轮岗, issue 14
floor item 7): the walk-in form proposes the next free consultant on duty, the visit saves,
and the queue shows that consultant with the customer and passes the turn on. On a phone
(375 px) and on a desktop. The demo puts each store's consultants on duty today."""

from __future__ import annotations

import random
import re

from playwright.sync_api import expect

from .conftest import horizontal_overflow, is_phone, login


def _queue(page):
    return page.locator("#reception-queue")


def _everyone_leaves(page) -> None:
    """Mark every customer still in the store as gone, so every consultant on duty is free
    (the demo and earlier tests leave visitors in the showroom)."""
    queue = _queue(page)
    for _ in range(50):
        leave = queue.locator("[data-testid=queue-leave]")
        count = leave.count()
        if count == 0:
            return
        with page.expect_response(lambda r: "/leads/visits/queue" in r.url):
            leave.first.click()
        expect(queue.locator("[data-testid=queue-leave]")).to_have_count(count - 1)
    raise AssertionError("customers still in the store after 50 departures")


def test_receptionist_logs_a_walk_in_with_rotation(page):
    rng = random.Random()
    mobile = "137" + "".join(rng.choice("0123456789") for _ in range(8))
    name = "轮岗" + rng.choice("伟芳娜敏静丽强磊") + rng.choice("军洋勇艳杰涛")
    login(page, "gz01.reception")
    page.goto("/leads/visits/today")
    queue = _queue(page)
    expect(queue.locator("[data-testid=duty-row]").first).to_be_visible()
    on_duty = queue.locator("[data-testid=duty-row]").count()
    assert on_duty >= 2, "the demo puts the store's consultants on duty"

    # the receptionist keeps the roster as it is: the form saves through htmx and the queue stays
    queue.locator("[data-testid=roster] summary").click()
    with page.expect_response(lambda r: r.request.method == "POST" and "/leads/visits/roster" in r.url) as saved:
        queue.locator("[data-testid=roster-save]").click()
    assert saved.value.status == 200
    expect(_queue(page).locator("[data-testid=duty-row]")).to_have_count(on_duty)

    _everyone_leaves(page)
    queue = _queue(page)
    expect(queue.locator("[data-testid=duty-row][data-state=busy]")).to_have_count(0)
    proposed = queue.locator("[data-testid=queue-next-name]").inner_text().strip()
    next_row = queue.locator("[data-testid=duty-row]", has=page.locator(".badge", has_text="下一位"))
    expect(next_row).to_have_count(1)
    expect(next_row).to_contain_text(proposed)
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the reception page overflows at 375 px"

    # ＋ 登记: the form proposes the next free consultant in rotation
    page.locator("main a", has_text="登记").filter(has_text="＋").click()
    page.wait_for_url(re.compile(r"/leads/visits/new"))
    form = page.locator("#visit-form form")
    consultant = form.locator("select[name=consultant_id]")
    expect(consultant.locator("option:checked")).to_have_text(proposed)
    expect(form.locator("[data-testid=rotation-hint]")).to_contain_text(proposed)
    expect(form.locator("input[name=allow_unassigned]")).to_have_count(0)  # not the receptionist's choice
    # the source follows 到店 / 来电 (no "同类型" any more)
    source = form.locator("select[name=source]")
    expect(source).to_have_value("walk_in")
    form.locator("label[for=kind-1]").click()
    expect(source).to_have_value("phone")
    form.locator("label[for=kind-0]").click()
    expect(source).to_have_value("walk_in")
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the quick visit form overflows at 375 px"

    form.locator("input[name=mobile]").fill(mobile)
    form.locator("input[name=name]").fill(name)
    form.locator("#field-card_level label", has_text=re.compile(r"^\s*H\s*$")).click()
    with page.expect_response(lambda r: r.request.method == "POST" and "/leads/visits/new" in r.url) as posted:
        form.locator("[data-testid=visit-save]").click()
    assert posted.value.status == 200
    expect(page.locator("[data-testid=visit-saved]")).to_contain_text(name)
    # the fresh form for the next visitor proposes someone else
    after = page.locator("#visit-form select[name=consultant_id] option:checked").inner_text().strip()
    assert after != proposed

    # the queue: that consultant is with the customer now; the turn has passed on
    page.goto("/leads/visits/today")
    queue = _queue(page)
    busy = queue.locator("[data-testid=duty-row][data-state=busy]")
    expect(busy).to_have_count(1)
    expect(busy).to_contain_text(proposed)
    expect(busy).to_contain_text("接待中")
    expect(busy).to_contain_text(name)
    expect(queue.locator("[data-testid=in-store-row]", has_text=name)).to_contain_text(proposed)
    expect(queue.locator("[data-testid=queue-next-name]")).not_to_have_text(proposed)
    expect(queue.locator("[data-testid=queue-next-name]")).to_have_text(after)
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the reception page overflows at 375 px"

    assert not page.js_errors, page.js_errors
    assert not page.server_errors, page.server_errors


def test_an_h_card_without_consultant_is_refused_beside_the_field(phone_page):
    page = phone_page
    login(page, "gz01.reception")
    page.goto("/leads/visits/new")
    form = page.locator("#visit-form form")
    form.locator("input[name=mobile]").fill("136" + "".join(random.choice("0123456789") for _ in range(8)))
    form.locator("input[name=name]").fill("未分配测试")
    form.locator("select[name=consultant_id]").select_option("")
    form.locator("#field-card_level label", has_text=re.compile(r"^\s*H\s*$")).click()
    form.locator("[data-testid=visit-save]").click()
    field = page.locator("#visit-form #field-consultant_id")
    expect(field.locator(".invalid-feedback")).to_be_visible()
    expect(field.locator(".invalid-feedback")).to_contain_text("必须指定接待顾问")
    expect(field.locator("select[name=consultant_id]")).to_be_in_viewport()
    expect(page.locator("[data-testid=visit-saved]")).to_have_count(0)
    expect(page.locator("#visit-form input[name=name]")).to_have_value("未分配测试")
    assert horizontal_overflow(page) <= 0
    assert not page.js_errors, page.js_errors
    assert not page.server_errors, page.server_errors
