"""Payment rules: money received or refunded on an order (paid_total never above the total;
a refund never below the deposit while it holds a car; enough deposit moves approved ->
deposit_paid), loan money the store is still owed, and the invoice of a fully paid order.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit
from ...extensions import db
from ...timeutil import utcnow
from ..models import PAYMENT_KINDS, PAYMENT_METHODS, ZERO, LoanApplication, Payment, SalesOrder
from ._common import SalesError, _ctx, flush, money
from .orders import DEPOSIT_HELD_STATES, LIVE_ORDER_STATES, _transition, get_order


def record_payment(sales_order_id: Any, *, kind: str, method: str, amount: Any, reference: str = "") -> Payment:
    """Record money received (or refunded) on an approved order. paid_total never exceeds
    the total; enough deposit moves approved -> deposit_paid. Raises SalesError."""
    order = get_order(sales_order_id)
    amount_v = money(amount)
    if kind not in PAYMENT_KINDS:
        raise SalesError(_("请选择款项类型。"), "kind")
    if method not in PAYMENT_METHODS:
        raise SalesError(_("请选择收款方式。"), "method")
    if amount_v <= 0:
        raise SalesError(_("金额应大于 0。"), "amount")
    if kind == "refund":
        if order.status not in ("cancelled",) and order.status not in LIVE_ORDER_STATES:
            raise SalesError(_("已交车的订单不能退款。"))
        if amount_v > order.paid_total:
            raise SalesError(_("退款不能超过已收金额 %(p)s。", p=order.paid_total), "amount")
        if order.status in DEPOSIT_HELD_STATES and order.paid_total - amount_v < order.deposit_required:
            # the deposit holds the car: giving it back is cancelling the order
            raise SalesError(
                _("退款后已收金额将低于定金 %(d)s；退还定金请先取消订单。", d=order.deposit_required), "amount"
            )
        signed = -amount_v
    else:
        if order.status in ("draft", "submitted"):
            raise SalesError(_("订单审批通过后才能收款。"))
        if order.status in ("delivered", "cancelled"):
            raise SalesError(_("已交车或已取消的订单不能再收款。"))
        if order.paid_total + amount_v > order.total:
            raise SalesError(_("收款将超过订单总额，最多还可收 %(r)s。", r=order.total - order.paid_total), "amount")
        signed = amount_v
    payment = Payment(
        kind=kind, method=method, amount=signed, reference=(reference or "").strip()[:60], by_user_id=_ctx().user_id
    )
    order.payments.append(payment)
    before = audit.snapshot(order, ["paid_total"])
    order.paid_total = order.paid_total + signed
    flush()
    audit.record("create", payment, after=audit.snapshot(payment), summary=order.number)
    audit.record("update", order, before=before, after=audit.snapshot(order, ["paid_total"]), summary=order.number)
    if order.status == "approved" and kind != "refund" and order.paid_total >= order.deposit_required:
        _transition(order, "deposit_paid")
    return payment


def _loan_total(order: SalesOrder, status_clause: sa.ColumnElement[bool]) -> Decimal:
    """The sum of the order's loans whose status matches ``status_clause``."""
    return money(
        db.session.execute(
            select(sa.func.coalesce(sa.func.sum(LoanApplication.amount), 0)).where(
                LoanApplication.order_id == order.id, status_clause
            )
        ).scalar_one()
    )


def loans_not_yet_received(order: SalesOrder) -> Decimal:
    """The approved or disbursed loan money the store has not yet recorded as a ``loan``
    payment (recorded money is already in paid_total: counting it twice would let an order
    be invoiced with money owed)."""
    promised = _loan_total(order, LoanApplication.status.in_(("approved", "disbursed")))
    received = db.session.execute(
        select(sa.func.coalesce(sa.func.sum(Payment.amount), 0)).where(
            Payment.order_id == order.id, Payment.kind == "loan"
        )
    ).scalar_one()
    return max(promised - money(received), ZERO)


def invoice_order(sales_order_id: Any, invoice_number: str) -> SalesOrder:
    """Record the invoice of an allocated order; the car must be paid in full (loans that are
    approved or disbursed count). Raises SalesError."""
    order = get_order(sales_order_id)
    invoice_number = (invoice_number or "").strip()
    if not invoice_number:
        raise SalesError(_("请填写发票号码。"), "invoice_number")
    _transition(order, "invoiced", check_only=True)
    loans = loans_not_yet_received(order)
    if order.paid_total + loans < order.total:
        raise SalesError(
            _(
                "尚未收齐车款（已收 %(p)s，贷款 %(l)s，应收 %(t)s），不能开票。",
                p=order.paid_total,
                l=loans,
                t=order.total,
            )
        )
    _transition(order, "invoiced", changes={"invoice_number": invoice_number[:40], "invoiced_at": utcnow()})
    return order
