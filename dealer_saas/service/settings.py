"""The service module's store settings: the appointment slots (length, bays and advisors
per slot, opening hours), the next-service rule, and the labour rate per category."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from .. import settings
from ..domain import DomainError
from ..forms_base import money_field
from ..registry import SettingsSection
from .models import CATEGORIES

#: the labour rate per category when the store set none (yuan per hour)
DEFAULT_RATES: dict[str, Decimal] = {
    "maintenance": Decimal("180"),
    "repair": Decimal("220"),
    "bodywork": Decimal("260"),
    "paint": Decimal("280"),
    "warranty": Decimal("150"),
    "pdi": Decimal("120"),
}
MAX_RATE = Decimal("100000")


@dataclass(frozen=True)
class Workshop:
    slot_minutes: int = 60
    bays: int = 4
    advisors: int = 3
    opens_hour: int = 8
    closes_hour: int = 18
    interval_months: int = 6
    interval_km: int = 5000

    @property
    def capacity(self) -> int:
        """Appointments one slot takes: each needs a bay and an advisor to receive it."""
        return min(self.bays, self.advisors)


#: field name -> (default, minimum, maximum)
_WORKSHOP_LIMITS: dict[str, tuple[int, int, int]] = {
    "slot_minutes": (60, 15, 240),
    "bays": (4, 1, 100),
    "advisors": (3, 1, 50),
    "opens_hour": (8, 0, 23),
    "closes_hour": (18, 1, 24),
    "interval_months": (6, 1, 36),
    "interval_km": (5000, 500, 100000),
}


def workshop(store: Any) -> Workshop:
    """The store's slot and next-service settings (defaults: 60 min, 4 bays, 3 advisors,
    08:00-18:00, every 6 months or 5000 km)."""
    stored = settings.section(store, "service_workshop")
    values = {}
    for name, (default, low, high) in _WORKSHOP_LIMITS.items():
        value = settings.int_or(stored.get(name), default, minimum=low)
        values[name] = value if value <= high else default
    if values["closes_hour"] <= values["opens_hour"]:
        values["opens_hour"], values["closes_hour"] = 8, 18
    return Workshop(**values)


def labour_rates(store: Any) -> dict[str, Decimal]:
    """Yuan per hour for each labour category (defaults in ``DEFAULT_RATES``)."""
    stored = settings.section(store, "labour_rates")
    return {code: settings.decimal_or(stored.get(code), DEFAULT_RATES[code]) for code in CATEGORIES}


def _save_workshop(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    values: dict[str, int] = {}
    for name, (_default, low, high) in _WORKSHOP_LIMITS.items():
        key = f"workshop_{name}"
        try:
            value = int(data.get(key))
        except (TypeError, ValueError):
            raise DomainError(_("请输入整数。"), key) from None
        if not low <= value <= high:
            raise DomainError(_("需在 %(a)s 到 %(b)s 之间。", a=low, b=high), key)
        values[name] = value
    if values["closes_hour"] <= values["opens_hour"]:
        raise DomainError(_("结束时间须晚于开始时间。"), "workshop_closes_hour")
    if (values["closes_hour"] - values["opens_hour"]) * 60 < values["slot_minutes"]:
        raise DomainError(_("营业时间内放不下一个时段。"), "workshop_slot_minutes")
    new["service_workshop"] = values


def _load_workshop(store: Any) -> dict[str, Any]:
    current = workshop(store)
    return {f"workshop_{name}": getattr(current, name) for name in _WORKSHOP_LIMITS}


def _save_rates(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    rates: dict[str, str] = {}
    for code in CATEGORIES:
        key = f"rate_{code}"
        value = settings.submitted_decimal(data.get(key), key)
        if value > MAX_RATE:
            raise DomainError(_("金额过大。"), key)
        rates[code] = str(value.quantize(Decimal("0.01")))
    new["labour_rates"] = rates


def _int_field(label: Any, name: str) -> IntegerField:
    _default, low, high = _WORKSHOP_LIMITS[name]
    return IntegerField(
        label,
        validators=[InputRequired(_l("请输入整数")), NumberRange(low, high, _l("超出允许范围"))],
        render_kw={"type": "number", "inputmode": "numeric", "min": low, "max": high},
    )


WORKSHOP_SECTION = SettingsSection(
    "service_workshop",
    _l("售后预约与保养周期"),
    fields={
        "workshop_slot_minutes": _int_field(_l("每个时段（分钟）"), "slot_minutes"),
        "workshop_bays": _int_field(_l("每时段工位数"), "bays"),
        "workshop_advisors": _int_field(_l("每时段服务顾问数"), "advisors"),
        "workshop_opens_hour": _int_field(_l("预约开始（时）"), "opens_hour"),
        "workshop_closes_hour": _int_field(_l("预约结束（时）"), "closes_hour"),
        "workshop_interval_months": _int_field(_l("保养间隔（月）"), "interval_months"),
        "workshop_interval_km": _int_field(_l("保养间隔（公里）"), "interval_km"),
    },
    load=_load_workshop,
    save=_save_workshop,
    permission="service.settings",
    column="col-6 col-md-4",
    order=40,
)

LABOUR_RATE_SECTION = SettingsSection(
    "labour_rates",
    _l("工时单价（元/小时）"),
    fields={
        f"rate_{code}": money_field(label, required=_l("请输入金额"), message=_l("不能为负数"))
        for code, label in CATEGORIES.items()
    },
    load=lambda store: {f"rate_{code}": rate for code, rate in labour_rates(store).items()},
    save=_save_rates,
    permission="service.settings",
    column="col-6 col-md-4",
    order=41,
)
