"""Loan and insurance rules: a loan application within the order total (all live loans
together too), its draft -> submitted -> approved / rejected -> disbursed table; a policy for
the order's customer and car, a year long by default, quoted -> issued (with its number) ->
cancelled. On a cancelled order a loan or policy may only be cancelled.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, domain, tenancy, visibility
from ...extensions import db
from ...timeutil import utcnow
from ..models import LOAN_STATUSES, POLICY_STATUSES, InsurancePolicy, LoanApplication, SalesOrder
from ._common import InvalidTransition, SalesError, StaleEdit, money
from .orders import LIVE_ORDER_STATES, get_order
from .payments import _loan_total

LOAN_MOVES = domain.Transitions(
    {
        "draft": {"submitted", "cancelled"},
        "submitted": {"approved", "rejected", "cancelled"},
        "approved": {"disbursed", "cancelled"},
        "rejected": set(),
        "disbursed": set(),
        "cancelled": set(),
    },
    LOAN_STATUSES,
    error=InvalidTransition,
    stale=StaleEdit,
)
POLICY_MOVES = domain.Transitions(
    {"quoted": {"issued", "cancelled"}, "issued": {"cancelled"}, "cancelled": set()},
    POLICY_STATUSES,
    error=InvalidTransition,
    stale=StaleEdit,
)
LOAN_TRANSITIONS = LOAN_MOVES.moves
POLICY_TRANSITIONS = POLICY_MOVES.moves


def order_finance(order: SalesOrder) -> tuple[list[LoanApplication], list[InsurancePolicy]]:
    loans = (
        db.session.execute(
            select(LoanApplication).where(LoanApplication.order_id == order.id).order_by(LoanApplication.id)
        )
        .scalars()
        .all()
    )
    policies = (
        db.session.execute(
            select(InsurancePolicy).where(InsurancePolicy.order_id == order.id).order_by(InsurancePolicy.id)
        )
        .scalars()
        .all()
    )
    return list(loans), list(policies)


def create_loan(sales_order_id: Any, data: dict[str, Any]) -> LoanApplication:
    """A loan application (按揭) for a live order; amount within the order total."""
    order = get_order(sales_order_id)
    if order.status not in LIVE_ORDER_STATES:
        raise SalesError(_("已交车或已取消的订单不能新增按揭。"))
    lender = (data.get("lender") or "").strip()
    if not lender:
        raise SalesError(_("请填写贷款机构。"), "lender")
    amount = money(data.get("amount"))
    if amount <= 0 or amount > order.total:
        raise SalesError(_("贷款金额应大于 0 且不超过订单总额。"), "amount")
    other_loans = _loan_total(order, LoanApplication.status.notin_(("rejected", "cancelled")))
    if other_loans + amount > order.total:
        raise SalesError(_("该订单的贷款合计将超过订单总额（已有贷款 %(l)s）。", l=other_loans), "amount")
    down_payment = money(data.get("down_payment"))
    commission = money(data.get("commission"))
    if down_payment < 0:
        raise SalesError(_("金额不能为负数。"), "down_payment")
    if commission < 0:
        raise SalesError(_("金额不能为负数。"), "commission")
    term = data.get("term_months") or 36
    if int(term) not in (12, 24, 36, 48, 60):
        raise SalesError(_("请选择贷款期限。"), "term_months")
    rate = data.get("annual_rate")
    if rate is not None and not (Decimal("0") <= Decimal(str(rate)) <= Decimal("30")):
        raise SalesError(_("年利率应在 0 到 30 之间。"), "annual_rate")
    loan = LoanApplication(
        order_id=order.id,
        lender=lender[:80],
        amount=amount,
        down_payment=down_payment,
        term_months=int(term),
        annual_rate=rate,
        commission=commission,
        status="draft",
    )
    db.session.add(loan)
    db.session.flush()
    audit.record("create", loan, after=audit.snapshot(loan), summary=order.number)
    return loan


def _finance_row(model: Any, ident: Any) -> Any:
    """A loan or policy whose order the user may see (404 otherwise)."""
    row = tenancy.get_or_404(model, ident)
    if row.order_id is not None:
        get_order(row.order_id)
    elif not visibility.sees_whole_store():
        abort(404)
    return row


def _check_order_not_cancelled(row: Any, new_state: str) -> None:
    """On a cancelled order a loan or policy may only be cancelled (no approvals, pay-outs or
    new policies for a car that is not sold)."""
    if new_state != "cancelled" and row.order_id is not None and get_order(row.order_id).status == "cancelled":
        raise SalesError(_("订单已取消：贷款和保单只能取消。"))


def get_loan_application(loan_application_id: Any) -> LoanApplication:
    """A loan whose order the user may see (404 otherwise)."""
    return _finance_row(LoanApplication, loan_application_id)


def get_insurance_policy(insurance_policy_id: Any) -> InsurancePolicy:
    """A policy whose order the user may see (404 otherwise)."""
    return _finance_row(InsurancePolicy, insurance_policy_id)


def change_loan_state(loan_application_id: Any, new_state: str) -> LoanApplication:
    """Move a loan through draft -> submitted -> approved/rejected -> disbursed (or cancelled)."""
    loan = _finance_row(LoanApplication, loan_application_id)
    _check_order_not_cancelled(loan, new_state)
    now = utcnow()
    changes = (
        {"submitted_at": now}
        if new_state == "submitted"
        else {"decided_at": now}
        if new_state in ("approved", "rejected")
        else {}
    )
    LOAN_MOVES.apply(loan, new_state, changes=changes)
    return loan


def _one_year_on(day: dt.date) -> dt.date:
    """The same day next year; 29 February goes to 1 March (a policy of 29 Feb 2028 runs to
    28 Feb 2029 inclusive)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return dt.date(day.year + 1, 3, 1)


def create_policy(sales_order_id: Any, data: dict[str, Any]) -> InsurancePolicy:
    """An insurance policy for the order's customer and car; the expiry feeds renewals."""
    order = get_order(sales_order_id)
    if order.status == "cancelled":
        raise SalesError(_("已取消的订单不能新增保险。"))
    insurer = (data.get("insurer") or "").strip()
    if not insurer:
        raise SalesError(_("请填写保险公司。"), "insurer")
    premium = money(data.get("premium"))
    if premium <= 0:
        raise SalesError(_("保费应大于 0。"), "premium")
    commission = money(data.get("commission"))
    if commission < 0:
        raise SalesError(_("金额不能为负数。"), "commission")
    starts_on = data.get("starts_on") or tenancy.store_today()
    expires_on = data.get("expires_on") or _one_year_on(starts_on) - dt.timedelta(days=1)
    if expires_on <= starts_on:
        raise SalesError(_("到期日应晚于起保日。"), "expires_on")
    policy = InsurancePolicy(
        order_id=order.id,
        customer_id=order.customer_id,
        vin=order.stock_vehicle.vin if order.stock_vehicle else "",
        insurer=insurer[:80],
        policy_number=(data.get("policy_number") or "").strip()[:60],
        premium=premium,
        commission=commission,
        starts_on=starts_on,
        expires_on=expires_on,
        status="quoted",
    )
    db.session.add(policy)
    db.session.flush()
    audit.record("create", policy, after=audit.snapshot(policy), summary=order.number)
    return policy


def change_policy_state(insurance_policy_id: Any, new_state: str, policy_number: str = "") -> InsurancePolicy:
    """quoted -> issued (needs the policy number) -> cancelled."""
    policy = _finance_row(InsurancePolicy, insurance_policy_id)
    _check_order_not_cancelled(policy, new_state)
    changes: dict[str, Any] = {}
    if new_state == "issued":
        POLICY_MOVES.check(policy, new_state)
        number = (policy_number or policy.policy_number or "").strip()
        if not number:
            raise SalesError(_("出单须填写保单号。"), "policy_number")
        changes["policy_number"] = number[:60]
        if not policy.vin and policy.order_id:
            order = get_order(policy.order_id)
            changes["vin"] = order.stock_vehicle.vin if order.stock_vehicle else ""
    POLICY_MOVES.apply(policy, new_state, changes=changes)
    return policy
