"""Reading a store's settings (``Store.settings``, a JSON dict) safely.

Each module declares its own settings (``registry.SettingsSection``: the keys, defaults,
validation and the settings screen's fields) and reads them through its own functions
(``leads.settings.callback_days``, ``sales.settings.approval_thresholds`` ...), built on the
helpers here so a junk or missing value always falls back to the default. Only the settings
screen writes (``admin.services.update_store_settings``, which asks every section to save).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from .domain import DomainError


def raw(store: Any) -> dict[str, Any]:
    """The store's stored settings dict (empty when unset or not a dict)."""
    settings = getattr(store, "settings", None)
    return settings if isinstance(settings, dict) else {}


def section(store: Any, key: str) -> dict[str, Any]:
    """One module's part of the settings (a dict), empty when unset or junk."""
    value = raw(store).get(key)
    return value if isinstance(value, dict) else {}


def decimal_or(value: Any, default: Decimal) -> Decimal:
    """A stored decimal, or ``default`` when missing, junk or not finite."""
    if value is None or value == "":
        return default
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default
    return result if result.is_finite() else default


def int_or(value: Any, default: int, *, minimum: int = 0) -> int:
    """A stored integer, or ``default`` when missing, junk or below ``minimum``."""
    try:
        result = int(value)
    except (TypeError, ValueError):
        return default
    return result if result >= minimum else default


#: an integer setting's (default, minimum, maximum)
IntRange = tuple[int, int, int]


def stored_int(value: Any, limits: IntRange) -> int:
    """A stored integer within its range, or its default when missing, junk or outside."""
    default, low, high = limits
    result = int_or(value, default, minimum=low)
    return result if result <= high else default


def stored_ints(stored: Mapping[str, Any], limits: Mapping[str, IntRange]) -> dict[str, int]:
    """Every named integer of a section (``stored_int`` each)."""
    return {name: stored_int(stored.get(name), bounds) for name, bounds in limits.items()}


def submitted_int(value: Any, field: str, low: int, high: int) -> int:
    """An integer typed on the settings screen, within ``low``..``high`` (DomainError naming
    the field otherwise)."""
    try:
        result = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("请输入整数。"), field) from None
    if not low <= result <= high:
        raise DomainError(_("需在 %(a)s 到 %(b)s 之间。", a=low, b=high), field)
    return result


def submitted_ints(data: Mapping[str, Any], limits: Mapping[str, IntRange], prefix: str) -> dict[str, int]:
    """Every named integer of a section from the screen's fields ``<prefix><name>``."""
    return {
        name: submitted_int(data.get(prefix + name), prefix + name, low, high)
        for name, (_default, low, high) in limits.items()
    }


def submitted_decimal(value: Any, field: str) -> Decimal:
    """A non-negative decimal typed on the settings screen (DomainError naming the field)."""
    try:
        result = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("请输入数字。"), field) from None
    if not result.is_finite() or result < 0:
        raise DomainError(_("不能为负数。"), field)
    return result
