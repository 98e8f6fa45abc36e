"""Sales order rules: the order state machine (DESIGN section 4) and which order-page
section each state offers, an order made from a live quote (one live order per quote,
numbered per store and day), editing a draft over its version, submitting (the discount
decides the approval levels; approvals.py holds who approves), cancelling, and the order
counts of the dashboard.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ... import audit, domain, pagination, tenancy, visibility
from ...customers.models import Customer
from ...extensions import db
from ...inventory import services as inventory
from ...tenancy import User
from ...timeutil import local_day_bounds, utcnow
from ...validation import bounded_id
from .. import settings
from ..models import ORDER_STATUSES, ZERO, OrderApproval, SalesOrder
from ._common import (
    CENT,
    InvalidTransition,
    SalesError,
    StaleEdit,
    _ctx,
    _lock_store_paperwork,
    _next_number,
    _today_code,
    _visible,
    flush,
    money,
    own_clause,
)
from .pricing import compute_totals, discount_percent, order_approval_levels, parse_accessories, purchase_tax_rate
from .quotes import QUOTE_MOVES, get_quote, is_quote_expired

#: the sales order state machine (DESIGN section 4); cancelled from any state before delivered
ORDER_MOVES = domain.Transitions(
    {
        "draft": {"submitted", "cancelled"},
        "submitted": {"approved", "draft", "cancelled"},  # draft = rejected, back for changes
        "approved": {"deposit_paid", "cancelled"},
        "deposit_paid": {"allocated", "cancelled"},
        "allocated": {"invoiced", "cancelled"},
        "invoiced": {"delivered", "cancelled"},
        "delivered": set(),
        "cancelled": set(),
    },
    ORDER_STATUSES,
    error=InvalidTransition,
    stale=StaleEdit,
)
ORDER_TRANSITIONS = ORDER_MOVES.moves
LIVE_ORDER_STATES = tuple(state for state in ORDER_MOVES.states if not ORDER_MOVES.is_final(state))
#: states in which the deposit holds a car for the customer (it goes back only by cancelling)
DEPOSIT_HELD_STATES = ("deposit_paid", "allocated", "invoiced")

#: the order states in which each form of the order page is shown (the page and the view's
#: "a refused form's section is gone" check both read it)
ORDER_FORM_STATES: dict[str, frozenset[str]] = {
    # money comes in once approved and until the car is handed over
    "payment_form": frozenset({"approved", *DEPOSIT_HELD_STATES}),
    # a move's form shows where the move starts
    "allocate_form": frozenset(s for s in ORDER_MOVES.states if "allocated" in ORDER_MOVES.allowed(s)),
    "invoice_form": frozenset(s for s in ORDER_MOVES.states if "invoiced" in ORDER_MOVES.allowed(s)),
    "cancel_form": frozenset(s for s in ORDER_MOVES.states if "cancelled" in ORDER_MOVES.allowed(s)),
    # loans and policies may be added until the order is cancelled
    "loan_form": frozenset(ORDER_MOVES.states) - {"cancelled"},
    "policy_form": frozenset(ORDER_MOVES.states) - {"cancelled"},
}

ORDER_SORTS = {"new": pagination.Sort("new", (SalesOrder.created_at, SalesOrder.id), desc=True)}
ORDER_FILTERS = ("status",)


def order_page(*, after: str | None = None, status: str | None = None, size: int = 20) -> pagination.Page:
    """Orders the user may see, newest first; ``status`` is "open" or one state."""
    stmt = select(SalesOrder).options(
        joinedload(SalesOrder.customer), joinedload(SalesOrder.vehicle_model), joinedload(SalesOrder.consultant)
    )
    if status == "open":
        stmt = stmt.where(SalesOrder.status.in_(LIVE_ORDER_STATES))
    elif status in ORDER_TRANSITIONS:
        stmt = stmt.where(SalesOrder.status == status)
    stmt = visibility.restrict(stmt, own_clause(SalesOrder))
    return pagination.keyset_page(stmt, ORDER_SORTS["new"], after, size)


def get_order(sales_order_id: Any) -> SalesOrder:
    """An order the user may see (404 otherwise), with what its page shows."""
    return _visible(
        SalesOrder,
        sales_order_id,
        joinedload(SalesOrder.customer).load_only(*CUSTOMER_ON_ORDER_PAGE),
        joinedload(SalesOrder.vehicle_model),
        joinedload(SalesOrder.consultant),
        joinedload(SalesOrder.stock_vehicle),
        selectinload(SalesOrder.approvals).joinedload(OrderApproval.by_user),
        selectinload(SalesOrder.payments),
    )


@functools.cache
def _order_page_loads() -> tuple[Any, ...]:
    """The loader options of :func:`order_for_page`, built once (they are immutable): making
    the seven joined loads took about 0.4 ms of every order page (issue 15)."""
    return (
        # of the customer the page shows the name and the mobile (full or masked by the PII
        # rule: the owner), not the row's ~30 other columns
        joinedload(SalesOrder.customer).load_only(*CUSTOMER_ON_ORDER_PAGE),
        joinedload(SalesOrder.vehicle_model),
        # the page shows the consultant's and the approvers' names: not their ~20
        # columns each (the row is about 150 columns wide, issue 15)
        joinedload(SalesOrder.consultant).load_only(User.name),
        joinedload(SalesOrder.stock_vehicle),
        joinedload(SalesOrder.approvals).joinedload(OrderApproval.by_user).load_only(User.name),
        joinedload(SalesOrder.payments),
        joinedload(SalesOrder.delivery),
    )


#: the customer's columns the order page reads (``display_name``, ``customer_tel``)
CUSTOMER_ON_ORDER_PAGE = (Customer.name, Customer.mobile, Customer.owner_id, Customer.deleted_at, Customer.purged_at)


def order_for_page(sales_order_id: Any) -> SalesOrder:
    """:func:`get_order` in ONE statement for the order page's first response: the customer,
    model, consultant, car, approvals (with who), payments and the delivery joined (an
    order has a few of each). The loans and policies are a panel of their own."""
    ident = bounded_id(sales_order_id)
    if ident is None:
        abort(404)
    stmt = tenancy.with_store_of(select(SalesOrder).where(SalesOrder.id == ident), SalesOrder)
    stmt = stmt.options(*_order_page_loads())
    row = db.session.execute(visibility.restrict(stmt, own_clause(SalesOrder))).unique().one_or_none()
    if row is None:
        abort(404)
    tenancy.keep_stores_of(row)  # the prices read the store's tax rule
    return row[0]


def get_order_row(sales_order_id: Any) -> SalesOrder:
    """The order alone (404 like :func:`get_order`): for a panel that shows its own rows."""
    return _visible(SalesOrder, sales_order_id)


def _transition(
    order: SalesOrder,
    new_state: str,
    *,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    check_only: bool = False,
) -> None:
    """Apply one move of ORDER_TRANSITIONS to an order (or only check it)."""
    if check_only:
        ORDER_MOVES.check(order, new_state)
        return
    ORDER_MOVES.apply(order, new_state, summary=summary or order.number, changes=changes)


def create_order_from_quote(quote_id: Any) -> SalesOrder:
    """Turn a live quote into a draft order (one live order per quote); the quote becomes
    accepted. Raises SalesError."""
    quote = get_quote(quote_id)
    store = tenancy.writable_store()
    if is_quote_expired(quote, tenancy.store_today()):
        raise SalesError(_("报价已过有效期，请重新报价。"))
    _lock_store_paperwork(store)
    existing = db.session.execute(
        select(SalesOrder.number).where(SalesOrder.quote_id == quote.id, SalesOrder.status != "cancelled")
    ).scalar()
    if existing:
        raise SalesError(_("该报价已生成订单 %(n)s。", n=existing))
    totals = compute_totals(
        list_price=quote.list_price,
        discount=quote.discount,
        accessories=quote.accessories,
        insurance_amount=quote.insurance_amount,
        purchase_tax=quote.purchase_tax,
        registration_fee=quote.registration_fee,
        other_fees=quote.other_fees,
        tax_rate=purchase_tax_rate(store, quote.vehicle_model),
    )
    order = SalesOrder(
        number=_next_number(SalesOrder, f"SO-{store.code}-{_today_code()}"),
        quote_id=quote.id,
        card_id=quote.card_id,
        customer_id=quote.customer_id,
        consultant_id=quote.consultant_id or _ctx().user_id,
        model_id=quote.model_id,
        colour=quote.colour,
        list_price=totals.list_price,
        discount=totals.discount,
        accessories=list(quote.accessories or []),
        accessories_total=totals.accessories_total,
        insurance_amount=totals.insurance_amount,
        fees_total=totals.fees_total,
        total=totals.total,
        deposit_required=min(settings.default_deposit(store), totals.total).quantize(CENT),
        paid_total=ZERO,
        payment_method=quote.payment_method,
        status="draft",
        created_by_id=_ctx().user_id,
        priced_by_id=quote.consultant_id or _ctx().user_id,
    )
    db.session.add(order)
    if quote.status != "accepted":
        QUOTE_MOVES.apply(quote, "accepted", summary=quote.number)
    db.session.flush()
    audit.record("create", order, after=audit.snapshot(order), summary=order.number)
    return order


def update_order(sales_order_id: Any, version: Any, data: dict[str, Any]) -> SalesOrder:
    """Edit a draft order's price parts, with optimistic locking on ``version``.
    Raises StaleEdit when someone saved first, SalesError otherwise."""
    order = get_order(sales_order_id)
    if str(order.version) != str(version):
        raise StaleEdit()
    if order.status != "draft":
        raise SalesError(_("只有草稿订单可以修改，已提交的订单请先驳回。"))
    accessories = parse_accessories(data.get("accessories"))
    totals = compute_totals(
        list_price=order.list_price,
        discount=data.get("discount"),
        accessories=accessories,
        insurance_amount=data.get("insurance_amount"),
        purchase_tax=data.get("fees_total"),
        tax_rate=purchase_tax_rate(tenancy.store_of(order), order.vehicle_model),
    )
    deposit = money(data.get("deposit_required"))
    if deposit <= 0 or deposit > totals.total:
        raise SalesError(_("定金应大于 0 且不超过订单总额。"), "deposit_required")
    if (data.get("payment_method") or "cash") not in ("cash", "loan"):
        raise SalesError(_("请选择付款方式。"), "payment_method")
    before = audit.snapshot(order)
    order.colour = (data.get("colour") or "").strip()[:30]
    if totals.discount != order.discount:
        order.priced_by_id = _ctx().user_id
    order.discount, order.accessories, order.accessories_total = totals.discount, accessories, totals.accessories_total
    order.insurance_amount, order.fees_total, order.total = totals.insurance_amount, totals.purchase_tax, totals.total
    order.deposit_required = deposit
    order.payment_method = data.get("payment_method") or "cash"
    order.notes = (data.get("notes") or "").strip()
    flush()
    audit.record("update", order, before=before, after=audit.snapshot(order), summary=order.number)
    return order


def submit_order(sales_order_id: Any) -> SalesOrder:
    """Submit a draft: the concession (the discount, plus tax or fees charged below the
    computed purchase tax) decides the approvals needed (store thresholds, the one rule of
    ``pricing.approval_levels_for``); none needed means approved at once. Raises
    InvalidTransition."""
    order = get_order(sales_order_id)
    tenancy.writable_store()
    levels = order_approval_levels(order)
    _transition(
        order,
        "submitted",
        changes={"approval_levels_required": levels, "approval_levels_done": 0},
        summary=f"{order.number} {discount_percent(order.list_price, order.discount)}%",
    )
    if levels == 0:
        _transition(order, "approved", summary="auto-approved: discount within the consultant's limit")
    return order


def cancel_refusal(order: SalesOrder) -> str | None:
    """Why the order cannot be cancelled now (None: it can, by its state). An invoiced order
    whose money is all in is a sale: the refund comes first (then it may be cancelled)."""
    if not ORDER_MOVES.can(order, "cancelled"):
        return _("订单当前状态为“%(s)s”，不能取消。", s=ORDER_STATUSES.get(order.status))
    if order.status == "invoiced" and order.paid_total >= order.total:
        return _("订单已开票且车款已收齐，不能直接取消；如客户退车，请先登记尾款退款。")
    return None


def cancel_order(sales_order_id: Any, reason: str) -> SalesOrder:
    """Cancel an order before delivery, with a reason; an allocated car goes back in stock.
    Refused for an invoiced, fully paid order (:func:`cancel_refusal`)."""
    order = get_order(sales_order_id)
    reason = (reason or "").strip()
    if not reason:
        raise SalesError(_("请填写取消原因。"), "reason")
    _transition(order, "cancelled", check_only=True)
    refusal = cancel_refusal(order)
    if refusal is not None:
        raise InvalidTransition(refusal)
    if order.stock_vehicle is not None:
        try:
            inventory.release_from_order(order.stock_vehicle)
        except inventory.InventoryError as error:
            raise SalesError(str(error)) from None
        order.stock_vehicle = None  # else the relationship would write the old id back on flush
    _transition(
        order,
        "cancelled",
        summary=f"{order.number} {reason}",
        changes={"stock_vehicle_id": None, "cancel_reason": reason[:200], "cancelled_at": utcnow()},
    )
    return order


# --------------------------------------------------------------------------- dashboard numbers


def orders_in_progress_count() -> tuple[int, bool]:
    stmt = select(SalesOrder.id).where(SalesOrder.status.in_(LIVE_ORDER_STATES))
    return pagination.count_upto(visibility.restrict(stmt, own_clause(SalesOrder)), 999)


def deliveries_this_month_count() -> tuple[int, bool]:
    """Cars handed over since the first of the month (a consultant's own). In the roll-up:
    every store's, the month of the default zone (there is no single store)."""
    tz = tenancy.store_timezone()
    start, _end = local_day_bounds(tenancy.store_today().replace(day=1), tz)
    stmt = select(SalesOrder.id).where(SalesOrder.status == "delivered", SalesOrder.delivered_at >= start)
    return pagination.count_upto(visibility.restrict(stmt, own_clause(SalesOrder)), 999)
