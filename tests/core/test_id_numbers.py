"""Resident ID numbers: python-stdnum checks the check character, the birth date and the
region code; our messages and normalisation (upper-case X, spaces trimmed) stay."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from dealer_saas.validation import InvalidValue, id_number_with_check, normalise_id_number


def _message(value: str) -> str:
    with pytest.raises(InvalidValue) as error:
        normalise_id_number(value)
    return str(error.value)


def test_a_valid_number_is_normalised(app):
    with app.test_request_context():
        assert normalise_id_number(" 11010519491231002x ") == "11010519491231002X"
        assert normalise_id_number("360426199101010071") == "360426199101010071"


def test_impossible_birth_dates_are_refused_even_with_a_right_check_character(app):
    with app.test_request_context():
        for first17 in ("11010519491332002", "11010519490230002", "11010520990101002", "11010518000101002"):
            number = id_number_with_check(first17)  # the check character is right
            assert "出生日期无效" in _message(number), number


def test_unknown_region_code_is_refused(app):
    with app.test_request_context():
        assert "地区码无效" in _message(id_number_with_check("00000019900101002"))


def test_length_and_check_character_messages_stay(app):
    with app.test_request_context():
        assert "应为 18 位" in _message("1101051949123100")
        assert "应为 18 位" in _message("11010519491231002Y")
        assert "校验位不正确" in _message("110105194912310021")
        with force_locale("en"):
            assert "check" in _message("110105194912310021").lower()


def test_the_customer_form_refuses_an_impossible_birth_date(client_as):
    from tests.customers.test_edit import FORM

    client, _user = client_as("sales_manager")
    number = id_number_with_check("11010519491332002")  # born 1949-13-32, right check character
    response = client.post("/customers/new", data={**FORM, "name": "日期不对", "id_number": number})
    assert response.status_code == 200 and "身份证号中的出生日期无效" in response.text
    assert (
        client.post("/customers/new", data={**FORM, "name": "日期对", "id_number": "11010519491231002x"}).status_code
        == 303
    )
