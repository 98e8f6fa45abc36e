"""A whole sale in the real UI, on a phone (375 px) and on a desktop, each user in a browser
of their own at the same viewport:

1. the consultant checks which model is in stock, registers a new customer, quotes that model
   with a discount above their own limit, turns the quote into an order and submits it;
2. the sales manager (never the consultant) approves it from the dashboard tile;
3. finance takes the deposit the order asks for;
4. the consultant allocates one of the cars in stock (by VIN);
5. finance takes the balance and records the invoice;
6. the sales manager hands the car over with the checklist (an incomplete checklist is
   refused and keeps what was ticked); the customer now owns the car, and the stock car is
   delivered.

Every run makes its own customer and takes a car that the allocation screen still offers,
so the two viewports (and other tests on the shared server) never collide.
"""

from __future__ import annotations

import random
import re
from decimal import ROUND_HALF_UP, Decimal

from playwright.sync_api import expect

from .conftest import ARTIFACTS, horizontal_overflow, is_phone, login, menu_link

#: above the sales manager's threshold (3 %) and within the store manager's (6 %): one approval
DISCOUNT_PCT = Decimal("4.5")
CENT = Decimal("0.01")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"
CHECKLIST = ("车辆外观检查", "随车工具", "发票/合格证", "保险单", "使用说明讲解", "首保提醒", "客户签字")


class Taps:
    """Counts what each user does: each tap/click, each choice in a select, each field typed into."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.log: list[str] = []

    def _count(self, step: str, what: str) -> None:
        self.counts[step] = self.counts.get(step, 0) + 1
        self.log.append(f"{step}: {what}")

    def tap(self, step: str, locator, what: str) -> None:
        locator.click()
        self._count(step, f"tap {what}")

    def choose(self, step: str, locator, value: str, what: str) -> None:
        locator.select_option(value)
        self._count(step, f"choose {what}")

    def type(self, step: str, locator, text: str, what: str) -> None:
        locator.click()
        locator.fill("")
        locator.press_sequentially(text)
        self._count(step, f"type {what}")


def _money(text: str) -> Decimal:
    """¥234,897.35 (or 234897.35) as a Decimal."""
    return Decimal(re.sub(r"[^\d.]", "", text))


def _yuan(value: Decimal) -> str:
    """As the money filter shows it."""
    return f"¥{value:,.2f}"


def _fits(page, what: str, shot: str | None = None) -> None:
    """On a phone, the screen must not scroll sideways; keep a screenshot of key screens."""
    if not is_phone(page):
        return
    assert horizontal_overflow(page) <= 0, f"{what} overflows at 375 px"
    if shot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"sale-{shot}-phone.png"), full_page=True)


def _menu(page, label: str, url: str) -> None:
    """Open a module from the menu (off-canvas on a phone)."""
    menu_link(page, label).click()
    page.wait_for_url(re.compile(url))


def _status(page):
    return page.locator("#order-detail [data-testid=order-status]")


def _amount(page, label: str) -> Decimal:
    """A money row of the order's summary table (合计, 应付定金, 已收 ...)."""
    row = page.locator("#order-detail table tr", has=page.locator("th", has_text=re.compile(rf"^{label}$")))
    return _money(row.locator("td").inner_text())


def _posted(page, path_end: str):
    return page.expect_response(lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith(path_end))


def _open_order(page, number: str, order_path: str) -> None:
    """Menu -> 订单 -> 进行中 -> the order's row."""
    _menu(page, "订单", r"/sales/orders")
    page.locator("main .btn-group a", has_text="进行中").click()
    page.wait_for_url(re.compile(r"status=open"))
    page.locator("#order-rows a", has_text=number).click()
    page.wait_for_url(re.compile(rf"{order_path}$"))


def test_quote_to_delivery(page, another_page):
    rng = random.Random()
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    mobile = "137" + "".join(rng.choice("0123456789") for _ in range(8))
    taps = Taps()
    sales = page

    # ---------------------------------------------------------------- the consultant
    login(sales, "gz01.sales1")
    # a model with cars in stock, as the consultant would check before quoting
    sales.goto("/inventory/?state=in_stock&demo=no")
    first_car = sales.locator("#stock-list [data-testid=stock-row]").first
    model_label = first_car.locator(".small").first.inner_text().split(" · ")[0].strip()
    assert model_label

    _menu(sales, "客户", r"/customers/?$")
    taps.tap("customer", sales.get_by_role("link", name=re.compile("新建客户")), "new customer")
    customer_form = sales.locator("#customer-form")
    taps.type("customer", customer_form.locator("input[name=name]"), name, "name")
    taps.type("customer", customer_form.locator("input[name=mobile]"), mobile, "mobile")
    taps.tap("customer", customer_form.get_by_role("button", name="保存"), "save")
    sales.wait_for_url(re.compile(r"/customers/\d+$"))
    customer_url = sales.url
    expect(sales.locator("#customer-header h1")).to_contain_text(name)

    # the quote, from the customer's page
    taps.tap("quote", sales.locator("#quick-actions a", has_text="报价"), "报价")
    sales.wait_for_url(re.compile(r"/sales/quotes/new\?customer_id=\d+"))
    quote_form = sales.locator("#quote-form")
    model_select = quote_form.get_by_label("车型")
    option = model_select.locator("option", has_text=model_label)
    expect(option).to_have_count(1)
    list_price = _money(option.inner_text().rsplit("（", 1)[1])
    discount = (list_price * DISCOUNT_PCT / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    taps.choose("quote", model_select, option.get_attribute("value"), "model")
    taps.type("quote", quote_form.get_by_label("优惠金额"), str(discount), "discount")
    _fits(sales, "the quote form", "quote-form")
    taps.tap("quote", quote_form.get_by_role("button", name="保存报价"), "save")
    sales.wait_for_url(re.compile(r"/sales/quotes/\d+$"))
    sheet = sales.locator("#quote-sheet")
    expect(sheet).to_contain_text(name)
    expect(sheet).to_contain_text(model_label)
    # 购置税 (price - discount) / 1.13 x 10 %, nothing else was entered
    tax = ((list_price - discount) / Decimal("1.13") * Decimal("0.10")).quantize(CENT, rounding=ROUND_HALF_UP)
    total = list_price - discount + tax
    assert _money(sheet.locator("[data-testid=quote-total]").inner_text()) == total
    _fits(sales, "the quote", "quote")

    # the order, from the quote
    taps.tap("order", sales.get_by_role("button", name="生成订单"), "生成订单")
    sales.wait_for_url(re.compile(r"/sales/orders/\d+$"))
    order_path = re.sub(r"^https?://[^/]+", "", sales.url)
    order = sales.locator("#order-detail")
    number = order.locator("h1").inner_text().strip()
    assert number.startswith("SO-GZ01-")
    expect(_status(sales)).to_have_text("草稿")
    pct = (discount * 100 / list_price).quantize(CENT, rounding=ROUND_HALF_UP)
    expect(order).to_contain_text(f"（{pct}%）")
    assert _amount(sales, "合计") == total
    deposit = _amount(sales, "应付定金")
    assert 0 < deposit < total

    with _posted(sales, "/submit") as posted:
        taps.tap("order", order.get_by_role("button", name="提交审批"), "提交审批")
    assert posted.value.status == 200
    assert "orderStateChanged" in (posted.value.headers.get("hx-trigger") or "")
    expect(_status(sales)).to_have_text("待审批")
    assert sales.url.endswith(order_path)  # htmx swapped the order in place
    expect(order).to_contain_text("需要 1 级")
    expect(order).to_contain_text("等待第 1 级审批")
    # a consultant never approves, least of all their own order: no button, and the URL refuses
    expect(order.get_by_role("button", name="通过")).to_have_count(0)
    csrf = sales.locator("#order-detail input[name=csrf_token]").first.input_value()
    refused = sales.request.post(f"{order_path}/approve", form={"csrf_token": csrf, "note": ""})
    assert refused.status == 403
    consultant_name = sales.locator("[data-testid=user-menu]").text_content().strip()
    _fits(sales, "the submitted order", "submitted")

    # ---------------------------------------------------------------- the sales manager approves
    manager = another_page(sales)
    login(manager, "gz01.salesmgr")
    manager_name = manager.locator("[data-testid=user-menu]").text_content().strip()
    assert manager_name != consultant_name
    waiting = manager.locator("[data-testid=tile-value-sales_awaiting_my_approval] a")
    taps.tap("approve", waiting, "待我审批 tile")
    manager.wait_for_url(re.compile(r"/sales/approvals$"))
    queued = manager.locator("#approval-queue a", has_text=number)
    expect(queued).to_contain_text(name)
    expect(queued).to_contain_text(f"优惠 {pct}%")
    expect(queued).to_contain_text("第 1/1 级")
    _fits(manager, "the approval queue", "approval-queue")
    taps.tap("approve", queued, "the order")
    manager.wait_for_url(re.compile(rf"{order_path}$"))
    approval = manager.locator("#order-detail .card", has_text="审批（第 1 级）")
    note = "同意，优惠在本月政策内"
    taps.type("approve", approval.get_by_label("审批意见"), note, "note")
    _fits(manager, "the approval form", "approval")
    # what the manager decides on: discount, the oldest car's cost and days in stock, margin
    figures = manager.locator("#order-detail [data-testid=deal-figures]")
    expect(figures.locator("[data-testid=figure-discount]")).to_contain_text(f"（{pct}%）")
    expect(figures.locator("[data-testid=figure-margin]")).not_to_be_empty()
    # 通过 asks for confirmation first (hx-confirm), naming the level and the discount
    dialogs = []

    def confirm(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    manager.once("dialog", confirm)
    with _posted(manager, "/approve") as posted:
        taps.tap("approve", approval.get_by_role("button", name="通过"), "通过")
    assert posted.value.status == 200
    assert dialogs and "确认通过第 1 级审批" in dialogs[0], dialogs
    expect(_status(manager)).to_have_text("已审批")
    decision = manager.locator("#order-detail li", has_text="第 1 级")
    expect(decision).to_contain_text(manager_name)
    expect(decision).to_contain_text("通过")
    expect(decision).to_contain_text(note)
    manager.goto("/sales/approvals")
    expect(manager.locator("#approval-queue a", has_text=number)).to_have_count(0)

    # ---------------------------------------------------------------- finance takes the deposit
    finance = another_page(sales)
    login(finance, "gz01.finance")
    _open_order(finance, number, order_path)
    expect(_status(finance)).to_have_text("已审批")
    payment = finance.locator("#order-detail form", has=finance.get_by_role("button", name="登记收款"))
    expect(payment.get_by_label("款项")).to_have_value("deposit")
    assert _money(payment.get_by_label("金额").input_value()) == deposit  # what the order asks for
    taps.choose("deposit", payment.get_by_label("方式"), "wechat", "微信")
    _fits(finance, "the payment form", "deposit")
    with _posted(finance, "/payments") as posted:
        taps.tap("deposit", payment.get_by_role("button", name="登记收款"), "登记收款")
    assert posted.value.status == 200
    expect(_status(finance)).to_have_text("已付定金")
    expect(finance.locator("#order-detail [data-testid=paid-total]")).to_have_text(_yuan(deposit))

    # ---------------------------------------------------------------- the consultant allocates a car
    sales.reload()
    expect(_status(sales)).to_have_text("已付定金")
    vin_select = sales.get_by_label("车辆（VIN）")
    candidates = vin_select.locator("option:not([value='0'])")
    assert candidates.count() > 0, "no car of the model in stock to allocate"
    car = candidates.first  # the oldest arrival comes first: sell aged stock
    vin = car.inner_text().split()[0]
    assert re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin), vin
    taps.choose("allocate", vin_select, car.get_attribute("value"), "VIN")
    _fits(sales, "the allocation form", "allocate")
    with _posted(sales, "/allocate") as posted:
        taps.tap("allocate", sales.get_by_role("button", name="配车", exact=True), "配车")
    assert posted.value.status == 200
    expect(_status(sales)).to_have_text("已配车")
    expect(order).to_contain_text(f"VIN：{vin}")

    # ---------------------------------------------------------------- finance: balance and invoice
    finance.reload()
    expect(_status(finance)).to_have_text("已配车")
    payment = finance.locator("#order-detail form", has=finance.get_by_role("button", name="登记收款"))
    expect(payment.get_by_label("款项")).to_have_value("balance")
    assert _money(payment.get_by_label("金额").input_value()) == total - deposit
    with _posted(finance, "/payments") as posted:
        taps.tap("balance", payment.get_by_role("button", name="登记收款"), "登记收款")
    assert posted.value.status == 200
    expect(finance.locator("#order-detail [data-testid=paid-total]")).to_have_text(_yuan(total))
    expect(finance.locator("#order-detail")).to_contain_text("车款已收齐")
    # nothing is left to collect: no payment form offering 0.00
    expect(finance.get_by_role("button", name="登记收款")).not_to_be_visible()
    invoice_number = str(rng.randint(10**7, 10**8 - 1))
    taps.type("balance", finance.get_by_label("发票号码"), invoice_number, "invoice number")
    with _posted(finance, "/invoice") as posted:
        taps.tap("balance", finance.get_by_role("button", name="登记发票"), "登记发票")
    assert posted.value.status == 200
    expect(_status(finance)).to_have_text("已开票")
    expect(finance.locator("#order-detail")).to_contain_text(f"发票：{invoice_number}")
    _fits(finance, "the invoiced order", "invoiced")

    # ---------------------------------------------------------------- the sales manager hands over
    manager.goto(order_path)
    expect(_status(manager)).to_have_text("已开票")
    taps.tap("delivery", manager.get_by_role("link", name="交车", exact=True), "交车")
    manager.wait_for_url(re.compile(rf"{order_path}/delivery$"))
    delivery = manager.locator("#delivery-form")
    expect(delivery).to_contain_text(vin)
    expect(delivery.get_by_label("接车人")).to_have_value(name)  # the customer, filled in
    for item in CHECKLIST[:-1]:
        taps.tap("delivery", delivery.locator("#field-checklist label", has_text=item), item)
    taps.type("delivery", delivery.get_by_label("交车里程（公里）"), "12", "mileage")
    _fits(manager, "the delivery checklist", "delivery")
    # the customer has not signed yet: refused, and what was ticked and typed stays
    taps.tap("delivery", delivery.get_by_role("button", name="确认交车"), "确认交车")
    manager.wait_for_load_state()
    delivery = manager.locator("#delivery-form")
    expect(delivery.locator("#field-checklist .invalid-feedback")).to_contain_text("交车检查未完成：客户签字")
    for item in CHECKLIST[:-1]:
        expect(delivery.get_by_label(item, exact=True)).to_be_checked()
    expect(delivery.get_by_label("客户签字", exact=True)).not_to_be_checked()
    expect(delivery.get_by_label("交车里程（公里）")).to_have_value("12")
    _fits(manager, "the refused checklist", "delivery-refused")
    taps.tap("delivery", delivery.locator("#field-checklist label", has_text="客户签字"), "客户签字")
    taps.tap("delivery", delivery.get_by_role("button", name="确认交车"), "确认交车")
    manager.wait_for_url(re.compile(rf"{order_path}$"))
    expect(_status(manager)).to_have_text("已交车")
    handed_over = manager.locator("#order-detail .card", has_text="交车记录")
    expect(handed_over).to_contain_text(f"接车人：{name}")
    expect(handed_over).to_contain_text("12 km")
    _fits(manager, "the delivered order", "delivered")

    # ---------------------------------------------------------------- what the consultant sees after
    _menu(sales, "订单", r"/sales/orders")
    row = sales.locator("#order-rows a", has_text=number)
    expect(row).to_contain_text("已交车")
    expect(row).to_contain_text(name)
    sales.goto(customer_url)  # the customer owns the car now
    expect(sales.locator("#customer-header")).to_contain_text("保有客户")
    expect(sales.locator("#vehicles")).to_contain_text(vin)
    sales.goto(f"/inventory/?state=delivered&vin={vin}")  # and the stock car has left the yard
    stock_row = sales.locator(f"#stock-list [data-testid=stock-row][data-vin={vin}]")
    expect(stock_row).to_contain_text("已交车")

    print(
        f"\nquote to delivery ({sales.viewport_name}): {number} {model_label} {vin}, "
        f"{sum(taps.counts.values())} interactions {taps.counts}"
    )
    for user in (sales, manager, finance):
        assert not user.js_errors, user.js_errors
        assert not user.server_errors, user.server_errors
