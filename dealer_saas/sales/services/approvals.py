"""The approver rule, once: who may approve (or reject) a submitted order's next level.

A level is approved by someone holding that level's permission (sales manager, then store
manager), never by the order's consultant, its creator or whoever set its discount
(``priced_by_id``), and each level of one round by a different person (a rejection starts
a new round). :func:`approval_refusal` answers it for one loaded order (the service and the
order page's Approve control ask it); :func:`approvable_clause` is the same rule as SQL for
the approval queue. ``tests/sales/test_approver_rule_agreement.py`` holds the three together.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload

from ... import audit, tenancy
from ...extensions import db
from ..models import ORDER_STATUSES, OrderApproval, SalesOrder
from ._common import InvalidTransition, SalesError, _ctx, flush
from .orders import _transition, get_order

#: which permission approves which level (a level above the last needs the last one's)
APPROVAL_PERMISSIONS = {1: "sales.order.approve", 2: "sales.order.approve_high"}
_TOP_LEVEL = max(APPROVAL_PERMISSIONS)
#: the order's own people, who never approve it
_NOT_THE_APPROVER = (SalesOrder.consultant_id, SalesOrder.created_by_id, SalesOrder.priced_by_id)


def _level_permission(level: int) -> str:
    return APPROVAL_PERMISSIONS.get(level, APPROVAL_PERMISSIONS[_TOP_LEVEL])


def _current_round(order: SalesOrder) -> list[OrderApproval]:
    """The approvals since the order was last rejected (a resubmission starts afresh)."""
    approvals = sorted(order.approvals, key=lambda a: a.id or 0)
    last_rejected = max((i for i, a in enumerate(approvals) if a.decision == "rejected"), default=-1)
    return approvals[last_rejected + 1 :]


def approval_refusal(order: SalesOrder, ctx: tenancy.TenantContext | None = None) -> str | None:
    """Why the user may not approve or reject the order's next level now; None: they may."""
    ctx = ctx or _ctx()
    if order.status != "submitted":
        return _("订单当前状态为“%(s)s”，无需审批。", s=ORDER_STATUSES.get(order.status))
    if ctx.user_id is None or ctx.user_id in (order.consultant_id, order.created_by_id, order.priced_by_id):
        return _("不能审批自己的订单或自己定的优惠。")
    level = order.approval_levels_done + 1
    if not ctx.can(_level_permission(level)):
        return _("该订单需要总经理审批。") if level == 2 else _("您没有审批该订单的权限。")
    if any(a.decision == "approved" and a.by_user_id == ctx.user_id for a in _current_round(order)):
        return _("每一级审批须由不同的人完成。")
    return None


def may_approve(order: SalesOrder) -> bool:
    """Whether the order page offers the user the Approve/Reject control."""
    return approval_refusal(order) is None


def approvable_clause(ctx: tenancy.TenantContext | None = None) -> sa.ColumnElement[bool]:
    """:func:`approval_refusal` as a WHERE clause on SalesOrder: the orders whose next level
    the user may approve now."""
    ctx = ctx or _ctx()
    if ctx.user_id is None:
        return sa.false()
    user_id = ctx.user_id
    levels_done = [
        SalesOrder.approval_levels_done == level - 1
        for level, permission in APPROVAL_PERMISSIONS.items()
        if ctx.can(permission)
    ]
    if ctx.can(APPROVAL_PERMISSIONS[_TOP_LEVEL]):
        levels_done.append(SalesOrder.approval_levels_done >= _TOP_LEVEL)
    if not levels_done:
        return sa.false()
    rejected = aliased(OrderApproval)
    approved = aliased(OrderApproval)
    last_rejection = (
        select(sa.func.coalesce(sa.func.max(rejected.id), 0))
        .where(rejected.order_id == SalesOrder.id, rejected.decision == "rejected")
        .scalar_subquery()
    )
    approved_this_round = (
        select(approved.id)
        .where(
            approved.order_id == SalesOrder.id,
            approved.decision == "approved",
            approved.by_user_id == user_id,
            approved.id > last_rejection,
        )
        .exists()
    )
    return sa.and_(
        SalesOrder.status == "submitted",
        sa.or_(*levels_done),
        *(sa.or_(column.is_(None), column != user_id) for column in _NOT_THE_APPROVER),
        ~approved_this_round,
    )


def _check_approver(order: SalesOrder) -> int:
    """The level the current user would approve; raises what :func:`approval_refusal`
    says (InvalidTransition when the order is not waiting for approval)."""
    refusal = approval_refusal(order)
    if refusal is not None:
        raise (InvalidTransition if order.status != "submitted" else SalesError)(refusal)
    return order.approval_levels_done + 1


def approve_order(sales_order_id: Any, note: str = "") -> SalesOrder:
    """Approve the next level (sales manager, then store manager). Never by the order's own
    consultant or creator, whatever their roles. Raises SalesError / InvalidTransition."""
    order = get_order(sales_order_id)
    level = _check_approver(order)
    order.approvals.append(
        OrderApproval(level=level, decision="approved", note=(note or "").strip()[:300], by_user_id=_ctx().user_id)
    )
    if level >= order.approval_levels_required:
        _transition(order, "approved", summary=f"approved level {level}", changes={"approval_levels_done": level})
    else:
        before = {"approval_levels_done": level - 1}
        order.approval_levels_done = level
        flush()
        audit.record(
            "approve", order, before=before, after={"approval_levels_done": level}, summary=f"approved level {level}"
        )
    return order


def reject_order(sales_order_id: Any, note: str) -> SalesOrder:
    """Send a submitted order back to draft with the approver's note (required)."""
    order = get_order(sales_order_id)
    level = _check_approver(order)
    note = (note or "").strip()
    if not note:
        raise SalesError(_("驳回时请填写原因。"), "note")
    order.approvals.append(OrderApproval(level=level, decision="rejected", note=note[:300], by_user_id=_ctx().user_id))
    _transition(order, "draft", summary=f"rejected: {note}", changes={"approval_levels_done": 0})
    return order


def approval_queue(limit: int = 50) -> list[SalesOrder]:
    """Submitted orders waiting for a level the user may approve (:func:`approvable_clause`)."""
    stmt = (
        select(SalesOrder)
        .where(approvable_clause())
        .options(
            joinedload(SalesOrder.customer),
            joinedload(SalesOrder.vehicle_model),
            joinedload(SalesOrder.consultant),
            joinedload(SalesOrder.stock_vehicle),
        )
        .order_by(SalesOrder.created_at, SalesOrder.id)
        .limit(limit)
    )
    return list(db.session.execute(stmt).scalars())
