"""Message templates: the documented placeholders are filled, an unknown one or a lone brace
is refused with a clear error, and the preview uses a real customer's data."""

from __future__ import annotations

import pytest

from dealer_saas.marketing.services import MarketingError, templates

from .. import factories
from . import factories as mk


def test_known_placeholders_are_filled_and_missing_values_become_empty():
    text = templates.render("{客户姓名}您好，{车牌}到期{到期日}", {"客户姓名": "王五", "车牌": "粤A1"})
    assert text == "王五您好，粤A1到期"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{客户名}您好", "未知的占位符：{客户名}"),
        ("您好 {name} {车牌}", "未知的占位符：{name}"),
        ("您好 {客户姓名", "花括号不成对"),
        ("}", "花括号不成对"),
        ("   ", "请填写模板内容"),
        ("字" * 501, "不能超过 500"),
    ],
)
def test_a_bad_body_is_refused_with_a_clear_error(body, expected):
    with pytest.raises(MarketingError) as refused:
        templates.check_body(body)
    assert expected in str(refused.value)
    assert refused.value.field == "body"


def test_the_error_lists_the_placeholders_that_may_be_used():
    with pytest.raises(MarketingError) as refused:
        templates.check_body("{姓名}")
    assert "{客户姓名}" in str(refused.value) and "{预约链接}" in str(refused.value)


def test_every_default_body_uses_only_known_placeholders():
    for body in templates.DEFAULT_BODIES.values():
        assert templates.check_body(body) == body


def test_a_store_template_replaces_the_built_in_text_and_codes_are_unique(store, in_store):
    with in_store():
        assert templates.body_for("birthday")[0] == "default_birthday"
        made = templates.create_template(
            {"code": "bday", "name": "生日", "occasion": "birthday", "body": "{客户姓名}生日快乐", "is_active": True}
        )
        assert templates.body_for("birthday") == ("bday", "{客户姓名}生日快乐")
        with pytest.raises(MarketingError) as taken:
            templates.create_template(
                {"code": "bday", "name": "又一个", "occasion": "birthday", "body": "hi", "is_active": True}
            )
        assert taken.value.field == "code"
        templates.update_template(made.id, {**_data(made), "is_active": False}, made.version)
        assert templates.body_for("birthday")[0] == "default_birthday"


def _data(t):
    return {"code": t.code, "name": t.name, "occasion": t.occasion, "body": t.body, "is_active": t.is_active}


def test_the_preview_uses_a_real_customer_and_the_store(store, in_store):
    customer = factories.CustomerFactory(store=store, name="赵六")
    factories.CustomerVehicleFactory(store=store, owner=customer, plate="粤B88888")
    with in_store():
        shown = templates.preview("{门店}：{客户姓名}，{车牌}", customer.id)
    assert shown.customer.id == customer.id
    assert shown.text == f"{store.name}：赵六，粤B88888"


def test_the_preview_page_shows_the_text_or_the_error(client_as, store):
    customer = factories.CustomerFactory(store=store, name="钱七")
    client, _user = client_as("marketing")
    ok = client.post("/marketing/templates/preview", data={"body": "{客户姓名}好", "customer_id": customer.id})
    assert ok.status_code == 200 and "钱七好" in ok.get_data(as_text=True)
    bad = client.post("/marketing/templates/preview", data={"body": "{坏的}"})
    assert "未知的占位符" in bad.get_data(as_text=True)


def test_the_template_form_refuses_an_unknown_placeholder_beside_the_body(client_as, store):
    client, _user = client_as("marketing")
    response = client.post(
        "/marketing/templates/new",
        data={"code": "x1", "name": "坏模板", "occasion": "marketing", "body": "{未知}", "is_active": "y"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "未知的占位符：{未知}" in body and 'value="x1"' in body
    assert mk.template(store, code="ok").id  # the store can still have templates
    saved = client.post(
        "/marketing/templates/new",
        data={"code": "x2", "name": "好模板", "occasion": "marketing", "body": "{客户姓名}", "is_active": "y"},
    )
    assert saved.status_code == 303
    assert "好模板" in client.get("/marketing/templates").get_data(as_text=True)
