"""The service module's store settings: the appointment slots (length, bays and advisors
per slot, opening hours), the next-service rule (a store default and one per vehicle
model), and the labour rate per category."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import Length, Optional

from .. import settings
from ..domain import DomainError
from ..forms_base import money_field, setting_int
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
_WORKSHOP_LIMITS: dict[str, settings.IntRange] = {
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
    values = settings.stored_ints(settings.section(store, "service_workshop"), _WORKSHOP_LIMITS)
    if values["closes_hour"] <= values["opens_hour"]:
        values["opens_hour"], values["closes_hour"] = 8, 18
    return Workshop(**values)


def labour_rates(store: Any) -> dict[str, Decimal]:
    """Yuan per hour for each labour category (defaults in ``DEFAULT_RATES``)."""
    stored = settings.section(store, "labour_rates")
    return {code: settings.decimal_or(stored.get(code), DEFAULT_RATES[code]) for code in CATEGORIES}


def _save_workshop(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    values = settings.submitted_ints(data, _WORKSHOP_LIMITS, "workshop_")
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
    return setting_int(label, low, high)


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


# --------------------------------------------------------------------------- next service per model

MAX_INTERVAL_RULES = 60


@dataclass(frozen=True)
class ServiceInterval:
    """The next service after ``months`` or ``km``, whichever comes first (``model``: the
    vehicle model it applies to, or "" for the store's default)."""

    model: str
    months: int
    km: int

    def as_line(self) -> str:
        return f"{self.model} | {self.months} | {self.km}"


def _model_key(name: str | None) -> str:
    return "".join((name or "").split()).casefold()


def interval_rules(store: Any) -> list[ServiceInterval]:
    """The store's rules per vehicle model (none until the store sets them)."""
    stored = settings.raw(store).get("service_intervals")
    rules: list[ServiceInterval] = []
    for row in stored if isinstance(stored, list) else []:
        try:
            model, months, km = str(row["model"])[:60], int(row["months"]), int(row["km"])
        except (KeyError, TypeError, ValueError):
            continue
        low_m, high_m = _WORKSHOP_LIMITS["interval_months"][1:]
        low_k, high_k = _WORKSHOP_LIMITS["interval_km"][1:]
        if model and low_m <= months <= high_m and low_k <= km <= high_k:
            rules.append(ServiceInterval(model, months, km))
    return rules


def interval_for(store: Any, model: str | None) -> ServiceInterval:
    """The rule for a car of ``model`` (matched ignoring case and spaces), else the store's
    default interval (``workshop``)."""
    key = _model_key(model)
    if key:
        for rule in interval_rules(store):
            if _model_key(rule.model) == key:
                return rule
    default = workshop(store)
    return ServiceInterval("", default.interval_months, default.interval_km)


def parse_interval_rules(text: str | None) -> list[ServiceInterval]:
    """Lines "车型 | 月数 | 公里数"; raises DomainError naming the bad line."""
    low_m, high_m = _WORKSHOP_LIMITS["interval_months"][1:]
    low_k, high_k = _WORKSHOP_LIMITS["interval_km"][1:]
    rules: list[ServiceInterval] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("｜", "|")
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not parts[0]:
            raise DomainError(_("第 %(n)d 行：请写成“车型 | 月数 | 公里数”。", n=n), "service_intervals")
        if len(parts[0]) > 60:
            raise DomainError(_("第 %(n)d 行：车型名称太长。", n=n), "service_intervals")
        try:
            months, km = int(parts[1]), int(parts[2].replace(",", ""))
        except ValueError:
            raise DomainError(_("第 %(n)d 行：月数和公里数须为整数。", n=n), "service_intervals") from None
        if not low_m <= months <= high_m:
            raise DomainError(
                _("第 %(n)d 行：月数需在 %(a)s 到 %(b)s 之间。", n=n, a=low_m, b=high_m), "service_intervals"
            )
        if not low_k <= km <= high_k:
            raise DomainError(
                _("第 %(n)d 行：公里数需在 %(a)s 到 %(b)s 之间。", n=n, a=low_k, b=high_k), "service_intervals"
            )
        if any(_model_key(r.model) == _model_key(parts[0]) for r in rules):
            raise DomainError(_("第 %(n)d 行：车型重复。", n=n), "service_intervals")
        rules.append(ServiceInterval(parts[0], months, km))
    if len(rules) > MAX_INTERVAL_RULES:
        raise DomainError(_("最多 %(n)d 个车型。", n=MAX_INTERVAL_RULES), "service_intervals")
    return rules


def _save_intervals(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    new["service_intervals"] = [
        {"model": r.model, "months": r.months, "km": r.km} for r in parse_interval_rules(data.get("service_intervals"))
    ]


INTERVAL_SECTION = SettingsSection(
    "service_intervals",
    _l("按车型的保养周期（未列出的车型按上面的保养间隔）"),
    fields={
        "service_intervals": TextAreaField(
            _l("每行一个车型：车型 | 间隔月数 | 间隔公里数"),
            validators=[Optional(), Length(max=4000)],
            render_kw={"rows": 4, "placeholder": _l("朗逸 | 6 | 5000")},
        )
    },
    load=lambda store: {"service_intervals": "\n".join(rule.as_line() for rule in interval_rules(store))},
    save=_save_intervals,
    permission="service.settings",
    column="col-12",
    order=42,
)
