"""Bad input is a form error or a 404, never a 500 (issue 14): ids past an INTEGER column in
URLs, query arguments and forms; money past its Numeric(12, 2) column; NUL and other control
characters in text; forged page tokens. The kernel pieces are checked here once; the fuzz
test (test_fuzz_forms.py) throws the same at every route."""

from __future__ import annotations

import base64
import decimal
import importlib
import json

import pytest
from wtforms import DecimalField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import NumberRange

from dealer_saas import MODULES, forms_base, tenancy, web
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.forms_base import Form, MoneyField, NumericField
from dealer_saas.sales.models import SalesOrder
from dealer_saas.validation import ID_MAX, INT_MAX, INT_MIN, InvalidValue, bounded_id, check_numeric

from .. import factories
from ..conftest import login
from ..sales import factories as sales_factories

HUGE = "99999999999999999999999999"
D = decimal.Decimal


def _all_forms() -> list[type]:
    from flask_wtf import FlaskForm

    for name in MODULES:
        try:
            importlib.import_module(f"{name}.forms")
        except ModuleNotFoundError:
            pass
    # the settings screen's form is built from every module's settings sections
    from dealer_saas import registry
    from dealer_saas.admin.forms import store_settings_form

    store_settings_form(registry.settings_sections())
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("dealer_saas."):
            found.append(cls)
    return found


def _unbound_fields(form_class: type):
    for name in dir(form_class):
        value = getattr(form_class, name)
        if hasattr(value, "field_class") and hasattr(value, "kwargs"):
            yield name, value


# --------------------------------------------------------------------------- kernel


def test_bounded_id():
    assert bounded_id("12") == 12 and bounded_id(12) == 12 and bounded_id(ID_MAX) == ID_MAX
    for bad in (HUGE, ID_MAX + 1, "0", 0, "-1", -1, "1e3", "²", "١٢", "", None, "12a", True, " ", "0x10"):
        assert bounded_id(bad) is None, bad


def test_check_numeric_fits_the_money_column():
    assert check_numeric("9999999999.99") == D("9999999999.99")
    assert check_numeric(D("-12.5")) == D("-12.5")
    for bad in (HUGE, "10000000000", "1e309", "NaN", "Infinity", "-Infinity", "1.234", "abc", ""):
        with pytest.raises(InvalidValue):
            check_numeric(bad)
    assert check_numeric("123.456", digits=6, places=3) == D("123.456")
    with pytest.raises(InvalidValue):
        check_numeric("1000", digits=6, places=3)


def test_every_form_shares_the_one_base():
    forms = _all_forms()
    assert len(forms) > 20
    strays = [f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, Form)]
    assert not strays, f"derive these from dealer_saas.forms_base.Form: {strays}"


def test_every_number_field_is_bounded():
    """IntegerFields carry a NumberRange inside an INTEGER column; DecimalFields are
    NumericFields (MoneyField for money); id selects coerce through coerce_id."""
    problems = []
    for form in _all_forms():
        for name, unbound in _unbound_fields(form):
            cls, kwargs = unbound.field_class, unbound.kwargs
            where = f"{form.__module__}.{form.__name__}.{name}"
            if issubclass(cls, IntegerField):
                ranges = [v for v in kwargs.get("validators", ()) if isinstance(v, NumberRange)]
                if not ranges or not all(
                    r.min is not None and r.max is not None and INT_MIN <= r.min <= r.max <= INT_MAX for r in ranges
                ):
                    problems.append(f"{where}: IntegerField without a bounded NumberRange (use bounded_int)")
            if issubclass(cls, DecimalField) and not issubclass(cls, NumericField):
                ranges = [v for v in kwargs.get("validators", ()) if isinstance(v, NumberRange)]
                if not ranges or any(r.max is None for r in ranges):
                    problems.append(f"{where}: DecimalField without a maximum (use MoneyField/NumericField)")
            if issubclass(cls, (SelectField, RadioField, SelectMultipleField)) and kwargs.get("coerce") is int:
                choices = kwargs.get("choices")
                if not choices:  # ids filled in by the view
                    problems.append(f"{where}: coerce=int on a select of ids (use coerce_id)")
    assert not problems, "\n".join(problems)


def test_money_fields_are_money_fields():
    money = {
        "discount",
        "insurance_amount",
        "purchase_tax",
        "registration_fee",
        "other_fees",
        "fees_total",
        "deposit_required",
        "amount",
        "down_payment",
        "commission",
        "premium",
        "list_price",
        "cost",
        "budget",
        "default_deposit",
    }
    seen = 0
    for form in _all_forms():
        for name, unbound in _unbound_fields(form):
            if name in money:
                seen += 1
                assert issubclass(unbound.field_class, MoneyField), f"{form.__name__}.{name}"
    assert seen >= 15


def test_text_fields_lose_control_characters(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import HiddenField, PasswordField, StringField, TextAreaField

    class Sample(Form):
        line = StringField()
        text = TextAreaField()
        secret = PasswordField()
        token = HiddenField()
        upper = StringField(filters=[lambda v: v.upper() if v else v])

    raw = "a\x00b\x01c\td\ne\r\x1b\x7f\x85f"
    with app.test_request_context(method="POST"):
        form = Sample(formdata=MultiDict({"line": raw, "text": raw, "secret": raw, "token": raw, "upper": "x\x00y"}))
    assert form.line.data == "abcdef"
    assert form.text.data == "abc\td\ne\rf"
    assert form.secret.data == raw and form.token.data == raw  # taken as typed / refused whole
    assert form.upper.data == "XY"  # the module's own filter sees clean text
    assert forms_base.text_filter_for(SelectField) is None


def test_every_int_url_argument_is_bounded(app):
    converters = [
        (rule.rule, converter)
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if converter.regex == r"\d+"
    ]
    assert len(converters) > 40
    assert all(isinstance(c, web.IdConverter) and c.max == ID_MAX and c.min == 1 for _r, c in converters)


def test_get_or_404_and_get_or_none_refuse_what_is_no_id(app, store):
    customer = factories.CustomerFactory(store=store)
    from werkzeug.exceptions import NotFound

    with tenancy.enter(store.id):
        assert tenancy.get_or_none(Customer, str(customer.id)) is customer
        for bad in (HUGE, 2**31, 2**63, -1, 0, "²", "x", None):
            assert tenancy.get_or_none(Customer, bad) is None
            with pytest.raises(NotFound):
                tenancy.get_or_404(Customer, bad)


# --------------------------------------------------------------------------- through HTTP


@pytest.fixture
def manager(app, store):
    user = factories.user_with_role("store_manager", store)
    db.session.commit()
    return login(app.test_client(), user, store)


def test_huge_ids_in_urls_and_query_arguments_are_not_found(manager, store):
    customer = factories.CustomerFactory(store=store)
    db.session.commit()
    for url in (f"/customers/{HUGE}", f"/customers/{2**31}", f"/customers/{2**31}/edit", "/customers/0"):
        assert manager.get(url).status_code == 404, url
    assert manager.get(f"/customers/{customer.id}").status_code == 200
    for url in (
        f"/leads/visits?consultant_id={HUGE}",
        f"/leads/cards?consultant_id={HUGE}",
        f"/leads/cards/new?customer_id={HUGE}",
        f"/sales/quotes/new?customer_id={HUGE}&follow_up_card_id={HUGE}",
        f"/sales/test-drives/new?customer_id={customer.id}&vehicle_id={HUGE}",
        "/sales/test-drives?day=0001-01-01",
        f"/customers/?owner={HUGE}",
        f"/customers/merge?ids={HUGE}&ids={customer.id}",
        f"/inventory/?model={HUGE}",
        f"/admin/audit?user_id={HUGE}&entity_id={HUGE}",
    ):
        assert manager.get(url).status_code in (200, 404), url


def test_huge_ids_in_forms_are_form_errors(manager, store):
    customer = factories.CustomerFactory(store=store)
    db.session.commit()
    response = manager.post(
        f"/sales/quotes/new?customer_id={customer.id}", data={"model_id": HUGE, "payment_method": "cash"}
    )
    assert response.status_code == 200 and "请选择车型" in response.text
    response = manager.post("/customers/assign", data={"customer_ids": [HUGE, "²", str(customer.id)], "owner_id": HUGE})
    assert response.status_code < 500
    response = manager.post(f"/customers/{customer.id}/vehicles/new", data={"vin": "x", "mileage": HUGE})
    assert response.status_code == 200 and "请填写 0 到 9999999 之间的整数" in response.text


def test_money_past_its_column_is_a_form_error_and_nothing_is_saved(app, store):
    w = sales_factories.world(store)
    order = sales_factories.order(w)
    db.session.commit()
    client = login(app.test_client(), w.consultant, w.store)
    base = {"version": str(order.version), "deposit_required": "5000", "payment_method": "cash"}
    for value, message in (
        (HUGE, "整数部分最多 10 位"),
        ("10000000000", "整数部分最多 10 位"),
        ("1e309", "整数部分最多 10 位"),
        ("NaN", "请填写有效的数字"),
        ("Infinity", "请填写有效的数字"),
        ("12.345", "最多 2 位小数"),
    ):
        response = client.post(f"/sales/orders/{order.id}/edit", data={**base, "insurance_amount": value})
        assert response.status_code == 200 and message in response.text, value
    # every amount at its maximum: each fits, the total does not
    most = "9999999999.99"
    response = client.post(
        f"/sales/orders/{order.id}/edit", data={**base, "insurance_amount": most, "fees_total": most}
    )
    assert response.status_code == 200 and "合计金额过大" in response.text
    db.session.expire_all()
    assert db.session.get(SalesOrder, order.id).insurance_amount == D("0")
    assert client.get(f"/sales/orders/{order.id}/edit").status_code == 200


def test_sales_money_helper_refuses_amounts_past_the_column(app):
    from dealer_saas.sales import services

    with app.test_request_context():
        assert services.money("9999999999.99") == D("9999999999.99")
        for bad in (HUGE, "1e309", "NaN", "abc"):
            with pytest.raises(services.SalesError):
                services.money(bad)
        with pytest.raises(services.SalesError):
            services.parse_accessories(f"脚垫 {HUGE}")


def test_nul_and_control_characters_are_taken_out_of_text(manager, store):
    response = manager.post(
        "/customers/new",
        data={"name": "\x00nul\x1b名", "kind": "individual", "mobile": "13700000999", "notes": "一\x00行\n二行\t好"},
    )
    assert response.status_code == 303
    customer = db.session.query(Customer).filter_by(mobile="13700000999").one()
    assert customer.name == "nul名" and customer.notes == "一行\n二行\t好"
    for url in ("/customers/?q=%00", "/customers/?q=a%00b%1b", "/messaging/outbox?q=%00", "/admin/users?q=%00"):
        assert manager.get(url).status_code == 200, url
    assert "nul名" in manager.get("/customers/?q=%00nul").text
    # the same filters posted (export, assign) and days past the calendar
    assert manager.post("/customers/export", data={"q": "\x00nul", "created_from": "0001-01-01"}).status_code == 200
    assert manager.get("/customers/?created_from=0001-01-01&created_to=9999-12-31").status_code == 200


def test_forged_page_tokens_start_from_the_first_page(manager, store):
    factories.CustomerFactory(store=store, name="第一页客户")
    db.session.commit()

    def token(values) -> str:
        return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")

    forged = (
        [2**70, 1],
        [HUGE, "x"],
        ["\x00", "\x00"],
        [{"dt": "not a date"}, 1],
        [{"n": "NaN"}, 1],
        [{"zz": 1}, 1],
        ["2026-01-01", "text where an id is"],
        [[1, 2], {"d": "2026-02-30"}],
        "not a list",
    )
    for values in forged:
        response = manager.get(f"/customers/?after={token(values)}")
        assert response.status_code == 200 and "第一页客户" in response.text, values
