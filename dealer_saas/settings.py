"""Reading a store's settings (``Store.settings``) with their defaults.

Only the admin screens write these keys (``admin.services.update_store_settings``); every
other module reads them through the functions here so the defaults live in one place.
Stored shape::

    {"callback_days": {"H": 1, "A": 3, "B": 7, "C": 15},
     "approval_thresholds": {"sales_manager": "3", "store_manager": "6"},
     "default_deposit": "5000"}
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

#: intent levels in display order (the labels live in ``leads.models.INTENT_LEVELS``)
LEVELS = ("H", "A", "B", "C")
#: days until the next call-back per intent level
DEFAULT_CALLBACK_DAYS: dict[str, int] = {"H": 1, "A": 3, "B": 7, "C": 15}
#: discount % above which the sales manager must approve, and above which the store manager too
DEFAULT_APPROVAL_THRESHOLDS: tuple[Decimal, Decimal] = (Decimal("3"), Decimal("6"))
DEFAULT_DEPOSIT = Decimal("5000")


def _raw(store: Any) -> dict[str, Any]:
    settings = getattr(store, "settings", None)
    return settings if isinstance(settings, dict) else {}


def _decimal(value: Any, default: Decimal) -> Decimal:
    if value is None or value == "":
        return default
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return default
    return result if result.is_finite() else default


def callback_days(store: Any) -> dict[str, int]:
    """Days until the next call-back for each intent level H/A/B/C (defaults 1/3/7/15)."""
    stored = _raw(store).get("callback_days") or {}
    result = dict(DEFAULT_CALLBACK_DAYS)
    if isinstance(stored, dict):
        for level in LEVELS:
            try:
                days = int(stored.get(level))
            except (TypeError, ValueError):
                continue
            if days >= 0:
                result[level] = days
    return result


def approval_thresholds(store: Any) -> tuple[Decimal, Decimal]:
    """(sales manager %, store manager %): discounts above these need that approval (3, 6)."""
    stored = _raw(store).get("approval_thresholds") or {}
    if not isinstance(stored, dict):
        stored = {}
    return (
        _decimal(stored.get("sales_manager"), DEFAULT_APPROVAL_THRESHOLDS[0]),
        _decimal(stored.get("store_manager"), DEFAULT_APPROVAL_THRESHOLDS[1]),
    )


def default_deposit(store: Any) -> Decimal:
    """The deposit amount suggested on a new order (default 5000)."""
    return _decimal(_raw(store).get("default_deposit"), DEFAULT_DEPOSIT)
