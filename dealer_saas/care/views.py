"""Care screens: the agent's call-back queue (today, overdue, upcoming, done; by rule),
a task with its one-tap outcomes, the supervisor's bulk reassign/reschedule, the
completion rates and the care agents' duty roster. Thin views: parse, run one service
through ``domain.attempt``, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import tenancy
from ..domain import attempt
from ..extensions import db
from ..shell import store_name
from ..web import arg_date, arg_id, permission_required, redirect_to, render_htmx, trigger
from . import bp, events, rules
from .forms import BulkForm, DutyExceptionForm, OutcomeForm, RemoveForm, WeekForm
from .models import DUTY_KINDS, OUTCOMES, TASK_STATUSES, WEEKDAYS, CallbackAttempt, CallbackTask, CareDutyException
from .services import generation, roster, tasks
from .services.tasks import VIEWS, CareError, QueueFilter

TONES = {"open": "primary", "done": "success", "cancelled": "light"}
OUTCOME_TONES = {
    "reached": "success",
    "satisfied": "success",
    "no_answer": "warning",
    "call_again": "info",
    "wrong_number": "secondary",
    "complaint": "danger",
}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {
        "care_rule_label": rules.label,
        "care_tones": TONES,
        "care_outcome_tones": OUTCOME_TONES,
    }


def _can_work() -> bool:
    ctx = tenancy.current()
    return ctx.can("care.work") and not ctx.is_rollup


def _after() -> tuple[dt.date, int] | None:
    raw = request.args.get("after", "")
    day, _sep, ident = raw.partition(".")
    try:
        value = (dt.date.fromisoformat(day), int(ident))
    except ValueError:
        return None
    return value if 0 < value[1] < 2**31 else None


def _filter() -> QueueFilter:
    view = request.args.get("view", "today")
    rule = request.args.get("rule") or None
    return QueueFilter(
        view=view if view in VIEWS else "today",
        rule=rule if rule in rules.RULES else None,
        assignee_id=arg_id("assignee_id"),
        after=_after(),
    )


def _queue_context(endpoint: str) -> dict[str, Any]:
    f = _filter()
    today = tenancy.store_today()
    rows, last = tasks.queue(f, today)
    args = {"view": f.view, "rule": f.rule, "assignee_id": f.assignee_id}
    next_url = url_for(endpoint, after=f"{last[0].isoformat()}.{last[1]}", **args) if last else None
    return {
        "rows": rows,
        "next_url": next_url,
        "f": f,
        "today": today,
        "views": VIEWS,
        "rule_choices": [(r.code, r.label) for r in rules.ordered()],
        "can_work": _can_work(),
        # the roll-up's cards name their store: each store looked up once, not once per card
        "store_names": {sid: store_name(sid) for sid in {t.store_id for t in rows}}
        if tenancy.current().is_rollup
        else {},
    }


@bp.route("/")
@permission_required("care.view")
def queue():
    """The call-back queue: today's calls first (phone-first cards), overdue, upcoming, done."""
    return render_htmx(
        "care/queue.html",
        "care/_queue.html",
        # one unbound outcome form for every card (each card writes its own version), and
        # the labels translated once per page instead of once per card and button
        blank_form=OutcomeForm(formdata=None),
        care_outcomes={code: str(label) for code, label in OUTCOMES.items()},
        care_statuses={code: str(label) for code, label in TASK_STATUSES.items()},
        care_rule_label=_rule_labels(),
        **_queue_context("care.queue"),
    )


def _rule_labels():
    """``rules.label`` with every rule's label translated once (for a page of cards)."""
    labels = {r.code: str(r.label) for r in rules.ordered()}
    return lambda code: labels.get(code, code)


def _outcome_form(task: CallbackTask) -> OutcomeForm:
    return OutcomeForm(formdata=None, version=task.version)


@bp.route("/tasks/<int:callback_task_id>")
@permission_required("care.view")
def task_detail(callback_task_id: int):
    """One call-back: the customer, the car, the attempts so far and the outcome buttons."""
    task = tasks.get_task(callback_task_id)
    return _task_page(task, _outcome_form(task))


def _task_page(task: CallbackTask, form: OutcomeForm, event: dict | None = None):
    attempts = db.session.execute(
        select(CallbackAttempt).where(CallbackAttempt.task_id == task.id).order_by(CallbackAttempt.at.desc()).limit(20)
    ).scalars()
    return render_htmx(
        "care/task_detail.html",
        "care/_task.html",
        task=tasks.card(task),
        form=form,
        attempts=list(attempts),
        can_work=_can_work() and task.status == "open",
        today=tenancy.store_today(),
        trigger=event,
        detail=True,
    )


@bp.route("/tasks/<int:callback_task_id>/outcome", methods=["POST"])
@permission_required("care.work")
def task_outcome(callback_task_id: int):
    """Record one call's outcome (one tap); the card re-renders in place."""
    task = tasks.get_task(callback_task_id)
    form = OutcomeForm()
    version = form.version.data
    ok = form.validate_on_submit() and attempt(
        form,
        lambda: tasks.record_outcome(
            task.id,
            form.outcome.data,
            note=form.note.data or "",
            call_at=form.call_at.data,
            version=int(version) if str(version or "").isdigit() and len(str(version)) < 10 else None,
        ),
    )
    if not ok:
        return _task_page(task, form)
    if form.outcome.data == "complaint":
        target = tasks.complaint_intake_url(task)
        if target:
            return redirect_to(target, trigger=trigger(events.CALLBACK_DONE, id=task.id))
    if request.form.get("from") == "queue" and request.htmx:
        return render_htmx(
            "care/task_detail.html",
            "care/_task.html",
            task=tasks.card(task),
            form=_outcome_form(task),
            attempts=[],
            can_work=_can_work() and task.status == "open",
            today=tenancy.store_today(),
            trigger=trigger(events.CALLBACK_DONE, id=task.id),
            detail=False,
        )
    if not request.htmx:
        return redirect_to(url_for("care.task_detail", callback_task_id=task.id))
    return _task_page(task, _outcome_form(task), trigger(events.CALLBACK_DONE, id=task.id))


# --------------------------------------------------------------------------- supervisor


def _bulk_form(form: BulkForm | None = None) -> BulkForm:
    """The bulk form with the store's care agents to choose from (one query)."""
    form = form or BulkForm(formdata=None)
    store = tenancy.current_store()
    agents = generation.care_agent_names(store.id) if store is not None else []
    form.assignee_id.choices = [("", _("请选择"))] + agents
    return form


def _supervise_page(form: BulkForm | None = None, event: dict | None = None):
    return render_htmx(
        "care/supervise.html",
        "care/_supervise.html",
        form=_bulk_form(form),
        trigger=event,
        **_queue_context("care.supervise"),
    )


@bp.route("/supervise")
@permission_required("care.supervise")
def supervise():
    """Open tasks with checkboxes: reassign them to an agent or move them to another day."""
    return _supervise_page()


@bp.route("/supervise/bulk", methods=["POST"])
@permission_required("care.supervise")
def supervise_bulk():
    """Apply the bulk change to the ticked tasks; the list re-renders with the result."""
    form = BulkForm()
    _bulk_form(form)
    today = tenancy.store_today()

    def call():
        if form.action.data == "reassign":
            if not form.assignee_id.data:
                raise CareError(_("请选择回访专员。"), "assignee_id")
            return tasks.reassign(form.task_ids.data or [], form.assignee_id.data)
        if form.due_on.data is None:
            raise CareError(_("请选择计划日期。"), "due_on")
        return tasks.reschedule(form.task_ids.data or [], form.due_on.data, today)

    done = form.validate_on_submit() and attempt(form, call)
    if done:
        form = BulkForm(formdata=None)
        form.changed = done  # type: ignore[attr-defined]
        return _supervise_page(form, trigger(events.CALLBACKS_CHANGED))
    return _supervise_page(form)


@bp.route("/rates")
@permission_required("care.supervise")
def rates():
    """Completion rates per agent and per rule of the tasks due in a period (30 days)."""
    today = tenancy.store_today()
    end = arg_date("to") or today
    start = arg_date("from") or end - dt.timedelta(days=29)
    if start > end:
        start, end = end, start
    if (end - start).days > 366:
        start = end - dt.timedelta(days=366)
    by_agent, by_rule = tasks.completion_rates(start, end)
    return render_htmx("care/rates.html", "care/_rates.html", by_agent=by_agent, by_rule=by_rule, start=start, end=end)


# --------------------------------------------------------------------------- duty roster

#: days of the "who is on duty" strip on the roster page
DUTY_STRIP_DAYS = 7


def _week_form(agent: roster.AgentWeek, form: WeekForm | None = None) -> WeekForm:
    return form or WeekForm(formdata=None, prefix=f"w{agent.user_id}", days=agent.days)


def _exception_form(agents: list[roster.AgentWeek], form: DutyExceptionForm | None = None) -> DutyExceptionForm:
    form = form or DutyExceptionForm(formdata=None)
    form.user_id.choices = [(0, _("请选择"))] + [(a.user_id, a.name) for a in agents]
    return form


def _roster_page(
    *,
    week_forms: dict[int, WeekForm] | None = None,
    exception_form: DutyExceptionForm | None = None,
    saved: str | None = None,
    event: dict | None = None,
):
    """The roster: each agent's week, who is on duty the next days, the exceptions. Three
    statements (agents with their weeks, the duty join, the exceptions)."""
    store = tenancy.current_store()
    context: dict[str, Any] = {"rollup": store is None, "weekdays": WEEKDAYS, "duty_kinds": DUTY_KINDS, "saved": saved}
    if store is not None:
        today = tenancy.store_today()
        agents = roster.agent_weeks(store.id)
        forms = week_forms or {}
        days = [today + dt.timedelta(days=n) for n in range(DUTY_STRIP_DAYS)]
        context.update(
            today=today,
            agents=agents,
            names={a.user_id: a.name for a in agents},
            week_forms={a.user_id: _week_form(a, forms.get(a.user_id)) for a in agents},
            exception_form=_exception_form(agents, exception_form),
            roster_set=any(a.weekdays is not None for a in agents),
            duty=roster.on_duty(store.id, days, [a.user_id for a in agents]) if agents else {},
            days=days,
            exceptions=roster.upcoming_exceptions(today),
            can_edit=not tenancy.current().is_rollup,
        )
    return render_htmx("care/roster.html", "care/_roster.html", trigger=event, **context)


@bp.route("/roster")
@permission_required("care.supervise")
def duty_roster():
    """The care agents' duty roster: a week per agent and exceptions per date (supervisor)."""
    return _roster_page()


def _roster_agent(user_id: int) -> roster.AgentWeek:
    """One active care agent of the current store, or 404 (another store's user included)."""
    store = tenancy.writable_store()
    for agent in roster.agent_weeks(store.id):
        if agent.user_id == user_id:
            return agent
    abort(404)


@bp.route("/roster/week/<int:user_id>", methods=["POST"])
@permission_required("care.supervise")
def duty_week(user_id: int):
    """Save one agent's days of the week; the roster re-renders."""
    agent = _roster_agent(user_id)
    form = WeekForm(prefix=f"w{agent.user_id}")
    if form.validate_on_submit() and attempt(form, lambda: roster.set_week(agent.user_id, form.days.data or [])):
        return _roster_page(
            saved=_("已保存 %(name)s 的值班周表。", name=agent.name), event=trigger(events.ROSTER_CHANGED)
        )
    return _roster_page(week_forms={agent.user_id: form})


@bp.route("/roster/exceptions", methods=["POST"])
@permission_required("care.supervise")
def duty_exception_add():
    """Add a leave or an extra day (or change the one of that agent and date)."""
    store = tenancy.writable_store()
    form = _exception_form(roster.agent_weeks(store.id), DutyExceptionForm())
    today = tenancy.store_today()
    ok = form.validate_on_submit() and attempt(
        form,
        lambda: roster.set_exception(
            form.user_id.data or None, form.day.data, form.kind.data, form.note.data or "", today
        ),
    )
    if ok:
        return _roster_page(saved=_("已保存值班例外。"), event=trigger(events.ROSTER_CHANGED))
    return _roster_page(exception_form=form)


@bp.route("/roster/exceptions/<int:care_duty_exception_id>/remove", methods=["POST"])
@permission_required("care.supervise")
def duty_exception_remove(care_duty_exception_id: int):
    """Take an exception back: the agent's week applies again on that date."""
    row = tenancy.get_or_404(CareDutyException, care_duty_exception_id)
    form = RemoveForm()
    if form.validate_on_submit() and attempt(form, lambda: roster.remove_exception(row.id)):
        return _roster_page(saved=_("已删除值班例外。"), event=trigger(events.ROSTER_CHANGED))
    return _roster_page()
