"""The loan calculator (issue 14, floor item 13): plans kept in the store's settings
(validated), the annuity in Decimal rounded to the cent, the subsidised rate (贴息), on the
quote (printable) and on the order, recalculated through an htmx GET fragment."""

from __future__ import annotations

import re
from decimal import Decimal as D

import pytest

from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.sales import settings as sales_settings

from ..conftest import login
from . import factories as sf

PLANS = "厂家 0 息 | 大众汽车金融 | 4.5 | 0 | 12/24/36 | 30\n银行分期 | 工商银行 | 3.99 | 3.99 | 24/36/60 | 20"


def _with_plans(store, text=PLANS):
    new: dict = {}
    sales_settings.LOAN_PLANS_SECTION.save(new, {"loan_plans": text})
    store.settings = {**(store.settings or {}), **new}
    db.session.flush()


def test_annuity_in_decimal_rounded_to_the_cent():
    # 140000 at 4.5 % over 36 months: 4164.5694... -> 4164.57
    assert services.monthly_payment("140000", "4.5", 36) == D("4164.57")
    assert services.monthly_payment("100000", "3.99", 24) == D("4342.05")
    # 0 %: the principal in equal parts, half-up to the cent
    assert services.monthly_payment("140000", "0", 36) == D("3888.89")
    assert isinstance(services.monthly_payment("1", "1", 1), D)


def test_plans_are_stored_validated_and_read_back(store):
    _with_plans(store)
    plans = sales_settings.loan_plans(store)
    assert [p.name for p in plans] == ["厂家 0 息", "银行分期"]
    first = plans[0]
    assert (first.lender, first.annual_rate, first.subsidised_rate, first.terms, first.min_down_pct) == (
        "大众汽车金融",
        D("4.5"),
        D("0"),
        (12, 24, 36),
        D("30"),
    )
    assert store.settings["loan_plans"][0] == {
        "name": "厂家 0 息",
        "lender": "大众汽车金融",
        "annual_rate": "4.5",
        "subsidised_rate": "0",
        "terms": [12, 24, 36],
        "min_down_pct": "30",
    }
    # the settings screen shows the same lines back
    assert sales_settings.LOAN_PLANS_SECTION.load(store)["loan_plans"].splitlines()[0] == (
        "厂家 0 息 | 大众汽车金融 | 4.5 | 0 | 12/24/36 | 30"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("只有名称", "请写成"),
        ("A | B | abc | 0 | 12 | 30", "不是有效的数字"),
        ("A | B | 4 | 5 | 12 | 30", "不能高于年利率"),
        ("A | B | 40 | 0 | 12 | 30", "不能超过"),
        ("A | B | 4 | 0 | 12/x | 30", "期数"),
        ("A | B | 4 | 0 | 0/240 | 30", "1 到 120"),
        ("A | B | 4 | 0 | 12 | 130", "不能超过 100%"),
        ("A | B | 4 | 0 | 12 | -5", "不能为负数"),
        (" | B | 4 | 0 | 12 | 30", "方案名称"),
        ("A | B | 4 | 0 | 12 | 30\nA | C | 4 | 0 | 12 | 30", "重复"),
        ("\n".join(f"P{n} | B | 4 | 0 | 12 | 30" for n in range(11)), "最多"),
    ],
)
def test_bad_plan_lines_are_refused_naming_the_line(text, message):
    with pytest.raises(DomainError, match=message) as error:
        sales_settings.LOAN_PLANS_SECTION.save({}, {"loan_plans": text})
    assert error.value.field == "loan_plans"


def test_junk_stored_plans_are_skipped(store):
    store.settings = {"loan_plans": [{"name": "ok", "lender": "L", "annual_rate": "4", "terms": [12]}, "junk", {}]}
    assert [p.name for p in sales_settings.loan_plans(store)] == ["ok"]
    store.settings = {"loan_plans": "not a list"}
    assert sales_settings.loan_plans(store) == []


def test_calculator_defaults_subsidy_and_errors(store):
    _with_plans(store)
    # car 200000 (quote total 220000): first plan, its 30 % minimum down payment, 36 months
    calc = services.calculator(store, car_price=D("200000"), deal_total=D("220000"), args={})
    r = calc.result
    assert (r.plan.name, r.term, r.down_payment, r.principal) == ("厂家 0 息", 36, D("60000.00"), D("140000.00"))
    assert r.monthly == D("3888.89") and r.total_interest == D("0.04")  # rounding of 0 %
    assert r.subsidy == D("4164.57") * 36 - D("3888.89") * 36  # the lender's interest the maker pays
    assert r.due_at_signing == D("80000.00")  # down payment + tax, insurance, accessories
    calc = services.calculator(
        store,
        car_price=D("200000"),
        deal_total=D("220000"),
        args={"plan": "银行分期", "down_payment": "100000", "term": "24"},
    )
    assert calc.result.monthly == D("4342.05") and calc.result.subsidy == D("0")
    # below the plan's minimum down payment: the message beside the field, no result
    calc = services.calculator(store, car_price=D("200000"), deal_total=D("220000"), args={"down_payment": "1000"})
    assert calc.result is None and calc.error_field == "down_payment" and "¥60,000.00" in calc.error
    for junk in ("abc", "NaN", "1e30", "-5", "200000"):
        calc = services.calculator(store, car_price=D("200000"), deal_total=D("220000"), args={"down_payment": junk})
        assert calc.result is None and calc.error, junk
    # a term the plan does not offer falls back to its default
    calc = services.calculator(store, car_price=D("200000"), deal_total=D("220000"), args={"term": "60"})
    assert calc.term == 36


def _quote(w, in_store):
    with in_store(w.consultant):
        return services.create_quote(w.customer.id, {"model_id": w.model.id, "discount": D("0")})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_quote_page_shows_the_calculator_in_the_printable_sheet(w, app, in_store):
    _with_plans(w.store)
    quote = _quote(w, in_store)
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/quotes/{quote.id}?plan=银行分期&down_payment=100000&term=24").get_data(as_text=True)
    sheet = body[body.index('id="quote-sheet"') : body.index("</article>")]
    assert 'data-testid="loan-calc"' in sheet  # inside the printed sheet
    assert "¥4,342.05" in _text(sheet) and "工商银行" in sheet
    # the inputs are not printed and recalculate through an htmx GET, without script
    form = re.search(r"<form[^>]*hx-get=[^>]*>", sheet).group(0)
    assert f'hx-get="/sales/quotes/{quote.id}/loan"' in form and "no-print" in form and "hx-trigger" in form
    assert "<script>" not in body and "onclick" not in body


def test_htmx_fragment_recalculates_and_keeps_the_address(w, app, in_store):
    _with_plans(w.store)
    quote = _quote(w, in_store)
    client = login(app.test_client(), w.consultant, w.store)
    response = client.get(
        f"/sales/quotes/{quote.id}/loan?plan=厂家 0 息&down_payment=60000&term=12", headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="loan-calc"')
    assert "¥11,666.67" in body  # 140000 / 12
    assert response.headers["HX-Replace-Url"].startswith(f"/sales/quotes/{quote.id}?")
    # without htmx (the form's plain GET): the page itself with the same inputs
    plain = client.get(f"/sales/quotes/{quote.id}/loan?down_payment=70000&term=24")
    assert plain.status_code == 302 and plain.headers["Location"].startswith(f"/sales/quotes/{quote.id}?")
    assert "down_payment=70000" in plain.headers["Location"]
    bad = client.get(f"/sales/quotes/{quote.id}/loan?down_payment=10", headers={"HX-Request": "true"})
    assert bad.status_code == 200 and 'data-testid="loan-error"' in bad.get_data(as_text=True)


def test_order_page_has_the_calculator(w, app):
    _with_plans(w.store)
    order = sf.order(w, discount="10000", payment_method="loan")
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/orders/{order.id}").get_data(as_text=True)
    assert 'data-testid="loan-result"' in body and f'hx-get="/sales/orders/{order.id}/loan"' in body
    fragment = client.get(
        f"/sales/orders/{order.id}/loan?plan=银行分期&down_payment=38000&term=36", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    # 190000 - 38000 = 152000 at 3.99 % over 36 months
    assert services.monthly_payment("152000", "3.99", 36).to_eng_string() in fragment.replace(",", "")


def test_calculator_follows_visibility(w, app):
    from .. import factories

    _with_plans(w.store)
    other = factories.user_with_role("sales_consultant", w.store)
    order = sf.order(w, consultant=other)
    client = login(app.test_client(), w.consultant, w.store)
    assert client.get(f"/sales/orders/{order.id}/loan").status_code == 404


def test_no_plans_says_so(w, app, in_store):
    quote = _quote(w, in_store)
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/quotes/{quote.id}").get_data(as_text=True)
    assert "门店尚未设置按揭方案" in body
