"""Complaint screens: the list, intake, the case page (handle, assign, feedback, notes), the
signed links (the customer's follow-up page, the store's public web form) and the report.

Views are thin: parse the form, run one service through ``domain.attempt``, render the page
or its fragment. Write controls are not shown in the read-only roll-up."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import g, render_template, request, url_for
from flask_babel import gettext as _

from .. import signed_links, tenancy
from ..customers.models import Customer
from ..domain import attempt
from ..i18n import translated
from ..timeutil import from_local, utcnow
from ..web import arg_date, arg_id, permission_required, public, redirect_to, render_htmx, rollback_only, trigger
from . import bp, events
from .forms import ActionForm, AssignForm, ComplaintForm, FeedbackForm, NoteForm, PublicComplaintForm
from .models import CHANNELS, KINDS, STATUSES, Complaint
from .services import cases, report
from .services.rules import COMPLAINT_MOVES

TONES = {
    "received": "warning",
    "accepted": "primary",
    "investigating": "info",
    "resolved": "success",
    "closed": "dark",
    "rejected": "secondary",
}
#: the purposes the two public links are signed for, and how long they live
FOLLOW_LINK = "complaint_follow"
FOLLOW_DAYS = 90
FORM_LINK = "complaint_form"
FORM_DAYS = 90


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"complaint_tones": TONES}


def _read_only() -> bool:
    return tenancy.current().is_rollup


def _owner_choices() -> list[tuple[Any, str]]:
    return [("", _("暂不分派"))] + [(u.id, u.name) for u in cases.handlers()]


# --------------------------------------------------------------------------- list and intake


@bp.route("/")
@permission_required("complaints.view")
def complaint_list():
    """Complaints, enquiries and feedback, newest first; ``?status=`` a state or "open",
    ``?kind=``, ``?mine=1``."""
    status = request.args.get("status") or None
    kind = request.args.get("kind") or None
    mine = request.args.get("mine") == "1"
    page = cases.list_complaints(status=status, kind=kind, mine=mine, after=request.args.get("after"))
    return render_htmx(
        "complaints/list.html",
        "complaints/_rows.html",
        rows=page,
        # the rows' words translated once per page, not once per row
        row_statuses=translated(STATUSES),
        row_kinds=translated(KINDS),
        row_channels=translated(CHANNELS),
        status=status if status in STATUSES or status == "open" else None,
        kind=kind if kind in KINDS else None,
        mine=mine,
        next_url=url_for(
            "complaints.complaint_list", status=status, kind=kind, mine="1" if mine else None, after=page.next_token
        )
        if page.has_more
        else None,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("complaints.handle")
def complaint_new():
    """Take a case in (phone, visit, e-mail pasted in, ...); ``?customer_id=`` from the 360."""
    form = ComplaintForm()
    form.owner_id.choices = _owner_choices()
    customer = None
    customer_id = arg_id("customer_id") or (form.customer_id.data if request.method == "POST" else None)
    if customer_id:
        customer = tenancy.get_or_404(Customer, customer_id)
        form.customer_id.data = customer.id
    if form.validate_on_submit():
        complaint = attempt(form, lambda: cases.create_complaint(dict(form.data)))
        if complaint:
            return redirect_to(
                url_for("complaints.complaint_detail", complaint_id=complaint.id),
                trigger=trigger(events.COMPLAINT_SAVED, id=complaint.id),
            )
    elif request.method == "POST":
        rollback_only()
    return render_template("complaints/new.html", form=form, customer=customer)


# --------------------------------------------------------------------------- the case


def _page(complaint_id: int, *, event: bool = False, **forms: Any):
    complaint = cases.get_complaint(complaint_id)
    assign_form = forms.get("assign_form") or AssignForm(formdata=None, owner_id=complaint.owner_id)
    if not forms.get("assign_form"):
        assign_form.owner_id.choices = _owner_choices() if _can_assign() else []
    return render_htmx(
        "complaints/detail.html",
        "complaints/_case.html",
        complaint=complaint,
        actions=cases.actions_for(complaint),
        action_labels=COMPLAINT_MOVES.action_labels,
        may_reject=cases.may_reject(complaint),
        may_handle=_may_handle(),
        can_assign=_can_assign() and complaint.is_open,
        action_form=forms.get("action_form") or ActionForm(formdata=None),
        assign_form=assign_form,
        feedback_form=forms.get("feedback_form") or FeedbackForm(formdata=None),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        overdue=_overdue(complaint),
        trigger=trigger(events.COMPLAINT_SAVED, id=complaint.id) if event else None,
    )


def _may_handle() -> bool:
    ctx = tenancy.current()
    return not ctx.is_rollup and ctx.can("complaints.handle")


def _can_assign() -> bool:
    ctx = tenancy.current()
    return not ctx.is_rollup and ctx.can("complaints.manage")


def _overdue(complaint: Complaint) -> list[str]:
    now = utcnow()
    late = []
    from ..timeutil import as_utc

    if complaint.status == "received" and complaint.accept_due_at and as_utc(complaint.accept_due_at) <= now:
        late.append("accept")
    if (
        complaint.status in ("received", "accepted", "investigating")
        and complaint.resolve_due_at
        and as_utc(complaint.resolve_due_at) <= now
    ):
        late.append("resolve")
    return late


@bp.route("/<int:complaint_id>")
@permission_required("complaints.view")
def complaint_detail(complaint_id: int):
    """One case: who, what, its SLA, its notes, the next step for its state."""
    return _page(complaint_id)


def _done(complaint_id: int, form: Any, name: str, call) -> Any:
    cases.get_complaint(complaint_id)  # 404 before anything else
    if form.validate_on_submit() and attempt(form, call):
        if not request.htmx:
            return redirect_to(url_for("complaints.complaint_detail", complaint_id=complaint_id))
        return _page(complaint_id, event=True)
    rollback_only()
    return _page(complaint_id, **{name: form})


@bp.route("/<int:complaint_id>/action", methods=["POST"])
@permission_required("complaints.handle")
def complaint_action(complaint_id: int):
    """Accept, investigate, resolve (with the resolution) or reject (with the explanation)."""
    form = ActionForm()
    return _done(
        complaint_id,
        form,
        "action_form",
        lambda: cases.change_state(
            complaint_id, form.action.data, text=form.text.data or "", version=form.version.data
        ),
    )


@bp.route("/<int:complaint_id>/assign", methods=["POST"])
@permission_required("complaints.manage")
def complaint_assign(complaint_id: int):
    form = AssignForm()
    form.owner_id.choices = _owner_choices()
    return _done(
        complaint_id, form, "assign_form", lambda: cases.assign(complaint_id, form.owner_id.data, form.version.data)
    )


@bp.route("/<int:complaint_id>/feedback", methods=["POST"])
@permission_required("complaints.handle")
def complaint_feedback(complaint_id: int):
    """The customer's word on the resolution: satisfied closes, unsatisfied reopens."""
    form = FeedbackForm()
    return _done(
        complaint_id,
        form,
        "feedback_form",
        lambda: cases.record_satisfaction(
            complaint_id, form.satisfied.data == "yes", form.note.data or "", form.version.data
        ),
    )


@bp.route("/<int:complaint_id>/notes", methods=["POST"])
@permission_required("complaints.handle")
def complaint_note(complaint_id: int):
    form = NoteForm()
    return _done(
        complaint_id,
        form,
        "note_form",
        lambda: cases.add_note(complaint_id, form.body.data, public=form.is_public.data),
    )


# --------------------------------------------------------------------------- signed links


@bp.route("/<int:complaint_id>/follow-link")
@permission_required("complaints.handle")
def follow_link(complaint_id: int):
    """The customer's follow-up link of one case (valid 90 days), to send them."""
    complaint = cases.get_complaint(complaint_id)
    token = signed_links.issue(FOLLOW_LINK, complaint.store_id, complaint.id, days=FOLLOW_DAYS)
    return render_template(
        "complaints/link.html",
        title=_("投诉进度查询链接"),
        complaint=complaint,
        url=url_for("complaints.public_follow", token=token, _external=True),
        expires_on=utcnow() + dt.timedelta(days=FOLLOW_DAYS),
    )


@bp.route("/web-form-link")
@permission_required("complaints.handle")
def web_form_link():
    """The store's public complaint form link, for its web page or a QR code (90 days)."""
    store = tenancy.current_store()
    url = None
    if store is not None:
        token = signed_links.issue(FORM_LINK, store.id, store.id, days=FORM_DAYS)
        url = url_for("complaints.public_form", token=token, _external=True)
    return render_template(
        "complaints/link.html",
        title=_("门店在线投诉与咨询表单"),
        complaint=None,
        url=url,
        expires_on=utcnow() + dt.timedelta(days=FORM_DAYS),
    )


@bp.route("/follow/<token>")
@public
def public_follow(token: str):
    """The customer's follow-up page (no login, phone first): the case's state, the public
    notes, the resolution or the explanation of a rejection. Nothing of another store."""
    try:
        with signed_links.opened(FOLLOW_LINK, token, request.remote_addr) as (link, store):
            complaint = tenancy.get_or_none(Complaint, link.record_id)  # only in the link's store
            if complaint is None:
                raise signed_links.LinkRefused("invalid", 404)
            notes = [n for n in complaint.notes if n.is_public]
            body = render_template("complaints/public_follow.html", complaint=complaint, store=store, notes=notes)
    except signed_links.LinkRefused as error:
        return signed_links.refusal_page(error)
    return body, 200, signed_links.PUBLIC_HEADERS


@bp.route("/form/<token>", methods=["GET", "POST"])
@public
def public_form(token: str):
    """The store's public complaint / enquiry form: a case on channel "web", then its
    follow-up link."""
    try:
        with signed_links.opened(FORM_LINK, token, request.remote_addr) as (link, store):
            if link.record_id != store.id:
                raise signed_links.LinkRefused("invalid", 404)
            return _public_form(store)
    except signed_links.LinkRefused as error:
        return signed_links.refusal_page(error)


def _public_form(store: Any):
    """The form inside the link's store context: a case on channel "web", then its follow-up link."""
    form = PublicComplaintForm()
    created = None
    follow_url = None
    if form.validate_on_submit():
        created = attempt(form, lambda: cases.from_public_form(store.id, dict(form.data)))
        if created:
            follow = signed_links.issue(FOLLOW_LINK, store.id, created.id, days=FOLLOW_DAYS)
            follow_url = url_for("complaints.public_follow", token=follow)
        g.rollback_only = False  # a refused try still counts against the rate limit
    body = render_template(
        "complaints/public_form.html", form=form, store=store, created=created, follow_url=follow_url
    )
    return body, 200, signed_links.PUBLIC_HEADERS


# --------------------------------------------------------------------------- report


def _period(days: int | None = None) -> tuple[dt.date, dt.date]:
    """The report's period from ``?start=&end=`` (at most a year): by default this month, or
    the last ``days`` days."""
    today = tenancy.store_today()
    start = arg_date("start") or (today - dt.timedelta(days=days) if days else today.replace(day=1))
    end = arg_date("end") or today
    if end < start:
        start, end = end, start
    if (end - start).days > 366:
        start = end - dt.timedelta(days=366)
    return start, end


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = tenancy.store_timezone()
    return (
        from_local(dt.datetime.combine(start, dt.time()), tz),
        from_local(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()), tz),
    )


@bp.route("/report")
@permission_required("complaints.manage")
def report_page():
    """Complaints by category and problem type, SLA breaches (the figures load on their own)."""
    start, end = _period()
    return render_template(
        "complaints/report.html",
        start=start,
        end=end,
        data_url=url_for("complaints.report_data", start=start.isoformat(), end=end.isoformat()),
    )


@bp.route("/report/data")
@permission_required("complaints.manage")
def report_data():
    start, end = _period()
    since, until = _bounds(start, end)
    rows = report.by_category(since, until)
    breaches = report.breaches(since, until)
    categories: dict[str, int] = {}
    for row in rows:
        categories[row["category"]] = categories.get(row["category"], 0) + row["cases"]
    from .models import CATEGORIES

    chart = {
        "type": "bar",
        "labels": [str(CATEGORIES.get(c, c)) for c in categories],
        "series": [{"name": _("件数"), "values": list(categories.values())}],
    }
    return render_template("complaints/_report.html", rows=rows, breaches=breaches, chart=chart)
