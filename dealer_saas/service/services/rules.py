"""What every service aggregate shares: the module's errors, its three state tables, money
and hours parsing, the store lock and the staff who receive and repair."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import tenancy
from ...domain import DomainError, InvalidTransition, StaleEdit, Transitions
from ...extensions import db
from ...tenancy import Membership, Role, Store, User
from ..models import APPOINTMENT_STATUSES, LINE_STATUSES, PROPOSAL_STATUSES, RO_STATUSES

CENT = Decimal("0.01")
MAX_MONEY = Decimal("9999999999.99")
MAX_HOURS = Decimal("999.99")


class ServiceError(DomainError):
    """A service rule refused the action (message safe to show, ``field`` beside it)."""


class ServiceTransitionError(ServiceError, InvalidTransition):
    """A move the module's tables do not allow."""


class ServiceStale(ServiceError, StaleEdit):
    """Someone else saved the RO, line or appointment first."""


#: the repair order's one table (DESIGN section 4): cancelled only before work starts.
#: ``start``, ``rework`` and ``pass`` follow the lines (the first line started, a line
#: failing the quality check, the last line passing it); the others are the advisor's.
RO_MOVES = Transitions(
    labels=RO_STATUSES,
    actions={
        ("open", "start"): "in_progress",
        ("open", "cancel"): "cancelled",
        ("in_progress", "to_qc"): "quality_check",
        ("quality_check", "rework"): "in_progress",
        ("quality_check", "pass"): "ready",
        ("ready", "settle"): "settled",
        ("settled", "close"): "closed",
    },
    action_labels={
        "start": _l("开工"),
        "cancel": _l("取消工单"),
        "to_qc": _l("送质检"),
        "rework": _l("返工"),
        "pass": _l("质检通过"),
        "settle": _l("结算"),
        "close": _l("关闭工单"),
    },
    audit_fields=("ready_at", "settled_at", "closed_at", "cancelled_at"),
    error=ServiceTransitionError,
    stale=ServiceStale,
)
#: the actions an advisor triggers from the RO page
RO_PAGE_ACTIONS = ("cancel", "settle", "close")

#: a labour line's work: start/pause/finish by its technician, pass/fail by another person
LINE_MOVES = Transitions(
    labels=LINE_STATUSES,
    actions={
        ("pending", "start"): "working",
        ("paused", "start"): "working",
        ("working", "pause"): "paused",
        ("working", "finish"): "done",
        ("done", "pass"): "passed",
        ("done", "fail"): "pending",
    },
    action_labels={
        "start": _l("开始"),
        "pause": _l("暂停"),
        "finish": _l("完工"),
        "pass": _l("质检通过"),
        "fail": _l("质检不通过"),
    },
    audit_fields=("actual_minutes", "rework_count", "technician_id", "qc_by_id"),
    error=ServiceTransitionError,
    stale=ServiceStale,
)
WORK_ACTIONS = ("start", "pause", "finish")
QC_ACTIONS = ("pass", "fail")

#: extra work proposed to the customer: approved or declined once, through the progress link
PROPOSAL_MOVES = Transitions(
    labels=PROPOSAL_STATUSES,
    actions={("proposed", "approve"): "approved", ("proposed", "decline"): "declined"},
    action_labels={"approve": _l("同意追加"), "decline": _l("暂不需要")},
    audit_fields=("decided_at", "decided_ip", "line_id"),
    error=ServiceTransitionError,
    stale=ServiceStale,
)

APPOINTMENT_MOVES = Transitions(
    labels=APPOINTMENT_STATUSES,
    actions={
        # "pending": booked by the customer through the public link, for the desk to confirm
        ("pending", "confirm"): "confirmed",
        ("pending", "reschedule"): "booked",
        ("pending", "arrive"): "arrived",
        ("pending", "no_show"): "no_show",
        ("pending", "cancel"): "cancelled",
        ("booked", "confirm"): "confirmed",
        ("booked", "reschedule"): "booked",
        ("confirmed", "reschedule"): "booked",
        ("booked", "arrive"): "arrived",
        ("confirmed", "arrive"): "arrived",
        ("booked", "no_show"): "no_show",
        ("confirmed", "no_show"): "no_show",
        ("booked", "cancel"): "cancelled",
        ("confirmed", "cancel"): "cancelled",
    },
    action_labels={
        "confirm": _l("确认"),
        "reschedule": _l("改期"),
        "arrive": _l("到店开单"),
        "no_show": _l("未到店"),
        "cancel": _l("取消预约"),
    },
    audit_fields=("starts_at",),
    error=ServiceTransitionError,
    stale=ServiceStale,
)
#: the actions offered as plain buttons (reschedule and arrival have their own forms)
APPOINTMENT_BUTTONS = ("confirm", "no_show", "cancel")
#: appointments that hold their slot
LIVE_APPOINTMENT_STATES = ("pending", "booked", "confirmed", "arrived")


def money(value: Any, field: str | None = None) -> Decimal:
    """A non-negative amount as Decimal, rounded half-up to the cent; empty is zero."""
    if value is None or value == "":
        return Decimal("0.00")
    try:
        result = Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ServiceError(_("金额格式不正确。"), field) from None
    if not result.is_finite() or result < 0:
        raise ServiceError(_("金额不能为负数。"), field)
    if result > MAX_MONEY:
        raise ServiceError(_("金额过大。"), field)
    return result


def hours(value: Any, field: str | None = None) -> Decimal:
    """Labour hours: more than 0, at most 999.99, two decimals."""
    try:
        result = Decimal(str(value).strip()).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, AttributeError):
        raise ServiceError(_("请输入工时。"), field) from None
    if not result.is_finite() or result <= 0:
        raise ServiceError(_("工时须大于 0。"), field)
    if result > MAX_HOURS:
        raise ServiceError(_("工时过大。"), field)
    return result


def ctx() -> tenancy.TenantContext:
    return tenancy.current()


def lock_store(store: Store) -> None:
    """Serialise a store's slot bookings and RO numbering on its row (``SELECT ... FOR
    UPDATE`` on PostgreSQL; SQLite serialises writers anyway). Held until the commit."""
    db.session.execute(select(Store.id).where(Store.id == store.id).with_for_update())


def staff_with_roles(*codes: str) -> list[User]:
    """Active users holding one of the built-in roles in the active store (none in the
    roll-up): the advisors and technicians a booking or a line may name."""
    store_id = ctx().store_id
    if store_id is None:
        return []
    return list(
        db.session.execute(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.store_id == store_id, Role.code.in_(codes), User.is_active.is_(True))
            .distinct()
            .order_by(User.name, User.id)
        ).scalars()
    )


#: the roles whose holders an RO or a booking may name as its advisor, and as a technician
ADVISOR_ROLES = ("service_advisor", "store_manager")
TECHNICIAN_ROLES = ("technician",)


def service_staff() -> tuple[list[User], list[User]]:
    """The store's advisors and technicians in one statement (a page that offers both)."""
    store_id = ctx().store_id
    if store_id is None:
        return [], []
    rows = db.session.execute(
        select(User, Role.code)
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(
            Membership.store_id == store_id,
            Role.code.in_(ADVISOR_ROLES + TECHNICIAN_ROLES),
            User.is_active.is_(True),
        )
        .order_by(User.name, User.id)
    ).all()
    advisors: dict[int, User] = {}
    technicians: dict[int, User] = {}
    for user, code in rows:
        (advisors if code in ADVISOR_ROLES else technicians).setdefault(user.id, user)
    return list(advisors.values()), list(technicians.values())


def advisors() -> list[User]:
    return staff_with_roles(*ADVISOR_ROLES)


def technicians() -> list[User]:
    return staff_with_roles(*TECHNICIAN_ROLES)


def check_staff(user_id: Any, allowed: list[User], field: str, message: str) -> int | None:
    """An optional user id that must be one of ``allowed`` (None when empty)."""
    if user_id in (None, "", 0, "0"):
        return None
    try:
        ident = int(user_id)
    except (TypeError, ValueError):
        raise ServiceError(message, field) from None
    if ident not in {u.id for u in allowed}:
        raise ServiceError(message, field)
    return ident
