"""Visit log, follow-up cards, "my day", pipeline and the lost-request queue.

"Today" (what is overdue, due) and the times on the forms are the active store's; in the
read-only all-stores roll-up, which has no single store, they are the default zone's
(``tenancy.store_today()`` / ``store_timezone()`` answer so there)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _

from .. import domain, events, tenancy, visibility
from ..customers import pii_log
from ..customers import services as customer_services
from ..customers.services import can_see_full_mobile
from ..timeutil import from_local, local, utcnow
from ..web import (
    arg_date,
    arg_id,
    htmx_response,
    merge_triggers,
    permission_required,
    redirect_to,
    render_htmx,
    rollback_only,
    trigger,
    wants_fragment,
)
from . import bp, services
from .forms import CardForm, ContactForm, LevelForm, LostRequestForm, RosterForm, SendBackForm, VisitForm
from .models import CARD_STATUSES, INTENT_LEVELS, VISIT_KINDS

#: card-status actions a consultant triggers from the card page (the manager's are in the queue)
CARD_PAGE_ACTIONS = ("request_lost", "make_dormant", "reactivate")
#: who sets the day's duty roster on the reception page: the receptionist and the managers
#: (the consultants do not hold it)
ROSTER_NEEDS = "visits.roster"


# --------------------------------------------------------------------------- helpers


def _consultant_choices(blank: str, consultants=None) -> list[tuple[Any, str]]:
    """The store's consultants as choices (``consultants``: already loaded, e.g. the queue's)."""
    if consultants is None:
        consultants = services.consultants()
    return [("", blank)] + [(u.id, u.name) for u in consultants]


@bp.context_processor
def _card_helpers() -> dict[str, Any]:
    return {
        "can_call": services.can_call,
        "is_visible_card": services.is_visible_card,
        "sees_whole_store": visibility.sees_whole_store,
    }


# --------------------------------------------------------------------------- visits


@bp.route("/visits/today")
@permission_required("visits.view")
def visit_board():
    """The reception page: the reception queue (consultants on duty in rotation, who is with
    a customer, the customers in the store) above today's visits grouped by consultant with
    the day's counts; each part refreshes on visitLogged."""
    return render_htmx(
        "leads/visit_board.html",
        "leads/_visit_board.html",
        board=services.visit_board(),
        highlight=visibility.sees_whole_store(),
        **_queue_context(),
    )


def _roster_rows(queue) -> list[tuple[Any, bool, int]]:
    """(consultant, on duty, position) for the roster form: today's roster in order, then the
    store's other consultants; on a day without a roster, the latest roster is offered."""
    on_duty = [e.consultant.id for e in queue.entries] if queue.entries else queue.last_roster
    everyone = queue.consultants
    by_id = {u.id: u for u in everyone}
    ordered = [by_id[i] for i in on_duty if i in by_id] + [u for u in everyone if u.id not in on_duty]
    return [(u, u.id in on_duty, n) for n, u in enumerate(ordered, start=1)]


def _queue_context(roster_form: RosterForm | None = None) -> dict[str, Any]:
    queue = services.reception_queue()
    can_roster = queue is not None and tenancy.current().can(ROSTER_NEEDS)
    return {
        "queue": queue,
        "roster_rows": _roster_rows(queue) if can_roster else [],
        "can_roster": can_roster,
        "roster_form": roster_form or RosterForm(formdata=None),
    }


@bp.route("/visits/queue")
@permission_required("visits.view")
def reception_queue():
    """The reception queue fragment; re-fetched on visitLogged."""
    return render_template("leads/_reception_queue.html", **_queue_context())


def _posted_roster() -> list[int]:
    """The ticked consultants in the order of their position fields (ties: the form's order)."""
    ticked: list[tuple[int, int, int]] = []
    for n, raw in enumerate(request.form.getlist("on_duty")):
        try:
            user_id = int(raw)
        except ValueError:
            continue
        if not 0 < user_id < 2**31:
            continue
        try:
            position = int(request.form.get(f"position_{user_id}", ""))
        except ValueError:
            position = 10_000
        ticked.append((max(0, min(position, 10_000)), n, user_id))
    return [user_id for _position, _n, user_id in sorted(ticked)]


@bp.route("/visits/roster", methods=["POST"])
@permission_required(ROSTER_NEEDS)
def duty_roster():
    """Set today's duty roster (who is on duty, in rotation order); the queue re-renders."""
    form = RosterForm()
    if form.validate_on_submit():
        if domain.attempt(form, lambda: services.set_duty_roster(_posted_roster())):
            if not wants_fragment():
                flash(_("已保存今日排班。"), "success")
                return redirect_to(url_for("leads.visit_board"))
            return htmx_response(render_template("leads/_reception_queue.html", **_queue_context()))
    else:
        rollback_only()
    if not wants_fragment():
        flash(" ".join(str(e) for e in form.form_errors) or _("排班未保存，请重试。"), "error")
        return redirect_to(url_for("leads.visit_board"))
    return htmx_response(render_template("leads/_reception_queue.html", **_queue_context(roster_form=form)))


def _model_chips(models) -> list[tuple[int, str]]:
    """Chip labels: the series, plus the trim where one series has several models (two
    identical "帕萨特" chips cannot be told apart)."""
    series = [m.series for m in models]
    return [
        (m.id, f"{m.series} {m.trim}".strip() if m.series and series.count(m.series) > 1 else (m.series or m.label))
        for m in models
    ]


def _prepare_visit_form(form: VisitForm, queue) -> None:
    """The form's choices; ``queue`` (the reception queue, None in the roll-up) brings the
    store's consultants along."""
    # the chips show only the store's own brands (Store.brand_list)
    form.model_id.choices = _model_chips(services.vehicle_models(own_brands_only=True))
    form.consultant_id.choices = _consultant_choices(_("未分配"), queue.consultants if queue is not None else None)


def _propose_consultant(form: VisitForm, queue, wanted: int | None = None) -> None:
    """Fill in who receives the visitor: the consultant chosen in the queue (``wanted``), else
    a consultant logging their own walk-in, else the next free one in rotation
    (services.next_free_consultant)."""
    choices = {value for value, _label in form.consultant_id.choices if value}
    user_id = tenancy.current().user_id
    if wanted in choices:
        form.consultant_id.data = wanted
    elif user_id in choices:
        form.consultant_id.data = user_id
    elif queue is not None and queue.proposed is not None and queue.proposed.id in choices:
        form.consultant_id.data = queue.proposed.id


def _visit_form_context(form: VisitForm, queue=None, **extra: Any) -> dict[str, Any]:
    return dict(
        form=form,
        queue=queue,
        may_leave_unassigned=tenancy.current().can(services.UNASSIGNED_NEEDS),
        **extra,
    )


def _visit_input(form: VisitForm) -> services.VisitInput:
    data = dict(form.data)
    tz = tenancy.store_timezone()
    for key in ("time_in", "time_out"):
        if data.get(key):
            data[key] = from_local(data[key], tz)
    data["party_size"] = data.get("party_size") or 1
    return services.VisitInput.from_form(data)


@bp.route("/visits/new", methods=["GET", "POST"])
@permission_required("visits.edit")
def visit_new():
    """The one-screen quick form: visit, customer by mobile, optional card, one save."""
    form = VisitForm()
    queue = services.reception_queue()
    _prepare_visit_form(form, queue)
    saved = None
    if request.method == "GET":
        _propose_consultant(form, queue, arg_id("consultant_id"))
        form.source.data = form.kind.data  # 到店 -> 到店; the script keeps it in step with the kind
        form.time_in.data = local(utcnow(), tenancy.store_timezone()).replace(second=0, microsecond=0, tzinfo=None)
    elif form.validate_on_submit():
        logged = domain.attempt(form, lambda: services.log_visit(_visit_input(form)))
        if logged:
            visit, card = logged
            triggers = merge_triggers(
                trigger(events.VISIT_LOGGED, id=visit.id), trigger(events.CARD_SAVED, id=card.id) if card else None
            )
            if not wants_fragment():
                flash(_("已登记。"), "success")
                return redirect_to(url_for("leads.visit_board"))
            # a fresh form for the next visitor, with what was just saved on top and the
            # next consultant in rotation proposed
            saved = (visit, card)
            form = VisitForm(formdata=None)
            next_queue = services.reception_queue()
            _prepare_visit_form(form, next_queue)
            _propose_consultant(form, next_queue)
            form.source.data = form.kind.data
            form.time_in.data = local(utcnow(), tenancy.store_timezone()).replace(second=0, microsecond=0, tzinfo=None)
            return render_htmx(
                "leads/visit_form.html",
                "leads/_visit_form.html",
                trigger=triggers,
                **_visit_form_context(form, next_queue, saved=saved, action=url_for("leads.visit_new")),
            )
    else:
        rollback_only()
    return render_htmx(
        "leads/visit_form.html",
        "leads/_visit_form.html",
        **_visit_form_context(form, queue, saved=saved, action=url_for("leads.visit_new")),
    )


@bp.route("/visits/customer-hint")
@permission_required("visits.edit")
def visit_customer_hint():
    """As the mobile is typed: "老客户：张三（顾问 李四）" when the store knows the number; for
    the last 4 digits, the customers whose number ends so (masked without customers.pii)."""
    hint = services.customer_hint(request.args.get("mobile", "")[:40])
    return render_template("leads/_customer_hint.html", hint=hint)


@bp.route("/visits")
@permission_required("visits.view")
def visit_list():
    """Visits filtered by date range, consultant, kind, no-contact-only; keyset pages."""
    filters = {
        "date_from": arg_date("date_from"),
        "date_to": arg_date("date_to"),
        "consultant_id": arg_id("consultant_id"),
        "kind": request.args.get("kind", ""),
        "no_contact": request.args.get("no_contact") == "1",
    }
    page = services.list_visits(filters, request.args.get("after"))
    args = {k: v for k, v in request.args.items() if k != "after"}
    next_url = url_for("leads.visit_list", after=page.next_token, **args) if page.next_token else None
    return render_htmx(
        "leads/visit_list.html",
        "leads/_visit_rows.html",
        rows=page,
        next_url=next_url,
        filters=filters,
        consultants=services.consultant_names(),
        kinds=VISIT_KINDS,
    )


@bp.route("/visits/<int:visit_id>")
@permission_required("visits.view")
def visit_detail(visit_id: int):
    """One visit."""
    return render_template("leads/visit_detail.html", visit=services.get_visit(visit_id))


@bp.route("/visits/<int:visit_id>/edit", methods=["GET", "POST"])
@permission_required("visits.edit")
def visit_edit(visit_id: int):
    """Edit a visit; contact details added later link the customer."""
    visit = services.get_visit(visit_id)
    form = VisitForm(obj=visit) if request.method == "GET" else VisitForm()
    _prepare_visit_form(form, None)
    if request.method == "GET":
        form.time_in.data = local(visit.time_in, tenancy.store_timezone()).replace(tzinfo=None)
        form.time_out.data = (
            local(visit.time_out, tenancy.store_timezone()).replace(tzinfo=None) if visit.time_out else None
        )
        form.name.data = visit.customer.name if visit.customer else visit.visitor_name
        # a linked visit keeps its customer whatever the field says (update_visit), so a
        # number the user may not see is simply left out
        form.mobile.data = visit.customer.mobile if visit.customer and can_see_full_mobile(visit.customer) else ""
        if form.mobile.data:
            pii_log.note(None, visit.customer.id, ["mobile"])  # the form shows the full number
        if visit.consultant_id and not any(v == visit.consultant_id for v, _l in form.consultant_id.choices):
            form.consultant_id.choices.append((visit.consultant_id, visit.consultant.name))
    elif form.validate_on_submit():
        if domain.attempt(form, lambda: services.update_visit(visit.id, _visit_input(form))):
            return redirect_to(
                url_for("leads.visit_detail", visit_id=visit.id), trigger=trigger(events.VISIT_LOGGED, id=visit.id)
            )
    else:
        rollback_only()
    return render_htmx(
        "leads/visit_form.html",
        "leads/_visit_form.html",
        **_visit_form_context(form, visit=visit, saved=None, action=url_for("leads.visit_edit", visit_id=visit.id)),
    )


@bp.route("/visits/<int:visit_id>/leave", methods=["POST"])
@permission_required("visits.edit")
def visit_leave(visit_id: int):
    """ "离店": one tap sets the time out; the board re-renders."""
    visit = services.mark_visit_left(visit_id)
    if not wants_fragment():
        return redirect_to(url_for("leads.visit_board"))
    return render_htmx(
        "leads/visit_board.html",
        "leads/_visit_board.html",
        board=services.visit_board(),
        highlight=visibility.sees_whole_store(),
        trigger=trigger(events.VISIT_LOGGED, id=visit.id),
    )


# --------------------------------------------------------------------------- cards


@bp.route("/cards")
@permission_required("cards.view")
def card_list():
    """Cards with filters (level, status, consultant, overdue only); keyset pages."""
    filters = {
        "level": request.args.get("level", ""),
        "status": request.args.get("status", "open"),
        "consultant_id": arg_id("consultant_id"),
        "overdue": request.args.get("overdue") == "1",
        "sort": request.args.get("sort", "due"),
    }
    page = services.list_cards(filters, request.args.get("after"), rows_only=True)
    args = {k: v for k, v in request.args.items() if k != "after"}
    next_url = url_for("leads.card_list", after=page.next_token, **args) if page.next_token else None
    return render_htmx(
        "leads/card_list.html",
        "leads/_card_rows.html",
        rows=page,
        next_url=next_url,
        filters=filters,
        consultants=services.consultant_names() if visibility.sees_whole_store() else [],
        statuses=CARD_STATUSES,
        levels=INTENT_LEVELS,
        today=tenancy.store_today(),
    )


def _prepare_card_form(form: CardForm, card=None) -> None:
    form.model_id.choices = [("", _("未选择"))] + [(m.id, m.label) for m in services.vehicle_models()]
    form.consultant_id.choices = _consultant_choices(_("未分配"))
    if (
        card is not None
        and card.consultant_id
        and not any(v == card.consultant_id for v, _l in form.consultant_id.choices)
    ):
        form.consultant_id.choices.append((card.consultant_id, card.consultant.name if card.consultant else "?"))


@bp.route("/cards/new", methods=["GET", "POST"])
@permission_required("cards.edit")
def card_new():
    """Open a follow-up card for a customer (``?customer_id=``)."""
    customer_id = arg_id("customer_id")
    if customer_id is None:
        abort(404)
    customer = customer_services.get_customer(customer_id)
    form = CardForm()
    _prepare_card_form(form)
    if request.method == "GET":
        form.consultant_id.data = customer.owner_id or tenancy.current().user_id
        form.source.data = customer.source if customer.source in dict(form.source.choices) else "walk_in"
    elif form.validate_on_submit():
        card = domain.attempt(form, lambda: services.create_card(customer.id, form.data))
        if card:
            return redirect_to(
                url_for("leads.card_detail", follow_up_card_id=card.id), trigger=trigger(events.CARD_SAVED, id=card.id)
            )
    else:
        rollback_only()
    return render_template(
        "leads/card_form.html",
        form=form,
        customer=customer,
        card=None,
        action=url_for("leads.card_new", customer_id=customer.id),
    )


def _card_context(card, contact_form=None, lost_form=None) -> dict[str, Any]:
    if contact_form is None:
        contact_form = ContactForm(formdata=None)
    return dict(
        card=card,
        contacts=services.card_contacts(card.id),
        contact_form=contact_form,
        lost_form=lost_form or LostRequestForm(formdata=None),
        actions=services.allowed_actions(card),
        can_decide=services.can_decide_lost(card),
        today=tenancy.store_today(),
        send_back_form=SendBackForm(formdata=None),
    )


@bp.route("/cards/<int:follow_up_card_id>")
@permission_required("cards.view")
def card_detail(follow_up_card_id: int):
    """The card, its status actions, the contact log (newest first) and the contact form."""
    card = services.get_card(follow_up_card_id)
    return render_htmx("leads/card_detail.html", "leads/_card_detail.html", **_card_context(card))


@bp.route("/cards/<int:follow_up_card_id>/edit", methods=["GET", "POST"])
@permission_required("cards.edit")
def card_edit(follow_up_card_id: int):
    """Edit a card; the version it was loaded with must still be current."""
    card = services.get_card(follow_up_card_id)
    form = CardForm(obj=card) if request.method == "GET" else CardForm()
    _prepare_card_form(form, card)
    if request.method == "GET":
        form.version.data = card.version
    elif form.validate_on_submit():
        data = dict(form.data)
        if not visibility.sees_whole_store():
            data.pop("consultant_id", None)
        try:
            version = int(form.version.data or 0)
        except ValueError:
            version = 0
        if domain.attempt(form, lambda: services.update_card(card.id, data, version)):
            return redirect_to(
                url_for("leads.card_detail", follow_up_card_id=card.id), trigger=trigger(events.CARD_SAVED, id=card.id)
            )
    else:
        rollback_only()
    return render_template(
        "leads/card_form.html",
        form=form,
        customer=card.customer,
        card=card,
        action=url_for("leads.card_edit", follow_up_card_id=card.id),
    )


def _my_day_row(card_id: int, form: ContactForm | None = None, trigger_value=None, is_open: bool = False):
    card = services.get_card(card_id)
    return htmx_response(
        render_template(
            "leads/_my_day_card.html",
            card=card,
            last=services.last_contacts([card.id]).get(card.id),
            today=tenancy.store_today(),
            form=form or ContactForm(formdata=None),
            is_open=is_open,
            show_consultant=False,
        ),
        trigger=trigger_value,
    )


@bp.route("/cards/<int:follow_up_card_id>/contacts", methods=["POST"])
@permission_required("cards.edit")
def card_contact(follow_up_card_id: int):
    """Log a contact (may change the level and the next call-back date)."""
    card = services.get_card(follow_up_card_id)
    form = ContactForm()
    in_my_day = form.ctx.data == "my_day"
    if form.validate_on_submit():
        logged = domain.attempt(form, lambda: services.log_contact(card.id, form.data))
        if logged:
            _contact, level_changed = logged
            triggers = merge_triggers(
                trigger(events.CARD_CONTACTED, id=card.id),
                trigger(events.CARD_LEVEL_CHANGED, id=card.id, level=card.level) if level_changed else None,
            )
            if not wants_fragment():
                flash(_("已记录跟进。"), "success")
                target = (
                    url_for("leads.my_day") if in_my_day else url_for("leads.card_detail", follow_up_card_id=card.id)
                )
                return redirect_to(target)
            if in_my_day:
                return _my_day_row(card.id, trigger_value=triggers)
            return render_htmx(
                "leads/card_detail.html", "leads/_card_detail.html", trigger=triggers, **_card_context(card)
            )
    else:
        rollback_only()
    if in_my_day and wants_fragment():
        return _my_day_row(card.id, form=form, is_open=True)
    return render_htmx("leads/card_detail.html", "leads/_card_detail.html", **_card_context(card, contact_form=form))


@bp.route("/cards/<int:follow_up_card_id>/level", methods=["POST"])
@permission_required("cards.edit")
def card_change_level(follow_up_card_id: int):
    """Pipeline drop or level select: change the level and answer the updated card."""
    card = services.get_card(follow_up_card_id)
    form = LevelForm()
    if not form.validate_on_submit():
        return htmx_response(_("意向级别不正确。"), 422)
    try:
        services.change_card_level(card.id, form.level.data)
    except services.LeadsError as error:
        return htmx_response(str(error), 422)
    triggered = trigger(events.CARD_LEVEL_CHANGED, id=card.id, level=card.level)
    if not request.htmx:
        return redirect_to(url_for("leads.pipeline"))
    return htmx_response(
        render_template("leads/_pipeline_card.html", card=card, today=tenancy.store_today(), levels=INTENT_LEVELS),
        trigger=triggered,
    )


@bp.route("/cards/<int:follow_up_card_id>/status", methods=["POST"])
@permission_required("cards.edit")
def card_transition(follow_up_card_id: int):
    """Request lost (reason + competitor), make dormant or reactivate a card."""
    card = services.get_card(follow_up_card_id)
    action = request.form.get("action", "")
    if action not in CARD_PAGE_ACTIONS:
        abort(404)
    lost_form = LostRequestForm() if action == "request_lost" else None
    try:
        if lost_form is not None:
            services.transition_card(
                card.id, action, reason=lost_form.reason.data or "", competitor=lost_form.competitor.data or ""
            )
        else:
            services.transition_card(card.id, action)
    except services.LeadsError as error:
        rollback_only()
        if lost_form is not None:
            domain.attach_error(lost_form, error)
        else:
            flash(str(error), "error")
        return render_htmx(
            "leads/card_detail.html", "leads/_card_detail.html", **_card_context(card, lost_form=lost_form)
        )
    return redirect_to(
        url_for("leads.card_detail", follow_up_card_id=card.id), trigger=trigger(events.CARD_SAVED, id=card.id)
    )


@bp.route("/cards/lost-requests")
@permission_required("cards.approve_lost")
def lost_queue():
    """The sales manager's queue of lost (战败) requests."""
    user_id = tenancy.current().user_id
    return render_template(
        "leads/lost_queue.html", cards=services.lost_queue(), user_id=user_id, form=SendBackForm(formdata=None)
    )


@bp.route("/cards/<int:follow_up_card_id>/lost-decision", methods=["POST"])
@permission_required("cards.approve_lost")
def card_decide_lost(follow_up_card_id: int):
    """Approve a lost request or send it back with a note; the queue row goes away."""
    card = services.get_card(follow_up_card_id)
    decision = request.form.get("decision", "")
    form = SendBackForm()
    if decision not in ("approve_lost", "send_back"):
        abort(404)
    try:
        services.transition_card(card.id, decision, note=form.note.data or "")
    except services.LeadsError as error:
        domain.attach_error(form, error)
        if not wants_fragment():
            flash(str(error), "error")
            return redirect_to(url_for("leads.lost_queue"))
        return htmx_response(
            render_template("leads/_lost_row.html", card=card, form=form, user_id=tenancy.current().user_id)
        )
    triggered = trigger(events.CARD_LOST_DECIDED, id=card.id, decision=decision)
    if not wants_fragment():
        flash(_("已处理。"), "success")
        return redirect_to(url_for("leads.lost_queue"))
    return htmx_response("", trigger=triggered)


@bp.route("/my-day")
@permission_required("cards.edit")
def my_day():
    """The consultant's cards due today and overdue; managers may see everyone's overdue."""
    everyone = request.args.get("scope") == "all" and visibility.sees_whole_store()
    day = services.my_day(everyone=everyone)
    return render_htmx(
        "leads/my_day.html",
        "leads/_my_day_list.html",
        day=day,
        form=ContactForm(formdata=None),
        can_see_all=visibility.sees_whole_store(),
    )


@bp.route("/my-day/counts")
@permission_required("cards.edit")
def my_day_counts():
    """The overdue / due-today badges; re-fetched on cardContacted."""
    overdue, due_today = services.my_day_counts()
    return render_template("leads/_my_day_counts.html", overdue=overdue, due_today=due_today)


@bp.route("/pipeline")
@permission_required("cards.view")
def pipeline():
    """Kanban of open cards by level; drag (or the select) changes the level."""
    by_level = services.pipeline_columns(INTENT_LEVELS)
    columns = [(level, label, *by_level[level]) for level, label in INTENT_LEVELS.items()]
    return render_htmx(
        "leads/pipeline.html",
        "leads/_pipeline_board.html",
        columns=columns,
        today=tenancy.store_today(),
        levels=INTENT_LEVELS,
        can_edit=tenancy.current().can("cards.edit"),
    )
