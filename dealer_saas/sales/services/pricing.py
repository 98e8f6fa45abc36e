"""Pricing rules: the Decimal totals of a quote or order (purchase tax, fees), the accessory
lines, the discount percentage and how many approval levels a price concession needs (store
thresholds: a discount, or a tax charged below the computed one), and the catalogue a price
comes from.

Purchase tax (购置税) is computed on the car's price only (list price less discount, VAT
removed), never on accessories, at the model's rate: the store's new-energy rate for a
new-energy model, else its standard rate (``sales.settings.purchase_tax_rates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ... import tenancy
from ...extensions import db
from ...inventory import services as inventory
from ...inventory.models import StockVehicle, VehicleModel
from ...tenancy import Store
from ...validation import InvalidValue, check_numeric
from .. import settings
from ..models import ZERO
from ._common import CENT, SalesError, money

#: the standard rate when no store says otherwise (a fraction, not %)
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


def default_purchase_tax(list_price: Any, discount: Any, *, rate: Decimal = PURCHASE_TAX_RATE) -> Decimal:
    """购置税: (price - discount) / 1.13 x rate, rounded half-up to the cent. Accessories are
    not part of the car's taxable price. ``rate`` is a fraction (0.10)."""
    base = money(list_price) - money(discount)
    return (max(base, ZERO) / VAT_DIVISOR * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def purchase_tax_rate(store: Store | None, model: VehicleModel | None) -> Decimal:
    """The model's purchase tax rate as a fraction: the store's new-energy rate for a
    new-energy model, else the store's standard rate (defaults 5 % and 10 %)."""
    standard, new_energy = settings.purchase_tax_rates(store)
    pct = new_energy if model is not None and model.is_new_energy else standard
    return pct / 100


def compute_totals(
    *,
    list_price: Any,
    discount: Any = None,
    accessories: list[dict] | None = None,
    insurance_amount: Any = None,
    purchase_tax: Any = None,
    registration_fee: Any = None,
    other_fees: Any = None,
    tax_rate: Decimal = PURCHASE_TAX_RATE,
) -> Totals:
    """Quote/order totals in Decimal. ``purchase_tax`` None means the default formula at
    ``tax_rate`` (:func:`purchase_tax_rate`). Raises SalesError for a negative amount or a
    discount above the list price."""
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
    tax = default_purchase_tax(price, discount_v, rate=tax_rate) if purchase_tax in (None, "") else money(purchase_tax)
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


def tax_shortfall(charged: Any, computed: Any) -> Decimal:
    """How much a tax or fee charged falls short of the computed one (0 when not below)."""
    if charged is None or charged == "" or computed is None:
        return ZERO
    return max(money(computed) - money(charged), ZERO)


def concession(discount: Any, *, tax_charged: Any = None, tax_computed: Any = None) -> Decimal:
    """What the customer is let off the price: the discount plus what the tax or fees charged
    fall short of the computed purchase tax (a tax waived is a discount by another name)."""
    return money(discount) + tax_shortfall(tax_charged, tax_computed)


def approval_levels_for(
    store: Store, list_price: Any, discount: Any, *, tax_charged: Any = None, tax_computed: Any = None
) -> int:
    """The one approval rule: the concession (:func:`concession`: the discount plus any tax
    charged below the computed one) as a % of the list price; 0 when at or below the
    sales-manager threshold, 1 above it, 2 above the store-manager threshold too (store
    settings, defaults 3% and 6%)."""
    sales_manager_pct, store_manager_pct = settings.approval_thresholds(store)
    price = money(list_price)
    off = concession(discount, tax_charged=tax_charged, tax_computed=tax_computed)
    # exact: the rounded percentage is for display (3.004 % shows as 3.00 % but is above 3 %)
    if price <= 0:
        return 0
    if off * 100 > Decimal(store_manager_pct) * price:
        return 2
    if off * 100 > Decimal(sales_manager_pct) * price:
        return 1
    return 0


def order_tax_computed(order: Any) -> Decimal:
    """The purchase tax the order's car price carries by the rule (its model's rate, its
    store's settings): what the order's tax and fees are compared with."""
    return default_purchase_tax(
        order.list_price, order.discount, rate=purchase_tax_rate(tenancy.store_of(order), order.vehicle_model)
    )


def order_approval_levels(order: Any) -> int:
    """:func:`approval_levels_for` for an order. An order keeps its purchase tax and fees as one
    amount (``fees_total``): that amount is what is compared with the computed purchase tax."""
    return approval_levels_for(
        tenancy.store_of(order),
        order.list_price,
        order.discount,
        tax_charged=order.fees_total,
        tax_computed=order_tax_computed(order),
    )


# --------------------------------------------------------------------------- deal figures


@dataclass(frozen=True)
class DealFigures:
    """What a manager decides an order on: the discount (money, %), any tax charged below the
    computed one, the car (allocated, or the oldest matching one in stock before allocation),
    its cost and days in stock, and the deal's gross margin (:func:`gross_margin`)."""

    discount: Decimal
    discount_pct: Decimal
    tax_shortfall: Decimal
    vehicle: StockVehicle | None
    allocated: bool
    cost: Decimal | None
    days_in_stock: int | None
    margin: Decimal | None
    margin_pct: Decimal | None


def gross_margin(
    list_price: Any, discount: Any, cost: Any, *, tax_shortfall: Any = ZERO
) -> tuple[Decimal | None, Decimal | None]:
    """The deal's gross margin (毛利), money and % of the car's selling price.

    Definition: the car's selling price (list price less the discount) minus the car's cost
    (``StockVehicle.cost``, the purchase price as booked, VAT included like the price), less
    any purchase tax or fee the store waived below the computed one (it pays the difference).
    Accessories, insurance and registration fees are left out: the data keeps no cost for
    them, and tax and fees are passed on to the state. The % is of the selling price (list
    price less discount), to two decimals. (None, None) when the cost is unknown (no car, or
    a cost of 0 not yet booked).
    """
    selling = money(list_price) - money(discount)
    if cost is None or money(cost) <= 0:
        return None, None
    margin = selling - money(cost) - money(tax_shortfall)
    pct = (margin * 100 / selling).quantize(CENT, rounding=ROUND_HALF_UP) if selling > 0 else None
    return margin, pct


def _figures(order: Any, vehicle: StockVehicle | None, today: Any) -> DealFigures:
    allocated = order.stock_vehicle is not None
    shortfall = tax_shortfall(order.fees_total, order_tax_computed(order))
    cost = vehicle.cost if vehicle is not None else None
    margin, margin_pct = gross_margin(order.list_price, order.discount, cost, tax_shortfall=shortfall)
    return DealFigures(
        discount=money(order.discount),
        discount_pct=discount_percent(order.list_price, order.discount),
        tax_shortfall=shortfall,
        vehicle=vehicle,
        allocated=allocated,
        cost=money(cost) if cost is not None and money(cost) > 0 else None,
        days_in_stock=inventory.ageing_days(vehicle, today) if vehicle is not None else None,
        margin=margin,
        margin_pct=margin_pct,
    )


def deal_figures(orders: list[Any], stock: dict[int, list[StockVehicle]] | None = None) -> dict[int, DealFigures]:
    """:class:`DealFigures` by order id. An order without a car is costed on the oldest
    in-stock car of its model in its store (the one allocation offers first; in the read-only
    roll-up the other stores' cars are not the reference): one query per model (``stock``:
    the in-stock cars by model already read, ``allocation_choices``)."""
    today = tenancy.store_today()
    stock = dict(stock or {})
    result: dict[int, DealFigures] = {}
    for order in orders:
        vehicle = order.stock_vehicle
        if vehicle is None and order.status not in ("delivered", "cancelled"):
            if order.model_id not in stock:
                stock[order.model_id] = inventory.available_for_model(order.model_id)
            vehicle = next((car for car in stock[order.model_id] if car.store_id == order.store_id), None)
        result[order.id] = _figures(order, vehicle, today)
    return result


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
