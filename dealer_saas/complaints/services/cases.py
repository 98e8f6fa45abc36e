"""A complaint or service request from intake to filing: taken in (phone, visit, survey,
web form, email), assigned, handled, the customer's word on the resolution, closed or
reopened; rejected with an explanation. Lists are keyset-paged; a service advisor sees only
the cases they received or own (``complaints.all`` sees the store's)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, tenancy
from ...customers.models import Customer
from ...domain import flush_or_stale
from ...extensions import db
from ...pagination import Page, Sort, keyset_page
from ...tenancy import Membership, Role, User
from ...timeutil import local_today, utcnow
from ...validation import InvalidValue, bounded_id, normalise_mobile
from .. import settings
from ..models import (
    ATTITUDES,
    CATEGORIES,
    CHANNELS,
    GRADES,
    KINDS,
    OPEN_STATES,
    PROBLEM_TYPES,
    STATUSES,
    Complaint,
    ComplaintNote,
)
from .rules import COMPLAINT_MOVES, ComplaintError, ComplaintStale

NEWEST = Sort("newest", (Complaint.received_at, Complaint.id), desc=True)
#: the roles whose members may own a case
HANDLER_ROLES = ("care_agent", "store_manager", "service_advisor", "sales_manager")


def _ctx() -> tenancy.TenantContext:
    return tenancy.current()


def visible():
    """Complaints the current user may see: the store's with ``complaints.all``, otherwise
    those they received or own (a service advisor's own)."""
    stmt = select(Complaint)
    ctx = _ctx()
    if not ctx.can("complaints.all"):
        stmt = stmt.where(sa.or_(Complaint.owner_id == ctx.user_id, Complaint.receiver_id == ctx.user_id))
    return stmt


def get_complaint(complaint_id: Any, *, lock: bool = False) -> Complaint:
    """One visible complaint, or 404 (another store's, or not the advisor's own)."""
    ident = bounded_id(complaint_id)
    if ident is None:
        abort(404)
    stmt = visible().where(Complaint.id == ident)
    if lock:
        stmt = stmt.with_for_update()
    complaint = db.session.execute(stmt).scalar_one_or_none()
    if complaint is None:
        abort(404)
    return complaint


def list_complaints(
    *, status: str | None = None, kind: str | None = None, mine: bool = False, after: str | None = None, size: int = 25
) -> Page[Complaint]:
    """Newest first; ``status`` a state or "open"; unknown values are ignored."""
    stmt = visible().options(joinedload(Complaint.customer), joinedload(Complaint.owner))
    if status == "open":
        stmt = stmt.where(Complaint.status.in_(OPEN_STATES))
    elif status in STATUSES:
        stmt = stmt.where(Complaint.status == status)
    if kind in KINDS:
        stmt = stmt.where(Complaint.kind == kind)
    if mine:
        stmt = stmt.where(Complaint.owner_id == _ctx().user_id)
    return keyset_page(stmt, NEWEST, after, size)


def handlers() -> list[User]:
    """Active staff of the store who may own a case."""
    store_id = _ctx().store_id
    if store_id is None:
        return []
    return list(
        db.session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.store_id == store_id, Role.code.in_(HANDLER_ROLES), User.is_active.is_(True))
            .distinct()
            .order_by(User.name, User.id)
        ).scalars()
    )


def _next_number(store: Any) -> str:
    prefix = f"TS-{local_today(store.timezone).strftime('%Y%m%d')}"
    last = db.session.execute(
        select(Complaint.number)
        .where(Complaint.number.like(prefix + "-%"))
        .order_by(sa.func.length(Complaint.number).desc(), Complaint.number.desc())
        .limit(1)
    ).scalar()
    seq = 1
    if last:
        try:
            seq = int(last.rsplit("-", 1)[1]) + 1
        except ValueError:
            seq = 1
    return f"{prefix}-{seq:03d}"


def due_times(store: Any, grade: str | None, received_at: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(accept by, resolve by) from the store's SLA of the grade; none without a grade."""
    if grade not in GRADES:
        return None, None
    accept, resolve = settings.sla(store)[grade]
    return received_at + dt.timedelta(hours=accept), received_at + dt.timedelta(hours=resolve)


def _phone(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return normalise_mobile(value)
    except InvalidValue as error:
        raise ComplaintError(str(error), field) from None


_HEADER = re.compile(r"^(subject|主题|from|发件人)\s*[:：]\s*(.+)$", re.IGNORECASE)


def parse_email(text: str) -> dict[str, str]:
    """The subject and sender of a pasted e-mail ("Subject:"/"主题：", "From:"/"发件人：" lines)."""
    found: dict[str, str] = {}
    for line in (text or "").splitlines()[:30]:
        match = _HEADER.match(line.strip())
        if match:
            key = "subject" if match.group(1).lower() in ("subject", "主题") else "from"
            found.setdefault(key, match.group(2).strip())
    return found


def create_complaint(
    data: dict[str, Any], *, channel: str | None = None, survey_invitation_id: int | None = None
) -> Complaint:
    """Take a case in: a number, the SLA of its grade (complaints only: an enquiry or feedback
    has no grade), the customer found by id or by mobile. Raises ComplaintError."""
    store = tenancy.writable_store()
    ctx = _ctx()
    kind = data.get("kind") or "complaint"
    if kind not in KINDS:
        raise ComplaintError(_("选项无效。"), "kind")
    channel = channel or data.get("channel") or "phone"
    if channel not in CHANNELS:
        raise ComplaintError(_("选项无效。"), "channel")
    grade = data.get("grade") or None
    if kind == "complaint":
        if grade not in GRADES:
            raise ComplaintError(_("请选择投诉等级。"), "grade")
    else:
        grade = None
    description = (data.get("description") or "").strip()
    subject = (data.get("subject") or "").strip()
    if channel == "email" and not subject:
        subject = parse_email(description).get("subject", "")
    if not subject:
        raise ComplaintError(_("请填写主题。"), "subject")
    phone = _phone(data.get("phone", ""), "phone")
    customer = None
    if data.get("customer_id"):
        customer = tenancy.get_or_none(Customer, data["customer_id"])
        if customer is None:
            raise ComplaintError(_("客户不存在。"), "customer_id")
    elif phone:
        customer = db.session.execute(
            select(Customer).where(Customer.mobile == phone, Customer.deleted_at.is_(None))
        ).scalar_one_or_none()
    received_at = data.get("received_at") or utcnow()
    accept_due, resolve_due = due_times(store, grade, received_at)
    owner_id = data.get("owner_id") or None
    if owner_id is not None and owner_id not in {u.id for u in handlers()}:
        raise ComplaintError(_("请选择本店的处理人。"), "owner_id")
    complaint = Complaint(
        number=_next_number(store),
        kind=kind,
        channel=channel,
        customer_id=customer.id if customer else None,
        contact_name=(data.get("contact_name") or (customer.name if customer else ""))[:80],
        phone=phone or (customer.mobile if customer else ""),
        other_phone=_phone(data.get("other_phone", ""), "other_phone"),
        subject=subject[:120],
        category=data.get("category") if data.get("category") in CATEGORIES else "other",
        problem_type=data.get("problem_type") if data.get("problem_type") in PROBLEM_TYPES else "other",
        grade=grade,
        attitude=data.get("attitude") if data.get("attitude") in ATTITUDES else "calm",
        description=description,
        status="received",
        receiver_id=ctx.user_id,
        owner_id=owner_id,
        received_at=received_at,
        accept_due_at=accept_due,
        resolve_due_at=resolve_due,
        survey_invitation_id=survey_invitation_id,
    )
    db.session.add(complaint)
    db.session.flush()
    audit.record("create", complaint, after=audit.snapshot(complaint), summary=complaint.number)
    return complaint


def _check_version(complaint: Complaint, version: Any) -> None:
    if version is not None and str(version) != str(complaint.version):
        raise ComplaintStale()


def _note(complaint: Complaint, kind: str, body: str, *, public: bool = False) -> None:
    body = (body or "").strip()
    if body:
        db.session.add(
            ComplaintNote(
                complaint_id=complaint.id, kind=kind, body=body[:2000], is_public=public, by_user_id=_ctx().user_id
            )
        )


def assign(complaint_id: Any, owner_id: Any, version: Any = None) -> Complaint:
    """Give the case to a handler of the store (``complaints.manage``)."""
    complaint = get_complaint(complaint_id, lock=True)
    _check_version(complaint, version)
    if not complaint.is_open:
        raise ComplaintError(_("已结案的投诉不能再分派。"))
    if owner_id not in {u.id for u in handlers()}:
        raise ComplaintError(_("请选择本店的处理人。"), "owner_id")
    before = audit.snapshot(complaint, ["owner_id"])
    complaint.owner_id = owner_id
    flush_or_stale(ComplaintStale)
    audit.record(
        "update", complaint, before=before, after=audit.snapshot(complaint, ["owner_id"]), summary=complaint.number
    )
    return complaint


def change_state(complaint_id: Any, action: str, *, text: str = "", version: Any = None) -> Complaint:
    """Accept, investigate, resolve (with the resolution) or reject (with the explanation
    given to the customer; ``complaints.manage``). Close and reopen go through
    :func:`record_satisfaction`. Raises ComplaintError / ComplaintTransitionError."""
    if action in ("close", "reopen"):
        raise ComplaintError(_("请先登记客户对处理结果的意见。"))
    complaint = get_complaint(complaint_id, lock=True)
    _check_version(complaint, version)
    target = COMPLAINT_MOVES.target_of(complaint, action)
    ctx = _ctx()
    now = utcnow()
    changes: dict[str, Any] = {}
    text = (text or "").strip()
    if action == "accept":
        changes = {"accepted_at": now}
        if complaint.owner_id is None:
            changes["owner_id"] = ctx.user_id
    elif action == "resolve":
        if not text:
            raise ComplaintError(_("请填写解决方案。"), "text")
        changes = {"resolved_at": now, "resolution": text[:5000], "satisfaction": None}
    elif action == "reject":
        if not ctx.can("complaints.manage"):
            raise ComplaintError(_("只有店总可以判定投诉不成立。"))
        if not text:
            raise ComplaintError(_("请填写给客户的解释。"), "text")
        changes = {"rejection_reason": text[:500], "closed_at": now}
    COMPLAINT_MOVES.apply(complaint, target, changes=changes, summary=complaint.number, checked=True)
    if action == "investigate" and text:
        _note(complaint, "handling", text)
    db.session.flush()
    return complaint


def record_satisfaction(complaint_id: Any, satisfied: bool, note: str = "", version: Any = None) -> Complaint:
    """The customer's word on a resolved case: satisfied closes it, unsatisfied sends it back
    to investigation (counted as a reopening)."""
    complaint = get_complaint(complaint_id, lock=True)
    _check_version(complaint, version)
    if complaint.status != "resolved":
        COMPLAINT_MOVES.target_of(complaint, "close" if satisfied else "reopen")  # the refusal
    _note(complaint, "feedback", note, public=False)
    if satisfied:
        COMPLAINT_MOVES.apply(
            complaint, "closed", changes={"satisfaction": "satisfied", "closed_at": utcnow()}, summary=complaint.number
        )
    else:
        COMPLAINT_MOVES.apply(
            complaint,
            "investigating",
            changes={"satisfaction": "unsatisfied", "reopen_count": complaint.reopen_count + 1, "resolved_at": None},
            summary=complaint.number,
        )
    return complaint


def add_note(complaint_id: Any, body: str, *, public: bool = False) -> ComplaintNote:
    complaint = get_complaint(complaint_id)
    if not (body or "").strip():
        raise ComplaintError(_("请填写内容。"), "body")
    _note(complaint, "note", body, public=public)
    db.session.flush()
    return complaint.notes[-1]


def actions_for(complaint: Complaint) -> list[str]:
    """The page's buttons the current user may press (the same rules the service enforces)."""
    ctx = _ctx()
    if ctx.is_rollup or not ctx.can("complaints.handle"):
        return []
    return [a for a in COMPLAINT_MOVES.actions_for(complaint) if a in ("accept", "investigate")]


def may_reject(complaint: Complaint) -> bool:
    ctx = _ctx()
    return not ctx.is_rollup and ctx.can("complaints.manage") and COMPLAINT_MOVES.can(complaint, "rejected")


def open_count_by_state() -> dict[str, int]:
    return dict(
        db.session.execute(
            visible()
            .with_only_columns(Complaint.status, sa.func.count(Complaint.id))
            .where(Complaint.status.in_(OPEN_STATES))
            .group_by(Complaint.status)
        ).all()
    )


def for_customers(customer_ids, before: dt.datetime | None, limit: int) -> list[Complaint]:
    stmt = visible().where(Complaint.customer_id.in_(customer_ids))
    if before is not None:
        stmt = stmt.where(Complaint.received_at < before)
    return list(db.session.execute(stmt.order_by(Complaint.received_at.desc()).limit(limit)).scalars())


def from_public_form(store_id: int, data: dict[str, Any]) -> Complaint:
    """A case a customer typed on the store's public form (channel "web", grade C until a
    person reviews it when it is a complaint)."""
    values = dict(data)
    values.setdefault("kind", "complaint")
    if values["kind"] == "complaint":
        values["grade"] = "C"
    values["category"] = values.get("category") or "other"
    return create_complaint(values, channel="web")
