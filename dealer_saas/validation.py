"""Normalising and checking what people type: mobiles, VINs, plates, ID numbers; the
bounds every id, integer and money value is checked against before it meets the database;
control characters taken out of text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

import phonenumbers

from .timeutil import local_today

#: ids are INTEGER columns (32-bit on PostgreSQL): a bigger number is no row, never a query
ID_MAX = 2**31 - 1
#: integers people type (mileage, years, days) are INTEGER columns too
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
#: money columns are Numeric(12, 2): at most 10 digits before the point and 2 after
MONEY_DIGITS, MONEY_PLACES = 12, 2
MONEY_MAX = Decimal("9999999999.99")

#: dates people mean in a filter: outside these pages would count days past the calendar
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2199, 12, 31)

#: control characters (C0, DEL, C1) except tab, line feed and carriage return
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: every control character
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9))),
    **dict(zip("JKLMN", range(1, 6))),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10))),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")


class InvalidValue(ValueError):
    """The value cannot be normalised; the message is safe to show."""


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 / GB 16735 check digit (position 9) of a 17-character VIN."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(value: str) -> str:
    """Upper-case, strip spaces; raise InvalidValue unless 17 valid characters with a
    correct check digit (China requires it on every VIN)."""
    from flask_babel import gettext as _

    vin = re.sub(r"[\s-]", "", value or "").upper()
    if len(vin) != 17:
        raise InvalidValue(_("车架号（VIN）应为 17 位，当前为 %(n)d 位。", n=len(vin)))
    if not _VIN_RE.match(vin):
        raise InvalidValue(_("车架号只能包含数字和字母（不含 I、O、Q）。"))
    if vin[8] != vin_check_digit(vin):
        raise InvalidValue(_("车架号校验位不正确，请核对（第 9 位应为 %(d)s）。", d=vin_check_digit(vin)))
    return vin


def with_check_digit(vin16: str) -> str:
    """Make a valid VIN from 17 characters whose 9th is a placeholder (demo data, tests)."""
    vin = vin16.upper()
    return vin[:8] + vin_check_digit(vin[:8] + "0" + vin[9:]) + vin[9:]


def normalise_mobile(value: str) -> str:
    """A mainland mobile as its 11 digits; other numbers in E.164. Raises InvalidValue."""
    from flask_babel import gettext as _

    raw = (value or "").strip()
    if not raw:
        raise InvalidValue(_("请输入手机号。"))
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidValue(_("手机号格式不正确。")) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(_("手机号格式不正确。"))
    if number.country_code == 86:
        national = str(number.national_number)
        if phonenumbers.number_type(number) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            raise InvalidValue(_("请填写手机号（11 位）。"))
        return national
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_plate(value: str) -> str:
    """Upper-case a plate and drop spaces, dots and dashes ("粤B·12345" -> "粤B12345")."""
    return re.sub(r"[\s·.\-]", "", value or "").upper()


def normalise_id_number(value: str) -> str:
    """A mainland resident ID (18 characters: region, birth date, sequence, check
    character), checked by python-stdnum (``stdnum.cn.ric``: check character, a real birth
    date, a known region code) and a birth date not in the future. Raises InvalidValue."""
    from flask_babel import gettext as _
    from stdnum import exceptions as stdnum_errors
    from stdnum.cn import ric

    number = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        raise InvalidValue(_("身份证号应为 18 位。"))
    try:
        number = ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise InvalidValue(_("身份证号校验位不正确。")) from None
    except (stdnum_errors.InvalidLength, stdnum_errors.InvalidFormat):
        raise InvalidValue(_("身份证号应为 18 位。")) from None
    except stdnum_errors.ValidationError:
        # the birth date or the region code is not a real one
        try:
            ric.get_birth_date(number)
        except stdnum_errors.ValidationError:
            raise InvalidValue(_("身份证号中的出生日期无效。")) from None
        raise InvalidValue(_("身份证号中的地区码无效。")) from None
    born = ric.get_birth_date(number)
    if born.year < 1900 or born > local_today():
        raise InvalidValue(_("身份证号中的出生日期无效。"))
    return number


def id_number_with_check(first17: str) -> str:
    """The 18-character number for its first 17 digits (tests, demo data)."""
    from stdnum.cn import ric

    return first17 + ric.calc_check_digit(first17 + "0")


# --------------------------------------------------------------------------- bounds


def bounded_id(value: Any) -> int | None:
    """``value`` as a row id (1 .. ID_MAX), or None when it is not one (garbage, 0, negative,
    a number no INTEGER column holds)."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, int):
        text = str(value).strip() if value is not None else ""
        if not text.isascii() or not text.isdigit():
            return None
        value = int(text)
    return value if 1 <= value <= ID_MAX else None


def check_numeric(value: Any, *, digits: int = MONEY_DIGITS, places: int = MONEY_PLACES) -> Decimal:
    """``value`` as a Decimal that fits a ``Numeric(digits, places)`` column (money by
    default); raises InvalidValue: not a number, NaN or infinite, too many digits before or
    after the point."""
    from flask_babel import gettext as _

    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidValue(_("请填写有效的数字。")) from None
    if not number.is_finite():
        raise InvalidValue(_("请填写有效的数字。"))
    whole = digits - places
    if abs(number) >= Decimal(10) ** whole:
        raise InvalidValue(_("数字过大：整数部分最多 %(n)d 位。", n=whole))
    if number != number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
        raise InvalidValue(_("最多 %(n)d 位小数。", n=places))
    return number


def strip_controls(value: str | None, *, keep_lines: bool = False) -> str | None:
    """``value`` without control characters (NUL and the like break PostgreSQL, exports and
    terminals); ``keep_lines`` keeps tab, line feed and carriage return (multi-line text)."""
    if not value:
        return value
    return (_CONTROL_BUT_LINES if keep_lines else _CONTROL).sub("", value)
