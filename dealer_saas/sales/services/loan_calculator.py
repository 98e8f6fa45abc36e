"""The loan calculator of a quote or an order (贷款计算器): the store's loan plans
(``sales.settings.loan_plans``), a down payment and a term give the monthly payment.

The loan pays for the car (list price less discount) less the down payment; the rest of the
deal (purchase tax, insurance, accessories, fees) is paid at signing with the down payment.
The monthly payment is the annuity ``P x r / (1 - (1 + r)^-n)`` with ``r`` the monthly rate
(annual % / 12 / 100) the customer pays, the plan's subsidised rate (贴息后年利率); at 0 %
it is ``P / n``. Everything is Decimal, the payment rounded half-up to the cent. The subsidy
(贴息金额) is the interest at the lender's rate less the interest the customer pays.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from flask_babel import gettext as _

from ...tenancy import Store
from .. import settings
from ..models import ZERO
from ..settings import LoanPlan
from ._common import CENT, SalesError, money

DEFAULT_TERM = 36


def monthly_payment(principal: Any, annual_rate_pct: Any, months: int) -> Decimal:
    """The annuity payment of a loan of ``principal`` over ``months`` at ``annual_rate_pct``
    (a %, e.g. 4.5), rounded half-up to the cent."""
    p = money(principal)
    if months <= 0:
        raise SalesError(_("请选择期数。"), "term")
    if p <= 0:
        return ZERO
    with localcontext() as ctx:
        ctx.prec = 40
        r = Decimal(str(annual_rate_pct)) / Decimal(1200)
        if r == 0:
            payment = p / months
        else:
            payment = p * r / (1 - (1 + r) ** -months)
    return payment.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LoanQuote:
    plan: LoanPlan
    car_price: Decimal
    down_payment: Decimal
    down_payment_pct: Decimal
    min_down_payment: Decimal
    principal: Decimal
    term: int
    monthly: Decimal
    total_interest: Decimal
    #: the interest the subsidy (贴息) covers: at the lender's rate less what the customer pays
    subsidy: Decimal
    #: paid at signing: the down payment plus the rest of the deal (tax, insurance, accessories, fees)
    due_at_signing: Decimal


@dataclass
class LoanCalculator:
    """The calculator's state for a template: the plans, what was chosen, the result (or the
    error beside its field)."""

    plans: list[LoanPlan]
    plan: LoanPlan | None = None
    term: int | None = None
    down_payment: Any = None
    result: LoanQuote | None = None
    error: str | None = None
    error_field: str | None = None


def _min_down(plan: LoanPlan, car_price: Decimal) -> Decimal:
    return (car_price * plan.min_down_pct / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def loan_quote(plan: LoanPlan, *, car_price: Any, deal_total: Any, down_payment: Any, term: int) -> LoanQuote:
    """One plan's figures; raises SalesError (field ``down_payment`` / ``term``)."""
    price = money(car_price)
    if term not in plan.terms:
        raise SalesError(_("该方案可选期数：%(t)s 期。", t="/".join(str(t) for t in plan.terms)), "term")
    down = money(down_payment)
    if not down.is_finite() or down < 0:
        raise SalesError(_("金额格式不正确。"), "down_payment")
    minimum = _min_down(plan, price)
    if down < minimum:
        raise SalesError(
            _("首付不能低于 %(m)s（车价的 %(p)s%%）。", m=f"¥{minimum:,.2f}", p=settings._plain(plan.min_down_pct)),
            "down_payment",
        )
    if down >= price:
        raise SalesError(_("首付已覆盖车价，无需贷款。"), "down_payment")
    principal = price - down
    monthly = monthly_payment(principal, plan.subsidised_rate, term)
    lender_monthly = monthly_payment(principal, plan.annual_rate, term)
    total_interest = monthly * term - principal
    subsidy = max(lender_monthly * term - monthly * term, ZERO)
    return LoanQuote(
        plan=plan,
        car_price=price,
        down_payment=down,
        down_payment_pct=(down * 100 / price).quantize(CENT, rounding=ROUND_HALF_UP) if price > 0 else ZERO,
        min_down_payment=minimum,
        principal=principal,
        term=term,
        monthly=monthly,
        total_interest=max(total_interest, ZERO),
        subsidy=subsidy,
        due_at_signing=down + max(money(deal_total) - price, ZERO),
    )


def calculator(store: Store, *, car_price: Any, deal_total: Any, args: Any | None = None) -> LoanCalculator:
    """The calculator for a deal, from the request's ``plan``, ``down_payment`` and ``term``
    (missing or unknown: the first plan, its minimum down payment, 36 months or its longest
    term). Refused input is reported beside its field, never raised."""
    args = args or {}
    plans = settings.loan_plans(store)
    calc = LoanCalculator(plans=plans)
    if not plans:
        return calc
    wanted = (args.get("plan") or "").strip()
    calc.plan = next((p for p in plans if p.name == wanted), plans[0])
    try:
        term = int(args.get("term") or 0)
    except (TypeError, ValueError):
        term = 0
    if term not in calc.plan.terms:
        term = DEFAULT_TERM if DEFAULT_TERM in calc.plan.terms else calc.plan.terms[-1]
    calc.term = term
    price = money(car_price)
    raw_down = (args.get("down_payment") or "").strip().replace(",", "").replace("¥", "")[:20]
    calc.down_payment = raw_down or str(_min_down(calc.plan, price))
    try:
        calc.result = loan_quote(
            calc.plan, car_price=price, deal_total=deal_total, down_payment=calc.down_payment, term=term
        )
    except SalesError as error:
        calc.error, calc.error_field = str(error), error.field or "down_payment"
    return calc
