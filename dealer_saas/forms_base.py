"""The one base of every form, and the fields that keep typed values inside their columns.

- :class:`Form` (every module's forms derive from it): every text field (StringField,
  TextAreaField; not passwords or hidden fields) loses its control characters before anything
  else sees it; a TextAreaField keeps tab and line breaks. NUL bytes break PostgreSQL and
  the exports, other control characters break spreadsheets and terminals.
- :func:`bounded_int`: an IntegerField with a range (INTEGER columns stop at 2**31 - 1).
- :func:`coerce_id` / :func:`coerce_id_or_none`: the coerce of a select whose choices are
  row ids; a value no INTEGER column holds is "not a valid choice", not a database error.
- :class:`MoneyField` (:class:`NumericField` for other ``Numeric`` columns): a DecimalField
  that fits ``Numeric(12, 2)`` (10 digits before the point, 2 after), finite, with a clear
  message; :func:`money_field` adds the usual "not negative" and optional/required.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional, StopValidation

from .validation import INT_MAX, INT_MIN, MONEY_DIGITS, MONEY_PLACES, InvalidValue, bounded_id, check_numeric
from .validation import strip_controls as _strip_controls


def _single_line(value: Any) -> Any:
    return _strip_controls(value) if isinstance(value, str) else value


def _multi_line(value: Any) -> Any:
    return _strip_controls(value, keep_lines=True) if isinstance(value, str) else value


def text_filter_for(field_class: type) -> Any:
    """The control-character filter a field of ``field_class`` gets, or None. Passwords are
    taken as typed; hidden fields carry no text people type (a ``next`` with a control
    character is refused whole by ``safe_next``, not repaired)."""
    if issubclass(field_class, (PasswordField, HiddenField)) or not issubclass(field_class, StringField):
        return None
    return _multi_line if issubclass(field_class, TextAreaField) else _single_line


class Form(FlaskForm):
    """Base of every form: clean text (see the module docstring) and a list for errors of
    the whole form (a domain rule, a stale version), shown by ``form_errors()``."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            clean = text_filter_for(unbound_field.field_class)
            if clean is not None:
                # first, so a field's own filters (strip, upper) see clean text
                options = dict(options, filters=(clean, *unbound_field.kwargs.get("filters", ())))
            return super().bind_field(form, unbound_field, options)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form_errors: list[str] = []


# --------------------------------------------------------------------------- integers


def coerce_id(value: Any) -> int:
    """Coerce of a select of row ids (0 is the "please choose" placeholder some selects
    start with, no row): raises ValueError (WTForms: not a valid choice) for anything else."""
    if value in (0, "0"):
        return 0
    ident = bounded_id(value)
    if ident is None:
        raise ValueError(_l("选项无效。"))
    return ident


def coerce_id_or_none(value: Any) -> int | None:
    """Like :func:`coerce_id`, but blank (and garbage) means "none chosen"."""
    if value in (None, "", "None"):
        return None
    return bounded_id(value)


def bounded_int(
    label: Any,
    min: int = 0,
    max: int = INT_MAX,
    *,
    required: Any = None,
    message: Any = None,
    **kwargs: Any,
) -> IntegerField:
    """An IntegerField within ``min``..``max`` (an INTEGER column at most); ``required`` is
    the message of an InputRequired, otherwise the field is optional."""
    if not (INT_MIN <= min <= max <= INT_MAX):
        raise ValueError("bounded_int: the range must fit an INTEGER column")
    message = message or _l("请填写 %(min)s 到 %(max)s 之间的整数。", min=min, max=max)
    first = [InputRequired(required)] if required else [Optional()]
    return IntegerField(label, validators=[*first, NumberRange(min, max, message)], **kwargs)


def setting_int(label: Any, min: int, max: int) -> IntegerField:
    """A required integer of a store settings section (the settings screen's number box)."""
    return bounded_int(
        label,
        min,
        max,
        required=_l("请输入整数"),
        render_kw={"type": "number", "inputmode": "numeric", "min": min, "max": max},
    )


# --------------------------------------------------------------------------- money


class NumericField(DecimalField):
    """A number that fits its ``Numeric(digits, places)`` column: finite, at most
    ``digits - places`` digits before the point and ``places`` after. Anything else is
    refused with a clear message before the field's own validators run."""

    def __init__(self, label: Any = None, validators: Any = None, *, digits: int, places: int, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, places=places, **kwargs)
        self.digits, self.column_places = digits, places

    def pre_validate(self, form: Any) -> None:
        if self.process_errors:
            if not (self.raw_data and self.raw_data[0].strip()):
                return  # blank: Optional / InputRequired have the say
            raise StopValidation()  # "not a valid decimal" is already there
        if self.data is None:
            return
        try:
            self.data = check_numeric(self.data, digits=self.digits, places=self.column_places)
        except InvalidValue as error:
            self.data = None
            raise StopValidation(str(error)) from None


class MoneyField(NumericField):
    """Money: ``Numeric(12, 2)``, the column of every amount."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, digits=MONEY_DIGITS, places=MONEY_PLACES, **kwargs)


def money_field(label: Any, *, required: Any = None, min: Any = 0, max: Any = None, message: Any = None) -> MoneyField:
    """A :class:`MoneyField`, optional unless ``required`` (its message), at least ``min``
    (default 0: not negative) and at most ``max`` when given."""
    first = [InputRequired(required)] if required else [Optional()]
    if message is None:
        message = _l("金额不能为负数。") if max is None else _l("金额需在 %(min)s 到 %(max)s 之间。", min=min, max=max)
    low = Decimal(str(min)) if min is not None else None
    high = Decimal(str(max)) if max is not None else None
    return MoneyField(label, validators=[*first, NumberRange(low, high, message)])
