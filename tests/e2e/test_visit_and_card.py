"""The receptionist logs a walk-in for a new customer on the one-screen quick form and opens an
H-level card with it: on a phone (375 px) and on a desktop. Bad input keeps what was typed."""

from __future__ import annotations

import datetime as dt
import random
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from .conftest import ARTIFACTS, horizontal_overflow, is_phone, login, open_menu

#: the most taps / key entries a walk-in with a new customer and an H card may take (issue #3)
MAX_INTERACTIONS = 6
STORE_TZ = ZoneInfo("Asia/Shanghai")  # GZ01's time zone: "tomorrow" is the store's tomorrow
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"


def _unique_mobile(rng: random.Random) -> str:
    return "139" + "".join(rng.choice("0123456789") for _ in range(8))


def _chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _open_quick_form(page) -> None:
    """Menu -> 来店登记 (today's board) -> ＋ 登记."""
    open_menu(page)
    page.locator("#module-nav a.nav-link", has_text="来店登记").first.click()
    page.wait_for_url(re.compile(r"/leads/visits/today"))
    page.locator("main a", has_text="登记").filter(has_text="＋").click()
    page.wait_for_url(re.compile(r"/leads/visits/new"))
    expect(page.locator("#visit-form form")).to_be_visible()


class Taps:
    """Counts what the user does on the form: each tap/click and each field typed into."""

    def __init__(self, page) -> None:
        self.page, self.count, self.log = page, 0, []

    def tap(self, locator, what: str) -> None:
        locator.click()
        self.count += 1
        self.log.append(f"tap {what}")

    def type(self, locator, text: str, what: str) -> None:
        # one key entry: focus the field and type (a tap on a phone, then the keyboard)
        locator.click()
        locator.press_sequentially(text)
        self.count += 1
        self.log.append(f"type {what}")


def test_walk_in_new_customer_with_h_card(page):
    rng = random.Random()
    mobile, name = _unique_mobile(rng), _chinese_name(rng)
    login(page, "gz01.reception")
    _open_quick_form(page)
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the quick visit form overflows at 375 px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "visit-form-phone.png"), full_page=True)

    form = page.locator("#visit-form form")
    assert form.locator("input[name=kind][value=walk_in]").is_checked()  # 到店 is the default
    mobile_input = form.locator("input[name=mobile]")
    assert mobile_input.get_attribute("type") == "tel"
    taps = Taps(page)
    taps.type(mobile_input, mobile, "mobile")
    taps.type(form.locator("input[name=name]"), name, "name")
    chip = form.locator("#field-model_id label.btn").first
    model = chip.inner_text().strip()
    series = model.split()[0]  # "帕萨特 330TSI 精英版" when a series has several trims; the visit keeps the series
    taps.tap(chip, f"model {model}")
    taps.tap(form.locator("#field-card_level label", has_text=re.compile(r"^\s*H\s*$")), "level H")
    with page.expect_response(lambda r: r.request.method == "POST" and "/leads/visits/new" in r.url) as posted:
        taps.tap(form.locator("[data-testid=visit-save]"), "save")
    assert posted.value.status == 200
    print(f"\nquick visit form ({page.viewport_name}): {taps.count} interactions: {', '.join(taps.log)}")
    assert taps.count <= MAX_INTERACTIONS, taps.log

    saved = page.locator("[data-testid=visit-saved]")
    expect(saved).to_contain_text(name)
    expect(saved).to_contain_text("H 级跟进卡")
    card_url = saved.locator("a", has_text="跟进卡").get_attribute("href")
    # a fresh form for the next visitor: the mobile is empty again
    expect(page.locator("#visit-form input[name=mobile]")).to_have_value("")

    # today's board lists the visit, with the model and the "card opened" badge
    page.goto("/leads/visits/today")
    row = page.locator("#visit-board .list-group-item", has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(series)
    expect(row).to_contain_text("已开卡")
    if is_phone(page):
        assert horizontal_overflow(page) <= 0, "the visit board overflows at 375 px"
        page.screenshot(path=str(ARTIFACTS / "visit-board-phone.png"), full_page=True)

    # the customer exists: the receptionist sees the whole store (customers.view_all)
    page.goto(f"/customers/?q={mobile}")
    found = page.locator("#customer-list .list-card")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(name)

    # an H card, next call-back tomorrow in the store's time zone (H = 1 day)
    page.goto(card_url)
    detail = page.locator("#card-detail")
    expect(detail.locator("h1")).to_contain_text(name)
    expect(detail.locator(".badge.level-H")).to_be_visible()
    tomorrow = dt.datetime.now(STORE_TZ).date() + dt.timedelta(days=1)
    expect(detail.locator("[data-testid=next-contact]")).to_have_text(tomorrow.isoformat())
    expect(detail).to_contain_text(series)

    assert not page.js_errors, page.js_errors
    assert not page.server_errors, page.server_errors


def test_quick_form_bad_mobile_keeps_input_and_saves_nothing(phone_page):
    page = phone_page
    rng = random.Random()
    name = "错号" + _chinese_name(rng)
    login(page, "gz01.reception")
    page.goto("/leads/visits/today")
    before = page.locator("[data-testid=count-total]").inner_text()
    page.goto("/leads/visits/new")

    form = page.locator("#visit-form form")
    form.locator("input[name=mobile]").fill("1391234")
    form.locator("input[name=name]").fill(name)
    form.locator("#field-card_level label", has_text=re.compile(r"^\s*H\s*$")).click()
    form.locator("[data-testid=visit-save]").click()

    mobile_field = page.locator("#visit-form #field-mobile")
    expect(mobile_field.locator(".invalid-feedback")).to_be_visible()
    expect(mobile_field.locator(".invalid-feedback")).to_contain_text("手机")
    expect(mobile_field.locator("input[name=mobile]")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(mobile_field.locator("input[name=mobile]")).to_have_value("1391234")
    # saved from the bottom of a long form: the page comes back up to the field in error
    expect(mobile_field.locator("input[name=mobile]")).to_be_in_viewport()
    expect(mobile_field.locator("input[name=mobile]")).to_be_focused()
    expect(page.locator("#visit-form input[name=name]")).to_have_value(name)
    expect(page.locator("#visit-form input[name=card_level][value=H]")).to_be_checked()
    expect(page.locator("[data-testid=visit-saved]")).to_have_count(0)
    assert horizontal_overflow(page) <= 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "visit-form-error-phone.png"), full_page=True)

    # nothing saved: no customer by that name, today's count unchanged
    page.goto(f"/customers/?q={name}")
    expect(page.locator("#customer-list .list-card")).to_have_count(0)
    page.goto("/leads/visits/today")
    assert page.locator("[data-testid=count-total]").inner_text() == before

    assert not page.js_errors, page.js_errors
    assert not page.server_errors, page.server_errors
