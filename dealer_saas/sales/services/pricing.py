"""Pricing rules: the Decimal totals of a quote or order (purchase tax, fees), the accessory
lines, the discount percentage and how many approval levels a discount needs (store
thresholds), and the catalogue a price comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ... import tenancy
from ...extensions import db
from ...inventory.models import VehicleModel
from ...tenancy import Store
from ...validation import InvalidValue, check_numeric
from .. import settings
from ..models import ZERO
from ._common import CENT, SalesError, money

PURCHASE_TAX_RATE = Decimal("0.10")
VAT_DIVISOR = Decimal("1.13")
MAX_ACCESSORIES = 10


@dataclass(frozen=True)
class Totals:
    list_price: Decimal
    discount: Decimal
    accessories_total: Decimal
    insurance_amount: Decimal
    purchase_tax: Decimal
    registration_fee: Decimal
    other_fees: Decimal
    total: Decimal

    @property
    def fees_total(self) -> Decimal:
        return self.purchase_tax + self.registration_fee + self.other_fees


def default_purchase_tax(list_price: Any, discount: Any, accessories_total: Any) -> Decimal:
    """购置税: (price - discount + accessories) / 1.13 x 10%, rounded half-up to the cent."""
    base = money(list_price) - money(discount) + money(accessories_total)
    return (max(base, ZERO) / VAT_DIVISOR * PURCHASE_TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


def compute_totals(
    *,
    list_price: Any,
    discount: Any = None,
    accessories: list[dict] | None = None,
    insurance_amount: Any = None,
    purchase_tax: Any = None,
    registration_fee: Any = None,
    other_fees: Any = None,
) -> Totals:
    """Quote/order totals in Decimal. ``purchase_tax`` None means the default formula.
    Raises SalesError for a negative amount or a discount above the list price."""
    price = money(list_price)
    discount_v = money(discount)
    accessories_total = sum((money(a.get("price")) for a in accessories or []), ZERO)
    values = {
        "discount": discount_v,
        "insurance_amount": money(insurance_amount),
        "registration_fee": money(registration_fee),
        "other_fees": money(other_fees),
    }
    for name, value in values.items():
        if value < 0:
            raise SalesError(_("金额不能为负数。"), name)
    if discount_v > price:
        raise SalesError(_("优惠不能超过指导价。"), "discount")
    tax = (
        default_purchase_tax(price, discount_v, accessories_total)
        if purchase_tax in (None, "")
        else money(purchase_tax)
    )
    if tax < 0:
        raise SalesError(_("金额不能为负数。"), "purchase_tax")
    total = (
        price
        - discount_v
        + accessories_total
        + values["insurance_amount"]
        + tax
        + values["registration_fee"]
        + values["other_fees"]
    )
    for name, amount in (("accessories", accessories_total), (None, total)):
        try:
            check_numeric(amount)
        except InvalidValue:
            raise SalesError(_("合计金额过大，请核对各项金额。"), name) from None
    return Totals(
        price,
        discount_v,
        accessories_total,
        values["insurance_amount"],
        tax,
        values["registration_fee"],
        values["other_fees"],
        total,
    )


def parse_accessories(text: str | None) -> list[dict]:
    """Accessory lines "名称 价格" (one per line) as [{"name", "price"}]; raises SalesError
    naming the bad line."""
    rows: list[dict] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("，", " ").replace(",", " ").replace("\t", " ")
        if not line:
            continue
        parts = line.rsplit(None, 1)
        if len(parts) != 2:
            raise SalesError(_("第 %(n)d 行：请写成“名称 价格”。", n=n), "accessories")
        name, price_text = parts[0].strip(), parts[1].replace("¥", "").replace("元", "")
        try:
            price = check_numeric(Decimal(price_text).quantize(CENT, rounding=ROUND_HALF_UP))
        except (InvalidOperation, ValueError, InvalidValue):
            raise SalesError(_("第 %(n)d 行：价格不是有效的金额。", n=n), "accessories") from None
        if price < 0 or not price.is_finite():
            raise SalesError(_("第 %(n)d 行：价格不能为负数。", n=n), "accessories")
        if len(name) > 60:
            raise SalesError(_("第 %(n)d 行：名称太长。", n=n), "accessories")
        rows.append({"name": name, "price": str(price)})
    if len(rows) > MAX_ACCESSORIES:
        raise SalesError(_("精品/附件最多 %(n)d 项。", n=MAX_ACCESSORIES), "accessories")
    return rows


def format_accessories(rows: list[dict] | None) -> str:
    return "\n".join(f"{r.get('name', '')} {r.get('price', '')}" for r in rows or [])


def discount_percent(list_price: Any, discount: Any) -> Decimal:
    """Discount as a percentage of the list price, to two decimals."""
    price = money(list_price)
    if price <= 0:
        return ZERO
    return (money(discount) * 100 / price).quantize(CENT, rounding=ROUND_HALF_UP)


def approval_levels_for(store: Store, list_price: Any, discount: Any) -> int:
    """0 when the discount % is at or below the sales-manager threshold, 1 above it, 2 above
    the store-manager threshold too (store settings, defaults 3% and 6%)."""
    sales_manager_pct, store_manager_pct = settings.approval_thresholds(store)
    price, off = money(list_price), money(discount)
    # exact: the rounded percentage is for display (3.004 % shows as 3.00 % but is above 3 %)
    if price <= 0:
        return 0
    if off * 100 > Decimal(store_manager_pct) * price:
        return 2
    if off * 100 > Decimal(sales_manager_pct) * price:
        return 1
    return 0


# --------------------------------------------------------------------------- catalogue


def model_choices() -> list[VehicleModel]:
    """The organisation's active models for a select."""
    return list(
        db.session.execute(
            select(VehicleModel)
            .where(VehicleModel.is_active.is_(True))
            .order_by(VehicleModel.brand, VehicleModel.series, VehicleModel.trim)
        ).scalars()
    )


def _catalogue_model(model_id: Any) -> VehicleModel:
    model = tenancy.get_or_none(VehicleModel, model_id)
    if model is None or not model.is_active:
        raise SalesError(_("请选择车型。"), "model_id")
    return model
