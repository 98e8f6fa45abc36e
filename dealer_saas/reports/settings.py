"""The reports module's store settings: how likely an open card of each intent level is to
become an order within 30 days (the pipeline forecast's weights)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange, Optional

from .. import settings
from ..domain import DomainError
from ..forms_base import NumericField
from ..registry import SettingsSection

#: intent levels in display order (labels in ``leads.models.INTENT_LEVELS``)
LEVELS = ("H", "A", "B", "C")
#: % of open cards of each level expected to order within 30 days (H buys within 7 days,
#: A within 15, B within 30, C later)
DEFAULT_PROBABILITIES: dict[str, Decimal] = {
    "H": Decimal("70"),
    "A": Decimal("40"),
    "B": Decimal("15"),
    "C": Decimal("5"),
}


def order_probabilities(store: Any) -> dict[str, Decimal]:
    """The store's % per intent level H/A/B/C (defaults 70/40/15/5); junk falls back."""
    stored = settings.section(store, "forecast_probabilities")
    result = {}
    for level in LEVELS:
        value = settings.decimal_or(stored.get(level), DEFAULT_PROBABILITIES[level])
        result[level] = value if 0 <= value <= 100 else DEFAULT_PROBABILITIES[level]
    return result


def _field_name(level: str) -> str:
    return f"forecast_{level.lower()}"


def _load(store: Any) -> dict[str, Any]:
    probabilities = order_probabilities(store)
    return {_field_name(level): probabilities[level] for level in LEVELS}


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    """Blank means the default of that level."""
    values: dict[str, str] = {}
    for level in LEVELS:
        key = _field_name(level)
        raw = data.get(key)
        if raw is None or str(raw).strip() == "":
            values[level] = str(DEFAULT_PROBABILITIES[level])
            continue
        value = settings.submitted_decimal(raw, key)
        if value > 100:
            raise DomainError(_("比例不能超过 100%。"), key)
        values[level] = str(value.normalize())
    new["forecast_probabilities"] = values


def _percent_field(label: Any) -> NumericField:
    return NumericField(
        label,
        validators=[Optional(), NumberRange(0, 100, _l("比例需在 0 到 100 之间"))],
        digits=5,
        places=2,
    )


FORECAST_SECTION = SettingsSection(
    "forecast_probabilities",
    _l("成交预测（30天内下单概率）"),
    fields={
        "forecast_h": _percent_field(_l("H级意向（%）")),
        "forecast_a": _percent_field(_l("A级意向（%）")),
        "forecast_b": _percent_field(_l("B级意向（%）")),
        "forecast_c": _percent_field(_l("C级意向（%）")),
    },
    load=_load,
    save=_save,
    permission="reports.targets",
    column="col-6 col-md-3",
    order=40,
)
