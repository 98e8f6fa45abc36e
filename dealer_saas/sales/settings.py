"""The sales module's store settings: discount approval thresholds, the default deposit, the
purchase tax rates (standard and new-energy) and the loan plans of the loan calculator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .. import settings
from ..domain import DomainError
from ..forms_base import NumericField, money_field
from ..registry import SettingsSection

#: discount % above which the sales manager must approve, and above which the store manager too
DEFAULT_APPROVAL_THRESHOLDS: tuple[Decimal, Decimal] = (Decimal("3"), Decimal("6"))
DEFAULT_DEPOSIT = Decimal("5000")
MAX_DEPOSIT = Decimal("10000000")
#: 购置税 rates in %: the standard rate and the reduced rate of new-energy models
DEFAULT_PURCHASE_TAX_RATES: tuple[Decimal, Decimal] = (Decimal("10"), Decimal("5"))
MAX_LOAN_PLANS = 10
MAX_RATE = Decimal("36")


def _plain(value: Decimal) -> str:
    """A decimal as plain text without trailing zeros ("10", not "1E+1")."""
    return format(value.normalize(), "f")


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
        "sales_manager": _plain(sales_manager),
        "store_manager": _plain(store_manager),
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


# --------------------------------------------------------------------------- purchase tax


def purchase_tax_rates(store: Any) -> tuple[Decimal, Decimal]:
    """(standard %, new-energy %) of the purchase tax (defaults 10 and 5)."""
    stored = settings.section(store, "purchase_tax")
    return (
        settings.decimal_or(stored.get("standard"), DEFAULT_PURCHASE_TAX_RATES[0]),
        settings.decimal_or(stored.get("new_energy"), DEFAULT_PURCHASE_TAX_RATES[1]),
    )


def _save_purchase_tax(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    standard = settings.submitted_decimal(data.get("purchase_tax_standard"), "purchase_tax_standard")
    new_energy = settings.submitted_decimal(data.get("purchase_tax_new_energy"), "purchase_tax_new_energy")
    for value, field in ((standard, "purchase_tax_standard"), (new_energy, "purchase_tax_new_energy")):
        if value > 100:
            raise DomainError(_("税率不能超过 100%。"), field)
    if new_energy > standard:
        raise DomainError(_("新能源车型税率不能高于标准税率。"), "purchase_tax_new_energy")
    new["purchase_tax"] = {"standard": _plain(standard), "new_energy": _plain(new_energy)}


def _load_purchase_tax(store: Any) -> dict[str, Any]:
    standard, new_energy = purchase_tax_rates(store)
    return {"purchase_tax_standard": standard, "purchase_tax_new_energy": new_energy}


PURCHASE_TAX_SECTION = SettingsSection(
    "purchase_tax",
    _l("购置税"),
    fields={
        "purchase_tax_standard": _percent_field(_l("购置税税率（%）")),
        "purchase_tax_new_energy": _percent_field(_l("新能源车型购置税税率（%）")),
    },
    load=_load_purchase_tax,
    save=_save_purchase_tax,
    permission="sales.settings",
    order=35,
)


# --------------------------------------------------------------------------- loan plans


@dataclass(frozen=True)
class LoanPlan:
    """One lender's plan: the lender's annual rate, the rate the customer pays after the
    subsidy (贴息, borne by the maker or the store), the terms allowed (months) and the
    minimum down payment as a % of the car's price."""

    name: str
    lender: str
    annual_rate: Decimal
    subsidised_rate: Decimal
    terms: tuple[int, ...]
    min_down_pct: Decimal

    def as_line(self) -> str:
        return " | ".join(
            (
                self.name,
                self.lender,
                _plain(self.annual_rate),
                _plain(self.subsidised_rate),
                "/".join(str(t) for t in self.terms),
                _plain(self.min_down_pct),
            )
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "lender": self.lender,
            "annual_rate": _plain(self.annual_rate),
            "subsidised_rate": _plain(self.subsidised_rate),
            "terms": list(self.terms),
            "min_down_pct": _plain(self.min_down_pct),
        }


def _plan_from_json(row: Any) -> LoanPlan | None:
    """A stored plan, or None when junk (a junk row is skipped, never a 500)."""
    if not isinstance(row, dict) or not row.get("name"):
        return None
    try:
        terms = tuple(sorted({int(t) for t in row.get("terms") or () if 1 <= int(t) <= 120}))
    except (TypeError, ValueError):
        return None
    annual = settings.decimal_or(row.get("annual_rate"), Decimal("-1"))
    subsidised = settings.decimal_or(row.get("subsidised_rate"), annual)
    down = settings.decimal_or(row.get("min_down_pct"), Decimal("0"))
    if not terms or not (0 <= subsidised <= annual <= MAX_RATE) or not (0 <= down <= 100):
        return None
    return LoanPlan(str(row["name"])[:40], str(row.get("lender") or "")[:80], annual, subsidised, terms, down)


def loan_plans(store: Any) -> list[LoanPlan]:
    """The store's loan plans (none until the store sets them)."""
    stored = settings.raw(store).get("loan_plans")
    plans = [_plan_from_json(row) for row in stored] if isinstance(stored, list) else []
    return [p for p in plans if p is not None]


def _percent(text: str, n: int, what: Any) -> Decimal:
    try:
        value = Decimal(text.strip().rstrip("%").strip())
    except (InvalidOperation, ValueError):
        raise DomainError(_("第 %(n)d 行：%(what)s不是有效的数字。", n=n, what=what), "loan_plans") from None
    if not value.is_finite() or value < 0:
        raise DomainError(_("第 %(n)d 行：%(what)s不能为负数。", n=n, what=what), "loan_plans")
    return value


def parse_loan_plans(text: str | None) -> list[LoanPlan]:
    """Plan lines "方案 | 贷款机构 | 年利率% | 贴息后年利率% | 期数(12/24/36) | 最低首付%";
    raises DomainError naming the bad line."""
    plans: list[LoanPlan] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip().replace("｜", "|")
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 6:
            raise DomainError(
                _("第 %(n)d 行：请写成“方案 | 贷款机构 | 年利率 | 贴息后年利率 | 期数 | 最低首付比例”。", n=n),
                "loan_plans",
            )
        name, lender = parts[0], parts[1]
        if not name or not lender:
            raise DomainError(_("第 %(n)d 行：请填写方案名称和贷款机构。", n=n), "loan_plans")
        if len(name) > 40 or len(lender) > 80:
            raise DomainError(_("第 %(n)d 行：名称太长。", n=n), "loan_plans")
        annual = _percent(parts[2], n, _("年利率"))
        subsidised = _percent(parts[3], n, _("贴息后年利率"))
        if annual > MAX_RATE:
            raise DomainError(_("第 %(n)d 行：年利率不能超过 %(max)s%%。", n=n, max=MAX_RATE), "loan_plans")
        if subsidised > annual:
            raise DomainError(_("第 %(n)d 行：贴息后年利率不能高于年利率。", n=n), "loan_plans")
        try:
            terms = tuple(
                sorted({int(t) for t in parts[4].replace("、", "/").replace(",", "/").split("/") if t.strip()})
            )
        except ValueError:
            raise DomainError(_("第 %(n)d 行：期数请写成“12/24/36”。", n=n), "loan_plans") from None
        if not terms or any(not 1 <= t <= 120 for t in terms):
            raise DomainError(_("第 %(n)d 行：期数应在 1 到 120 个月之间。", n=n), "loan_plans")
        down = _percent(parts[5], n, _("最低首付比例"))
        if down > 100:
            raise DomainError(_("第 %(n)d 行：最低首付比例不能超过 100%%。", n=n), "loan_plans")
        if any(p.name == name for p in plans):
            raise DomainError(_("第 %(n)d 行：方案名称重复。", n=n), "loan_plans")
        plans.append(LoanPlan(name, lender, annual, subsidised, terms, down))
    if len(plans) > MAX_LOAN_PLANS:
        raise DomainError(_("按揭方案最多 %(n)d 个。", n=MAX_LOAN_PLANS), "loan_plans")
    return plans


def _save_loan_plans(new: dict[str, Any], data: Mapping[str, Any]) -> None:
    new["loan_plans"] = [plan.as_json() for plan in parse_loan_plans(data.get("loan_plans"))]


LOAN_PLANS_SECTION = SettingsSection(
    "loan_plans",
    _l("按揭方案（贷款计算器）"),
    fields={
        "loan_plans": TextAreaField(
            _l("每行一个方案：方案 | 贷款机构 | 年利率% | 贴息后年利率% | 期数 | 最低首付%"),
            validators=[Optional(), Length(max=4000)],
            render_kw={"rows": 4, "placeholder": _l("厂家金融 0 息 | 某某汽车金融 | 4.5 | 0 | 12/24/36 | 30")},
        )
    },
    load=lambda store: {"loan_plans": "\n".join(plan.as_line() for plan in loan_plans(store))},
    save=_save_loan_plans,
    permission="sales.settings",
    column="col-12",
    order=40,
)
