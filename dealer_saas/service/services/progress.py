"""Repair progress for the customer: the signed link to an RO's progress page, and the
extra work the advisor proposes there (追加项目), which the customer approves or declines
from the link; an approved job becomes a labour line of the RO."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, signed_links, tenancy
from ...extensions import db
from ...notifications.services import notify
from ...timeutil import utcnow
from .. import settings
from ..models import LabourOperation, RepairOrder, RepairOrderLine, RepairOrderProposal
from .repair_orders import append_line, follow, get_repair_order
from .rules import CENT, PROPOSAL_MOVES, ServiceError, ctx, hours

#: the purpose progress links are signed for, and how long they live
PROGRESS_LINK = "repair_progress"
PROGRESS_LINK_DAYS = 30
#: RO states in which extra work may be proposed and answered (the car is still in the workshop)
PROPOSAL_STATES = ("open", "in_progress", "quality_check")
MAX_OPEN_PROPOSALS = 10


def issue_link(ro: RepairOrder) -> str:
    """A token for the RO's progress page, bound to its store (valid 30 days)."""
    return signed_links.issue(PROGRESS_LINK, ro.store_id, ro.id, days=PROGRESS_LINK_DAYS)


def proposals(ro: RepairOrder) -> list[RepairOrderProposal]:
    return list(
        db.session.execute(
            select(RepairOrderProposal)
            .where(RepairOrderProposal.repair_order_id == ro.id)
            .order_by(RepairOrderProposal.id)
        ).scalars()
    )


def propose(repair_order_id: Any, data: dict[str, Any]) -> RepairOrderProposal:
    """Propose a catalogue job on top of the RO (hours x the store's rate for its category),
    for the customer to approve through the progress link; only while the car is in the
    workshop, at most ``MAX_OPEN_PROPOSALS`` waiting at once."""
    ro = get_repair_order(repair_order_id)
    if ro.status not in PROPOSAL_STATES:
        raise ServiceError(_("车辆已完工，不能再追加项目。"))
    operation = tenancy.get_or_none(LabourOperation, data.get("operation_id"))
    if operation is None or not operation.is_active:
        raise ServiceError(_("请选择工时项目。"), "operation_id")
    line_hours = hours(data.get("hours"), "hours") if data.get("hours") not in (None, "") else operation.standard_hours
    waiting = sum(1 for p in proposals(ro) if p.status == "proposed")
    if waiting >= MAX_OPEN_PROPOSALS:
        raise ServiceError(_("待客户确认的追加项目最多 %(n)s 个。", n=MAX_OPEN_PROPOSALS))
    rate = settings.labour_rates(tenancy.writable_store())[operation.category]
    proposal = RepairOrderProposal(
        repair_order_id=ro.id,
        operation_id=operation.id,
        description=f"{operation.code} {operation.name}",
        category=operation.category,
        note=(data.get("note") or "").strip()[:300],
        hours=line_hours,
        rate=rate,
        amount=(line_hours * rate).quantize(CENT, rounding=ROUND_HALF_UP),
        proposed_by_id=ctx().user_id,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record("create", proposal, after=audit.snapshot(proposal), summary=ro.number)
    return proposal


def decide(ro: RepairOrder, proposal_id: Any, action: str, ip: str | None) -> RepairOrderProposal:
    """The customer's answer from the progress link: ``approve`` adds the job to the RO as a
    labour line for the customer (the RO goes back to work if it was in the quality
    check), ``decline`` records the refusal; both with the time and the link's address.
    Answered once."""
    proposal = tenancy.get_or_none(RepairOrderProposal, proposal_id)
    if proposal is None or proposal.repair_order_id != ro.id:
        raise ServiceError(_("没有这个追加项目。"))
    target = PROPOSAL_MOVES.target_of(proposal, action)
    if ro.status not in PROPOSAL_STATES:
        raise ServiceError(_("车辆已完工，不能再追加项目。"))
    changes: dict[str, Any] = {"decided_at": utcnow(), "decided_ip": (ip or "")[:64]}
    if action == "approve":
        line = RepairOrderLine(
            operation_id=proposal.operation_id,
            description=proposal.description,
            category=proposal.category,
            payer="customer",
            hours=proposal.hours,
            rate=proposal.rate,
            amount=proposal.amount,
        )
        append_line(ro, line)
        changes["line_id"] = line.id
    PROPOSAL_MOVES.apply(proposal, target, changes=changes, summary=ro.number, checked=True)
    if action == "approve":
        follow(ro)
    _tell_the_advisor(ro, proposal)
    return proposal


def _app_path(endpoint: str, **values: Any) -> str:
    """A path inside the app, in a request or outside one (the demo seeder, a job)."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def _tell_the_advisor(ro: RepairOrder, proposal: RepairOrderProposal) -> None:
    """The RO's advisor (else every advisor of the store) hears of the answer in the app."""
    title = (
        _("客户同意追加：%(d)s（%(n)s）", d=proposal.description, n=ro.number)
        if proposal.status == "approved"
        else _("客户暂不需要：%(d)s（%(n)s）", d=proposal.description, n=ro.number)
    )
    notify(
        kind="service_proposal",
        title=title[:200],
        key=f"service_proposal:{proposal.id}",
        link=_app_path("service.repair_order_detail", repair_order_id=ro.id),
        user_ids=[ro.advisor_id] if ro.advisor_id else (),
        permission=None if ro.advisor_id else "service.ro",
    )
