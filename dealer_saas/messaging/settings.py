"""The messaging module's store settings: quiet hours (no customer message is sent inside
them: it waits for the next allowed time) and the per-store throttle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from .. import settings
from ..domain import DomainError
from ..registry import SettingsSection

#: field -> (default, minimum, maximum)
_LIMITS: dict[str, tuple[int, int, int]] = {
    "quiet_from": (21, 0, 23),  # quiet from this hour (store's zone) ...
    "quiet_until": (9, 0, 23),  # ... until this hour; equal hours mean no quiet time
    "per_minute": (300, 1, 100_000),  # customer messages the store sends per minute at most
}


@dataclass(frozen=True)
class Policy:
    quiet_from: int = 21
    quiet_until: int = 9
    per_minute: int = 300


def policy(store: Any) -> Policy:
    """The store's quiet hours and throttle (defaults 21:00-09:00, 300 a minute)."""
    stored = settings.section(store, "messaging_policy")
    values = {}
    for name, (default, low, high) in _LIMITS.items():
        value = settings.int_or(stored.get(name), default, minimum=low)
        values[name] = value if value <= high else default
    return Policy(**values)


def _load(store: Any) -> dict[str, Any]:
    current = policy(store)
    return {f"messaging_{name}": getattr(current, name) for name in _LIMITS}


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    values: dict[str, int] = {}
    for name, (_default, low, high) in _LIMITS.items():
        key = f"messaging_{name}"
        try:
            value = int(data.get(key))
        except (TypeError, ValueError):
            raise DomainError(_("请输入整数。"), key) from None
        if not low <= value <= high:
            raise DomainError(_("需在 %(a)s 到 %(b)s 之间。", a=low, b=high), key)
        values[name] = value
    new["messaging_policy"] = values


def _int_field(label: Any, name: str) -> IntegerField:
    _default, low, high = _LIMITS[name]
    return IntegerField(
        label,
        validators=[InputRequired(_l("请输入整数")), NumberRange(low, high, _l("超出允许范围"))],
        render_kw={"type": "number", "inputmode": "numeric", "min": low, "max": high},
    )


POLICY_SECTION = SettingsSection(
    "messaging_policy",
    _l("客户消息：免打扰时段与发送速率"),
    fields={
        "messaging_quiet_from": _int_field(_l("免打扰开始（时）"), "quiet_from"),
        "messaging_quiet_until": _int_field(_l("免打扰结束（时）"), "quiet_until"),
        "messaging_per_minute": _int_field(_l("每分钟最多发送（条）"), "per_minute"),
    },
    load=_load,
    save=_save,
    permission="admin.settings",
    column="col-6 col-md-4",
    order=90,
)
