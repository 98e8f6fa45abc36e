"""The sales module's store settings: discount approval thresholds and the default deposit."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired, NumberRange

from .. import settings
from ..domain import DomainError
from ..forms_base import NumericField, money_field
from ..registry import SettingsSection

#: discount % above which the sales manager must approve, and above which the store manager too
DEFAULT_APPROVAL_THRESHOLDS: tuple[Decimal, Decimal] = (Decimal("3"), Decimal("6"))
DEFAULT_DEPOSIT = Decimal("5000")
MAX_DEPOSIT = Decimal("10000000")


def approval_thresholds(store: Any) -> tuple[Decimal, Decimal]:
    """(sales manager %, store manager %): discounts above these need that approval (3, 6)."""
    stored = settings.section(store, "approval_thresholds")
    return (
        settings.decimal_or(stored.get("sales_manager"), DEFAULT_APPROVAL_THRESHOLDS[0]),
        settings.decimal_or(stored.get("store_manager"), DEFAULT_APPROVAL_THRESHOLDS[1]),
    )


def default_deposit(store: Any) -> Decimal:
    """The deposit amount suggested on a new order (default 5000)."""
    return settings.decimal_or(settings.raw(store).get("default_deposit"), DEFAULT_DEPOSIT)


def _load_thresholds(store: Any) -> dict[str, Any]:
    sales_manager, store_manager = approval_thresholds(store)
    return {"threshold_sales_manager": sales_manager, "threshold_store_manager": store_manager}


def _save_thresholds(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    sales_manager = settings.submitted_decimal(data.get("threshold_sales_manager"), "threshold_sales_manager")
    store_manager = settings.submitted_decimal(data.get("threshold_store_manager"), "threshold_store_manager")
    if sales_manager > 100:
        raise DomainError(_("折扣比例不能超过 100%。"), "threshold_sales_manager")
    if store_manager > 100:
        raise DomainError(_("折扣比例不能超过 100%。"), "threshold_store_manager")
    if store_manager < sales_manager:
        raise DomainError(_("总经理审批线不能低于销售经理审批线。"), "threshold_store_manager")
    new["approval_thresholds"] = {
        "sales_manager": str(sales_manager.normalize()),
        "store_manager": str(store_manager.normalize()),
    }


def _save_deposit(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    deposit = settings.submitted_decimal(data.get("default_deposit"), "default_deposit")
    if deposit > MAX_DEPOSIT:
        raise DomainError(_("金额过大。"), "default_deposit")
    new["default_deposit"] = str(deposit.quantize(Decimal("0.01")))


def _percent_field(label: Any) -> NumericField:
    # Numeric(5, 2) bounds: never NaN, infinite or more digits than a percentage has
    return NumericField(
        label,
        validators=[InputRequired(_l("请输入比例")), NumberRange(0, 100, _l("比例需在 0 到 100 之间"))],
        digits=5,
        places=2,
        render_kw={"inputmode": "decimal"},
    )


APPROVAL_SECTION = SettingsSection(
    "approval_thresholds",
    _l("订单折扣审批"),
    fields={
        "threshold_sales_manager": _percent_field(_l("折扣超过此比例需销售经理审批（%）")),
        "threshold_store_manager": _percent_field(_l("折扣超过此比例还需总经理审批（%）")),
    },
    load=_load_thresholds,
    save=_save_thresholds,
    permission="sales.settings",
    order=20,
)

DEPOSIT_SECTION = SettingsSection(
    "default_deposit",
    _l("订金"),
    fields={"default_deposit": money_field(_l("默认订金（元）"), required=_l("请输入金额"), message=_l("不能为负数"))},
    load=lambda store: {"default_deposit": default_deposit(store)},
    save=_save_deposit,
    permission="sales.settings",
    order=30,
)
