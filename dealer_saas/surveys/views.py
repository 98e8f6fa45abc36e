"""Survey screens: results (CSI/NPS per store, staff member, month), the answered surveys,
one survey's answers, the template editor, and the customer's public one-time survey page.

Views are thin: parse the form, run one service through ``domain.attempt``, render."""

from __future__ import annotations

from typing import Any

from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import signed_links, tenancy
from ..complaints.views import _bounds, _period
from ..domain import DomainError, attach_error, attempt
from ..extensions import db
from ..pagination import Sort, keyset_page
from ..validation import strip_controls
from ..web import permission_required, public, redirect_to, render_htmx, rollback_only, trigger
from . import bp, events
from .forms import AnswerForm, QuestionForm, TemplateForm
from .models import KINDS, SurveyInvitation
from .services import report, responses
from .services import templates as survey_templates
from .services.dispatch import LINK_PURPOSE

#: the results cover the last year unless asked otherwise
DEFAULT_DAYS = 365
NEWEST_ANSWER = Sort("newest", (SurveyInvitation.answered_at, SurveyInvitation.id), desc=True)


def _read_only() -> bool:
    return tenancy.current().is_rollup


# --------------------------------------------------------------------------- results


@bp.route("/")
@permission_required("surveys.view")
def results():
    """CSI and NPS of the period; the three tables load as fragments of their own."""
    start, end = _period(DEFAULT_DAYS)
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    urls = {
        group: url_for("surveys.results_data", group=group, start=start.isoformat(), end=end.isoformat(), kind=kind)
        for group in report.GROUPS
    }
    return render_template("surveys/results.html", start=start, end=end, kind=kind, urls=urls)


@bp.route("/results/data")
@permission_required("surveys.view")
def results_data():
    group = request.args.get("group") if request.args.get("group") in report.GROUPS else "store"
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    start, end = _period(DEFAULT_DAYS)
    since, until = _bounds(start, end)
    rows = report.scores(since, until, group=group, kind=kind)
    sent, answered = report.sent_and_answered(since, until) if group == "store" else (None, None)
    chart = {
        "type": "bar",
        "labels": [r.label for r in rows],
        "series": [
            {"name": "CSI", "values": [float(r.csi) if r.csi is not None else 0 for r in rows]},
            {"name": "NPS", "values": [float(r.nps) if r.nps is not None else 0 for r in rows]},
        ],
    }
    return render_template("surveys/_scores.html", rows=rows, group=group, chart=chart, sent=sent, answered=answered)


@bp.route("/answers")
@permission_required("surveys.view")
def answer_list():
    """Answered surveys, newest first; ``?low=1`` only the low scores (to review)."""
    low = request.args.get("low") == "1"
    stmt = (
        select(SurveyInvitation)
        .where(SurveyInvitation.status == "answered")
        .options(joinedload(SurveyInvitation.customer), joinedload(SurveyInvitation.template))
    )
    if low:
        stmt = stmt.where(SurveyInvitation.is_low.is_(True))
    page = keyset_page(stmt, NEWEST_ANSWER, request.args.get("after"), 25)
    return render_htmx(
        "surveys/answers.html",
        "surveys/_answer_rows.html",
        rows=page,
        low=low,
        next_url=url_for("surveys.answer_list", low="1" if low else None, after=page.next_token)
        if page.has_more
        else None,
    )


@bp.route("/invitations/<int:survey_invitation_id>")
@permission_required("surveys.view")
def invitation_detail(survey_invitation_id: int):
    invitation = tenancy.get_or_404(SurveyInvitation, survey_invitation_id)
    from ..complaints.models import Complaint

    complaint = db.session.execute(
        select(Complaint).where(Complaint.survey_invitation_id == invitation.id)
    ).scalar_one_or_none()
    questions = {q.id: q for q in responses.questions_of(invitation)}
    return render_template("surveys/invitation.html", invitation=invitation, questions=questions, complaint=complaint)


# --------------------------------------------------------------------------- templates


@bp.route("/templates")
@permission_required("surveys.manage")
def template_list():
    """The group's templates; the group's managers open them to edit."""
    return render_template(
        "surveys/templates.html",
        templates=survey_templates.list_templates(),
        can_edit=survey_templates.is_editor(),
        read_only=_read_only(),
    )


@bp.route("/templates/new", methods=["GET", "POST"])
@permission_required("surveys.manage")
def template_new():
    if not survey_templates.is_editor():
        abort(404)
    form = TemplateForm()
    if form.validate_on_submit():
        template = attempt(form, lambda: survey_templates.create_template(dict(form.data)))
        if template:
            return redirect_to(url_for("surveys.template_edit", survey_template_id=template.id))
    elif request.method == "POST":
        rollback_only()
    return render_template("surveys/template_new.html", form=form)


def _editor(survey_template_id: int, *, form: Any = None, question_form: Any = None, event: bool = False):
    template = survey_templates.with_questions(survey_template_id)
    if form is None:
        form = TemplateForm(formdata=None, obj=template)
    return render_htmx(
        "surveys/template_edit.html",
        "surveys/_template.html",
        template=template,
        form=form,
        question_form=question_form or QuestionForm(formdata=None),
        read_only=_read_only(),
        trigger=trigger(events.SURVEY_TEMPLATE_SAVED, id=template.id) if event else None,
    )


@bp.route("/templates/<int:survey_template_id>", methods=["GET", "POST"])
@permission_required("surveys.manage")
def template_edit(survey_template_id: int):
    """The template and its questions; POST saves the template's fields."""
    survey_templates.get_template(survey_template_id)
    if request.method == "GET":
        return _editor(survey_template_id)
    form = TemplateForm()
    if form.validate_on_submit() and attempt(
        form, lambda: survey_templates.update_template(survey_template_id, dict(form.data), form.version.data)
    ):
        return _editor(survey_template_id, event=True)
    rollback_only()
    return _editor(survey_template_id, form=form)


@bp.route("/templates/<int:survey_template_id>/questions", methods=["POST"])
@permission_required("surveys.manage")
def question_add(survey_template_id: int):
    survey_templates.get_template(survey_template_id)
    form = QuestionForm()
    if form.validate_on_submit() and attempt(
        form, lambda: survey_templates.add_question(survey_template_id, dict(form.data))
    ):
        return _editor(survey_template_id, event=True)
    rollback_only()
    return _editor(survey_template_id, question_form=form)


@bp.route("/templates/<int:survey_template_id>/questions/<int:survey_question_id>/delete", methods=["POST"])
@permission_required("surveys.manage")
def question_delete(survey_template_id: int, survey_question_id: int):
    survey_templates.get_template(survey_template_id)
    form = QuestionForm(formdata=None)
    csrf = AnswerForm()
    if csrf.validate_on_submit() and attempt(
        form, lambda: survey_templates.remove_question(survey_template_id, survey_question_id)
    ):
        return _editor(survey_template_id, event=True)
    rollback_only()
    return _editor(survey_template_id, question_form=form)


# --------------------------------------------------------------------------- the public page


def _submitted(questions) -> dict[str, Any]:
    """The answers of the posted form, by ``q<id>``, text cleaned and bounded."""
    out: dict[str, Any] = {}
    for question in questions:
        name = f"q{question.id}"
        if question.kind == "multiple":
            out[name] = [strip_controls(v)[:60] for v in request.form.getlist(name)[:20]]
        else:
            value = request.form.get(name)
            out[name] = strip_controls(value, keep_lines=True)[:1000] if value is not None else None
    return out


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
def public_survey(token: str):
    """The customer's survey (no login, phone first), answered once: a second use, a
    tampered, expired or other store's link answers a friendly page."""
    try:
        with signed_links.opened(LINK_PURPOSE, token, request.remote_addr) as (link, store):
            return _survey_page(link, store)
    except signed_links.LinkRefused as error:
        return signed_links.refusal_page(error)


def _survey_page(link: Any, store: Any):
    """The survey inside the link's store context (no permissions)."""
    invitation = responses.invitation_for_link(link.record_id)
    if invitation is None:
        raise signed_links.LinkRefused("invalid", 404)
    if invitation.status == "answered":
        raise signed_links.LinkRefused("answered", 410)
    questions = responses.questions_of(invitation)
    form = AnswerForm()
    errors: dict[str, str] = {}
    done = None
    values: dict[str, Any] = {}
    if form.validate_on_submit():
        values = _submitted(questions)
        try:
            with db.session.begin_nested():
                done = responses.answer(invitation.id, values)
        except responses.AlreadyAnswered:
            raise signed_links.LinkRefused("answered", 410) from None
        except DomainError as error:
            if error.field:
                errors[error.field] = str(error)
            else:
                attach_error(form, error)
        g.rollback_only = False  # a refused try still counts against the rate limit
    elif request.method == "POST":
        attach_error(form, DomainError(_("页面已过期，请刷新后重试。")))
        g.rollback_only = False
    body = render_template(
        "surveys/public_survey.html",
        store=store,
        invitation=invitation,
        questions=questions,
        form=form,
        errors=errors,
        values=values,
        done=done,
    )
    return body, 200, signed_links.PUBLIC_HEADERS
