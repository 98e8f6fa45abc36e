"""The leads module's store settings: days until the next call-back per intent level."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField

from .. import settings
from ..domain import DomainError
from ..forms_base import bounded_int
from ..registry import SettingsSection

#: intent levels in display order (the labels live in ``leads.models.INTENT_LEVELS``)
LEVELS = ("H", "A", "B", "C")
#: days until the next call-back per intent level
DEFAULT_CALLBACK_DAYS: dict[str, int] = {"H": 1, "A": 3, "B": 7, "C": 15}
MAX_DAYS = 365


def callback_days(store: Any) -> dict[str, int]:
    """Days until the next call-back for each intent level H/A/B/C (defaults 1/3/7/15)."""
    stored = settings.section(store, "callback_days")
    return {level: settings.int_or(stored.get(level), DEFAULT_CALLBACK_DAYS[level]) for level in LEVELS}


def _field_name(level: str) -> str:
    return f"callback_{level.lower()}"


def _load(store: Any) -> dict[str, Any]:
    days = callback_days(store)
    return {_field_name(level): days[level] for level in LEVELS}


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    days: dict[str, int] = {}
    for level in LEVELS:
        key = _field_name(level)
        try:
            value = int(data.get(key))
        except (TypeError, ValueError):
            raise DomainError(_("请输入天数。"), key) from None
        if not 0 <= value <= MAX_DAYS:
            raise DomainError(_("天数需在 0 到 365 之间。"), key)
        days[level] = value
    new["callback_days"] = days


def _days_field(label: Any) -> IntegerField:
    return bounded_int(
        label,
        0,
        MAX_DAYS,
        required=_l("请输入天数"),
        message=_l("天数需在 0 到 365 之间"),
        render_kw={"type": "number", "inputmode": "numeric", "min": 0, "max": MAX_DAYS},
    )


CALLBACK_SECTION = SettingsSection(
    "callback_days",
    _l("意向客户回访间隔"),
    fields={
        "callback_h": _days_field(_l("H级回访间隔（天）")),
        "callback_a": _days_field(_l("A级回访间隔（天）")),
        "callback_b": _days_field(_l("B级回访间隔（天）")),
        "callback_c": _days_field(_l("C级回访间隔（天）")),
    },
    load=_load,
    save=_save,
    permission="sales.settings",
    column="col-6 col-md-3",
    order=10,
)
