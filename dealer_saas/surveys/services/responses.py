"""A customer's answers through the public link: stored once (the invitation row is locked
and must still be unanswered), scored (``score_pct``: the score answers as a percentage of
their scale's best; ``nps``: the first 0-10 answer), and a low score handed to
``surveys.services.low_score_action``."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import audit, tenancy
from ...extensions import db
from ...timeutil import utcnow
from .. import settings
from ..models import SCALES, SCORE_KINDS, SurveyAnswer, SurveyInvitation, SurveyQuestion
from .templates import SurveyError


class AlreadyAnswered(SurveyError):
    """The survey's link was used already (single use)."""


def invitation_for_link(record_id: int) -> SurveyInvitation | None:
    """The link's invitation in the link's store (the caller entered its context); one
    never sent (still due, or skipped) is not answerable."""
    invitation = tenancy.get_or_none(SurveyInvitation, record_id)
    if invitation is None or invitation.status not in ("sent", "answered"):
        return None
    return invitation


def questions_of(invitation: SurveyInvitation) -> list[SurveyQuestion]:
    return list(
        db.session.execute(
            select(SurveyQuestion)
            .where(SurveyQuestion.template_id == invitation.template_id)
            .order_by(SurveyQuestion.position, SurveyQuestion.id)
        ).scalars()
    )


def _check(question: SurveyQuestion, raw: Any) -> tuple[int | None, str] | None:
    """(score, value) of one answer, None when left blank; SurveyError when out of range."""
    field = f"q{question.id}"
    if question.kind in SCORE_KINDS:
        if raw in (None, ""):
            return None
        try:
            score = int(raw)
        except (TypeError, ValueError):
            raise SurveyError(_("请选择评分。"), field) from None
        low, high = SCALES[question.kind]
        if not low <= score <= high:
            raise SurveyError(_("请选择评分。"), field)
        return score, str(score)
    if question.kind == "single":
        if raw in (None, ""):
            return None
        if raw not in question.choices:
            raise SurveyError(_("选项无效。"), field)
        return None, raw
    if question.kind == "multiple":
        values = [v for v in (raw or []) if v]
        if not values:
            return None
        if any(v not in question.choices for v in values):
            raise SurveyError(_("选项无效。"), field)
        return None, "|".join(dict.fromkeys(values))
    text = (raw or "").strip()
    return (None, text[:1000]) if text else None


def score(answers: list[tuple[SurveyQuestion, int | None]]) -> tuple[Decimal | None, int | None]:
    """(CSI percentage, NPS answer) of the scored answers."""
    percentages = [Decimal(s) * 100 / SCALES[q.kind][1] for q, s in answers if s is not None and q.kind in SCORE_KINDS]
    pct = (sum(percentages) / len(percentages)).quantize(Decimal("0.1"), ROUND_HALF_UP) if percentages else None
    nps = next((s for q, s in answers if q.kind == "score10" and s is not None), None)
    return pct, nps


def answer(invitation_id: int, submitted: dict[str, Any]) -> SurveyInvitation:
    """Store the answers once: ``submitted`` maps ``q<question id>`` to the value (a list for
    a multiple choice). Raises AlreadyAnswered on a second use, SurveyError beside the
    question for a missing or invalid answer."""
    invitation = db.session.execute(
        select(SurveyInvitation).where(SurveyInvitation.id == invitation_id).with_for_update()
    ).scalar_one_or_none()
    if invitation is None or invitation.status not in ("sent", "answered"):
        raise SurveyError(_("该调查不存在。"))
    if invitation.status == "answered":
        raise AlreadyAnswered(_("您已提交过本次评价，感谢您的反馈！"))
    rules = settings.rules(tenancy.store_of(invitation))
    given: list[tuple[SurveyQuestion, int | None]] = []
    rows: list[SurveyAnswer] = []
    comments: list[str] = []
    low = False
    for question in questions_of(invitation):
        checked = _check(question, submitted.get(f"q{question.id}"))
        if checked is None:
            if question.is_required:
                raise SurveyError(_("请回答此问题。"), f"q{question.id}")
            continue
        value_score, value = checked
        given.append((question, value_score))
        if value_score is not None and rules.is_low(question.kind, value_score):
            low = True
        if question.kind == "text":
            comments.append(value)
        rows.append(SurveyAnswer(invitation_id=invitation.id, question_id=question.id, score=value_score, value=value))
    if not rows:
        raise SurveyError(_("请至少回答一个问题。"))
    pct, nps = score(given)
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
            invitation.status = "answered"
            invitation.answered_at = utcnow()
            invitation.score_pct, invitation.nps, invitation.is_low = pct, nps, low
            invitation.comment = " / ".join(comments)[:1000]
            db.session.flush()
    except IntegrityError:
        raise AlreadyAnswered(_("您已提交过本次评价，感谢您的反馈！")) from None
    audit.record(
        "update", invitation, after={"status": "answered", "score_pct": pct, "nps": nps}, summary=invitation.occasion
    )
    if low:
        from . import low_score_action

        low_score_action(invitation, rules)
    return invitation


def answers_text(invitation: SurveyInvitation) -> str:
    """The answers as lines "question: answer" (a complaint opened from a low score carries them)."""
    by_question = {a.question_id: a for a in invitation.answers}
    lines = []
    for question in questions_of(invitation):
        given = by_question.get(question.id)
        if given is not None:
            lines.append(f"{question.text} {given.value.replace('|', '、')}")
    return "\n".join(lines)
