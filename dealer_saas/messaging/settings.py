"""The messaging module's store settings: quiet hours (no customer message is sent inside
them: it waits for the next allowed time) and the per-store throttle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField

from .. import settings
from ..forms_base import setting_int
from ..registry import SettingsSection

#: field -> (default, minimum, maximum)
_LIMITS: dict[str, settings.IntRange] = {
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
    return Policy(**settings.stored_ints(settings.section(store, "messaging_policy"), _LIMITS))


def _load(store: Any) -> dict[str, Any]:
    current = policy(store)
    return {f"messaging_{name}": getattr(current, name) for name in _LIMITS}


def _save(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    new["messaging_policy"] = settings.submitted_ints(data, _LIMITS, "messaging_")


def _int_field(label: Any, name: str) -> IntegerField:
    _default, low, high = _LIMITS[name]
    return setting_int(label, low, high)


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
