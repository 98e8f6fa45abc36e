"""The marketing module's store settings: which customer reminders are sent and their lead
times (maintenance days ahead, insurance renewal days before expiry)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Length

from .. import settings
from ..domain import DomainError
from ..forms_base import setting_int
from ..registry import SettingsSection

KEY = "marketing_reminders"
DEFAULT_INSURANCE_DAYS = (60, 30)
MAX_LEAD_DAYS = 120


@dataclass(frozen=True)
class Reminders:
    maintenance: bool = True
    maintenance_days: int = 7
    insurance: bool = True
    #: days before the policy's expiry, largest first (one message per lead time)
    insurance_days: tuple[int, ...] = DEFAULT_INSURANCE_DAYS
    birthday: bool = True
    appointments: bool = True


def parse_days(text: Any) -> tuple[int, ...]:
    """ "60,30" -> (60, 30): distinct lead times 1..120, largest first; ValueError otherwise."""
    parts = [p.strip() for p in str(text or "").replace("，", ",").split(",") if p.strip()]
    days = sorted({int(p) for p in parts}, reverse=True)
    if not days or len(days) > 4 or any(not 1 <= d <= MAX_LEAD_DAYS for d in days):
        raise ValueError(text)
    return tuple(days)


def reminders(store: Any) -> Reminders:
    """The store's reminder settings (defaults: all on, maintenance 7 days ahead, insurance
    60 and 30 days before expiry)."""
    stored = settings.section(store, KEY)
    try:
        insurance_days = parse_days(",".join(str(d) for d in stored.get("insurance_days") or []))
    except (TypeError, ValueError):
        insurance_days = DEFAULT_INSURANCE_DAYS
    days = settings.int_or(stored.get("maintenance_days"), 7, minimum=1)
    return Reminders(
        maintenance=bool(stored.get("maintenance", True)),
        maintenance_days=days if days <= MAX_LEAD_DAYS else 7,
        insurance=bool(stored.get("insurance", True)),
        insurance_days=insurance_days,
        birthday=bool(stored.get("birthday", True)),
        appointments=bool(stored.get("appointments", True)),
    )


def _load(store: Any) -> dict[str, Any]:
    current = reminders(store)
    return {
        "reminder_maintenance": current.maintenance,
        "reminder_maintenance_days": current.maintenance_days,
        "reminder_insurance": current.insurance,
        "reminder_insurance_days": ",".join(str(d) for d in current.insurance_days),
        "reminder_birthday": current.birthday,
        "reminder_appointments": current.appointments,
    }


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    days = settings.submitted_int(data.get("reminder_maintenance_days"), "reminder_maintenance_days", 1, MAX_LEAD_DAYS)
    try:
        insurance_days = parse_days(data.get("reminder_insurance_days"))
    except (TypeError, ValueError):
        raise DomainError(
            _("填写 1 到 4 个 1-%(n)s 之间的天数，用逗号分隔（如 60,30）。", n=MAX_LEAD_DAYS), "reminder_insurance_days"
        ) from None
    new[KEY] = {
        "maintenance": bool(data.get("reminder_maintenance")),
        "maintenance_days": days,
        "insurance": bool(data.get("reminder_insurance")),
        "insurance_days": list(insurance_days),
        "birthday": bool(data.get("reminder_birthday")),
        "appointments": bool(data.get("reminder_appointments")),
    }


REMINDER_SECTION = SettingsSection(
    KEY,
    _l("客户提醒"),
    fields={
        "reminder_maintenance": BooleanField(_l("发送保养到期提醒")),
        "reminder_maintenance_days": setting_int(_l("保养提前天数"), 1, MAX_LEAD_DAYS),
        "reminder_insurance": BooleanField(_l("发送保险续保提醒")),
        "reminder_insurance_days": StringField(
            _l("续保提前天数（逗号分隔）"), validators=[InputRequired(_l("请填写天数")), Length(max=20)]
        ),
        "reminder_birthday": BooleanField(_l("发送生日祝福")),
        "reminder_appointments": BooleanField(_l("发送预约确认与前一天提醒")),
    },
    load=_load,
    save=_save,
    permission="marketing.manage",
    column="col-6 col-md-4",
    order=70,
)
