"""Working the call-back queue: the agent's list (due today, overdue, by rule), one-tap
outcomes that may schedule the next attempt, the supervisor's bulk reassignment and
rescheduling, and the completion rates per agent and per rule (aggregate SQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ... import audit, tenancy
from ...customers.models import Customer, CustomerVehicle
from ...domain import DomainError, InvalidTransition, StaleEdit, Transitions
from ...extensions import db
from ...tenancy import User
from ...timeutil import from_local, local, utcnow
from ..models import OUTCOMES, TASK_STATUSES, CallbackAttempt, CallbackTask
from ..settings import no_answer_limit
from .generation import care_agents

PAGE = 30
MAX_BULK = 200
NOTE_MAX = 200


class CareError(DomainError):
    """A care rule refused the action."""


class CareTransitionError(CareError, InvalidTransition):
    pass


class CareStale(CareError, StaleEdit):
    pass


#: the task's one table: an outcome either closes the call or keeps it open for the next try
TASK_MOVES = Transitions(
    labels=TASK_STATUSES,
    actions={
        ("open", "reached"): "done",
        ("open", "satisfied"): "done",
        ("open", "wrong_number"): "done",
        ("open", "complaint"): "done",
        ("open", "no_answer"): "open",
        ("open", "call_again"): "open",
        ("open", "cancel"): "cancelled",
    },
    action_labels={**OUTCOMES, "cancel": _l("取消")},
    audit_fields=("outcome", "attempts", "due_on", "call_at", "closed_at"),
    error=CareTransitionError,
    stale=CareStale,
)

#: the hook that opens the complaint intake for a task ("complaint raised"): set by the
#: complaints module (``register_complaint_intake``); returns the intake's URL, or None
_complaint_intake: list[Callable[[CallbackTask], str | None]] = []


def register_complaint_intake(fn: Callable[[CallbackTask], str | None]) -> None:
    """The complaints module's entry point: called with the task when an agent records
    "complaint raised"; returns where the agent goes next (the intake form)."""
    _complaint_intake[:] = [fn]


def complaint_intake_url(task: CallbackTask) -> str | None:
    return _complaint_intake[0](task) if _complaint_intake else None


# --------------------------------------------------------------------------- reading


def can_supervise() -> bool:
    return tenancy.current().can("care.supervise")


def get_task(task_id: Any) -> CallbackTask:
    """A task of the store the user may see (supervisors: all; agents: theirs and the
    unassigned ones), or 404."""
    task = tenancy.get_or_404(CallbackTask, task_id)
    ctx = tenancy.current()
    if not can_supervise() and task.assignee_id not in (None, ctx.user_id):
        from flask import abort

        abort(404)
    return task


@dataclass(frozen=True)
class QueueFilter:
    view: str = "today"  # today | overdue | upcoming | done
    rule: str | None = None
    assignee_id: int | None = None
    #: keyset: (due_on, id) of the last row shown
    after: tuple[dt.date, int] | None = None


VIEWS = {"today": _l("今日"), "overdue": _l("逾期"), "upcoming": _l("即将到期"), "done": _l("已完成")}


class TaskCard(NamedTuple):
    """One call-back as its card shows it, read as columns (the queue and the supervisor's
    list only show them: no ORM tasks, customers, cars and agents per card). The phone is
    the stored number; ``masked`` says whether the viewer sees it masked."""

    id: int
    store_id: int
    customer_id: int
    status: str
    rule: str
    due_on: dt.date
    call_at: dt.datetime | None
    attempts: int
    outcome: str | None
    note: str
    version: int
    customer_name: str
    mobile: str
    masked: bool
    car: str | None
    assignee_id: int | None
    assignee_name: str | None


_CARD_COLUMNS = (
    CallbackTask.id,
    CallbackTask.store_id,
    CallbackTask.customer_id,
    CallbackTask.status,
    CallbackTask.rule,
    CallbackTask.due_on,
    CallbackTask.call_at,
    CallbackTask.attempts,
    CallbackTask.outcome,
    CallbackTask.note,
    CallbackTask.version,
    Customer.name,
    Customer.mobile,
    Customer.owner_id,
    CustomerVehicle.plate,
    CustomerVehicle.vin,
    CallbackTask.assignee_id,
    User.name,
)


def _cards(rows: Iterable[Any]) -> list[TaskCard]:
    """The cards of rows of ``_CARD_COLUMNS``. A full number: the card rule
    (``customers.pii``, or the customer's own consultant) and the agent the call is assigned
    to (they have to dial it); the permission looked up once per page, per row only ids."""
    ctx = tenancy.current()
    user_id = ctx.user_id
    pii = ctx.can("customers.pii")
    cards = []
    for *head, note, version, name, mobile, owner_id, plate, vin, assignee_id, assignee in rows:
        # head: id, store, customer, status, rule, due on, call at, attempts, outcome
        mine = (owner_id is not None and owner_id == user_id) or (assignee_id is not None and assignee_id == user_id)
        cards.append(
            TaskCard(
                *head,
                note or "",
                version,
                name or "",
                mobile or "",
                not (pii or mine),
                plate or vin or None,
                assignee_id,
                assignee,
            )
        )
    return cards


def _card_select():
    return (
        select(*_CARD_COLUMNS)
        .join(Customer, Customer.id == CallbackTask.customer_id)
        .outerjoin(CustomerVehicle, CustomerVehicle.id == CallbackTask.vehicle_id)
        .outerjoin(User, User.id == CallbackTask.assignee_id)
    )


def card(task: CallbackTask) -> TaskCard:
    """One task's card (the task page and the card re-rendered after an outcome)."""
    return _cards(db.session.execute(_card_select().where(CallbackTask.id == task.id)).all())[0]


def queue(f: QueueFilter, today: dt.date) -> tuple[list[TaskCard], tuple[dt.date, int] | None]:
    """One page of the queue and the keyset of the next page. Agents see their own tasks
    and the unassigned ones; supervisors every task (or one agent's)."""
    ctx = tenancy.current()
    stmt = _card_select()
    if f.view == "done":
        stmt = stmt.where(CallbackTask.status == "done")
        order = (CallbackTask.due_on.desc(), CallbackTask.id.desc())
        if f.after:
            stmt = stmt.where(sa.tuple_(CallbackTask.due_on, CallbackTask.id) < f.after)
    else:
        stmt = stmt.where(CallbackTask.status == "open")
        if f.view == "overdue":
            stmt = stmt.where(CallbackTask.due_on < today)
        elif f.view == "upcoming":
            stmt = stmt.where(CallbackTask.due_on > today)
        else:
            stmt = stmt.where(CallbackTask.due_on == today)
        order = (CallbackTask.due_on, CallbackTask.id)
        if f.after:
            stmt = stmt.where(sa.tuple_(CallbackTask.due_on, CallbackTask.id) > f.after)
    if f.rule:
        stmt = stmt.where(CallbackTask.rule == f.rule)
    if not ctx.can("care.supervise") and not ctx.is_rollup:
        stmt = stmt.where(sa.or_(CallbackTask.assignee_id == ctx.user_id, CallbackTask.assignee_id.is_(None)))
    elif f.assignee_id:
        stmt = stmt.where(CallbackTask.assignee_id == f.assignee_id)
    rows = _cards(db.session.execute(stmt.order_by(*order).limit(PAGE + 1)).all())
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, ((rows[-1].due_on, rows[-1].id) if more and rows else None)


def due_counts(today: dt.date) -> dict[str, int]:
    """Open tasks due today and overdue (the tiles), in one indexed query; agents count
    their own and the unassigned ones."""
    ctx = tenancy.current()
    stmt = select(
        func.count().filter(CallbackTask.due_on == today),
        func.count().filter(CallbackTask.due_on < today),
    ).where(CallbackTask.status == "open", CallbackTask.due_on <= today)
    if not ctx.can("care.supervise") and not ctx.is_rollup:
        stmt = stmt.where(sa.or_(CallbackTask.assignee_id == ctx.user_id, CallbackTask.assignee_id.is_(None)))
    today_n, overdue_n = db.session.execute(stmt).one()
    return {"today": today_n or 0, "overdue": overdue_n or 0}


# --------------------------------------------------------------------------- writing


def add_task(
    *,
    rule: str,
    customer_id: int,
    occasion: str,
    due_on: dt.date,
    vehicle_id: int | None = None,
    assignee_id: int | None = None,
) -> CallbackTask:
    """One task made by hand or by the demo (the job inserts set-based)."""
    task = CallbackTask(
        rule=rule,
        customer_id=customer_id,
        vehicle_id=vehicle_id,
        occasion=occasion,
        due_on=due_on,
        assignee_id=assignee_id,
    )
    db.session.add(task)
    db.session.flush()
    return task


def record_outcome(
    task_id: Any,
    outcome: str,
    *,
    note: str = "",
    call_at: dt.datetime | None = None,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> CallbackTask:
    """Record one call's outcome. ``call_again`` needs ``call_at`` (local, in the future)
    and moves the task there; ``no_answer`` tries again the next day until the store's
    limit of unanswered calls, then closes the task; the others close it."""
    ctx = tenancy.current()
    task = get_task(task_id)
    if version is not None and version != task.version:
        raise CareStale()
    if outcome not in OUTCOMES:
        raise CareError(_("请选择回访结果。"), "outcome")
    now = now or utcnow()
    store = tenancy.writable_store()
    tz = store.timezone
    changes: dict[str, Any] = {
        "outcome": outcome,
        "attempts": task.attempts + 1,
        "last_attempt_at": now,
        "note": (note or "")[:NOTE_MAX],
    }
    # refused first when the task is closed already (whatever the outcome's own checks)
    target = TASK_MOVES.target_of(task, outcome)
    next_at = None
    if outcome == "call_again":
        if call_at is None:
            raise CareError(_("请填写再次联系的时间。"), "call_at")
        next_at = from_local(call_at, tz) if call_at.tzinfo is None else call_at
        if next_at <= now:
            raise CareError(_("再次联系的时间须晚于现在。"), "call_at")
        if next_at - now > dt.timedelta(days=366):
            raise CareError(_("再次联系的时间不能超过一年。"), "call_at")
        changes.update(due_on=local(next_at, tz).date(), call_at=next_at)
    elif outcome == "no_answer" and task.attempts + 1 < no_answer_limit(store):
        changes.update(due_on=local(now, tz).date() + dt.timedelta(days=1), call_at=None)
    else:
        # a final outcome, or the last unanswered call the store allows
        target = "done"
        changes.update(closed_at=now, closed_by_id=ctx.user_id, call_at=None)
    if task.assignee_id is None and ctx.user_id is not None:
        changes["assignee_id"] = ctx.user_id  # whoever takes an unassigned call owns it
    _attempt(task, outcome, note, next_at, now)
    TASK_MOVES.apply(task, target, changes=changes, summary=outcome, checked=True)
    return task


def _attempt(task: CallbackTask, outcome: str, note: str, next_at: dt.datetime | None, now: dt.datetime) -> None:
    db.session.add(
        CallbackAttempt(
            task_id=task.id,
            outcome=outcome,
            note=(note or "")[:NOTE_MAX],
            next_at=next_at,
            by_id=tenancy.current().user_id,
            at=now,
        )
    )


def _bulk_tasks(task_ids: Iterable[int]) -> list[CallbackTask]:
    ids = sorted({int(i) for i in task_ids})[:MAX_BULK]
    if not ids:
        raise CareError(_("请至少勾选一条回访任务。"), "task_ids")
    rows = list(db.session.execute(select(CallbackTask).where(CallbackTask.id.in_(ids))).scalars())
    if len(rows) != len(ids):
        from flask import abort

        abort(404)
    return rows


def reassign(task_ids: Iterable[int], assignee_id: int) -> int:
    """Give the chosen open tasks to one care agent of the store (supervisor)."""
    if assignee_id not in care_agents(tenancy.writable_store().id):
        raise CareError(_("请选择本店的回访专员。"), "assignee_id")
    rows = [t for t in _bulk_tasks(task_ids) if t.status == "open"]
    if not rows:
        raise CareError(_("勾选的任务都已结束。"), "task_ids")
    db.session.execute(
        update(CallbackTask)
        .where(CallbackTask.id.in_([t.id for t in rows]))
        .values(assignee_id=assignee_id, updated_at=utcnow(), version=CallbackTask.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    _tell_assignee(assignee_id, [t.id for t in rows])
    audit.record(
        "care_reassign",
        "care_callbacks",
        None,
        after={"task_ids": [t.id for t in rows], "assignee_id": assignee_id},
        summary=str(len(rows)),
    )
    return len(rows)


def _tell_assignee(assignee_id: int, task_ids: list[int]) -> None:
    """The agent finds the calls given to them in the inbox (once per hand-over)."""
    from flask import url_for

    from ...notifications.services import notify

    notify(
        kind="care",
        title=_("%(n)s 条回访任务已分派给你", n=len(task_ids)),
        key=f"care-reassign:{assignee_id}:{task_ids[0]}:{len(task_ids)}:{utcnow():%Y%m%d%H%M%S%f}",
        link=url_for("care.queue"),
        user_ids=[assignee_id],
    )


def reschedule(task_ids: Iterable[int], due_on: dt.date, today: dt.date) -> int:
    """Move the chosen open tasks to another day (supervisor); never into the past."""
    if due_on < today:
        raise CareError(_("计划日期不能早于今天。"), "due_on")
    if due_on > today + dt.timedelta(days=366):
        raise CareError(_("计划日期不能超过一年。"), "due_on")
    rows = [t for t in _bulk_tasks(task_ids) if t.status == "open"]
    if not rows:
        raise CareError(_("勾选的任务都已结束。"), "task_ids")
    db.session.execute(
        update(CallbackTask)
        .where(CallbackTask.id.in_([t.id for t in rows]))
        .values(due_on=due_on, call_at=None, updated_at=utcnow(), version=CallbackTask.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    audit.record(
        "care_reschedule",
        "care_callbacks",
        None,
        after={"task_ids": [t.id for t in rows], "due_on": due_on.isoformat()},
        summary=str(len(rows)),
    )
    return len(rows)


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True)
class Rate:
    key: Any
    label: str
    due: int
    done: int
    reached: int

    @property
    def rate(self) -> float:
        return round(100.0 * self.done / self.due, 1) if self.due else 0.0


def completion_rates(start: dt.date, end: dt.date) -> tuple[list[Rate], list[Rate]]:
    """Tasks due from ``start`` to ``end``: how many, how many done, how many reached the
    customer (reached, satisfied, complaint), per agent and per rule (two GROUP BYs)."""
    from ..rules import label

    reached = CallbackTask.outcome.in_(("reached", "satisfied", "complaint"))
    columns = (
        func.count(),
        func.count().filter(CallbackTask.status == "done"),
        func.count().filter(sa.and_(CallbackTask.status == "done", reached)),
    )
    period = (CallbackTask.due_on >= start, CallbackTask.due_on <= end, CallbackTask.status != "cancelled")
    by_agent = db.session.execute(
        select(CallbackTask.assignee_id, User.name, *columns)
        .outerjoin(User, User.id == CallbackTask.assignee_id)
        .where(*period)
        .group_by(CallbackTask.assignee_id, User.name)
        .order_by(User.name)
    ).all()
    by_rule = db.session.execute(
        select(CallbackTask.rule, *columns).where(*period).group_by(CallbackTask.rule).order_by(CallbackTask.rule)
    ).all()
    agents = [Rate(r[0], r[1] or _("未分配"), r[2], r[3], r[4]) for r in by_agent]
    rules_ = [Rate(r[0], label(r[0]), r[1], r[2], r[3]) for r in by_rule]
    return agents, rules_
