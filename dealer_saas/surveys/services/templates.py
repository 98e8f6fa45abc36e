"""Survey templates of the organisation and their questions (the managers' editor)."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import audit, tenancy
from ...domain import DomainError, StaleEdit, flush_or_stale
from ...extensions import db
from ..models import KINDS, QUESTION_KINDS, TRIGGERS, SurveyQuestion, SurveyTemplate

MAX_DELAY_HOURS = 24 * 60
MAX_QUESTIONS = 30
MAX_CHOICES = 12


class SurveyError(DomainError):
    """A survey rule refused the action."""


class SurveyStale(SurveyError, StaleEdit):
    """Someone else saved the template first."""


def list_templates(*, active_only: bool = False) -> list[SurveyTemplate]:
    stmt = select(SurveyTemplate).order_by(SurveyTemplate.code, SurveyTemplate.id)
    if active_only:
        stmt = stmt.where(SurveyTemplate.is_active.is_(True))
    return list(db.session.execute(stmt).scalars())


def is_editor() -> bool:
    """Templates are the group's: only a group-level role edits them (as the labour
    catalogue); anyone else finds no edit page, as if the row were not there."""
    return "surveys.manage" in tenancy.current().group_permissions


def get_template(survey_template_id: Any) -> SurveyTemplate:
    """A template of the organisation, for its editor (404 for anyone else)."""
    if not is_editor():
        abort(404)
    return tenancy.get_or_404(SurveyTemplate, survey_template_id)


def with_questions(survey_template_id: Any) -> SurveyTemplate:
    template = get_template(survey_template_id)
    db.session.execute(
        select(SurveyTemplate).where(SurveyTemplate.id == template.id).options(selectinload(SurveyTemplate.questions))
    )
    return template


def _values(data: dict[str, Any]) -> dict[str, Any]:
    code = (data.get("code") or "").strip().upper()
    name = (data.get("name") or "").strip()
    if not code:
        raise SurveyError(_("请填写代码。"), "code")
    if not name:
        raise SurveyError(_("请填写名称。"), "name")
    if data.get("kind") not in KINDS:
        raise SurveyError(_("选项无效。"), "kind")
    if data.get("trigger") not in TRIGGERS:
        raise SurveyError(_("选项无效。"), "trigger")
    delay = data.get("delay_hours")
    if not isinstance(delay, int) or not 0 <= delay <= MAX_DELAY_HOURS:
        raise SurveyError(_("需在 %(a)s 到 %(b)s 之间。", a=0, b=MAX_DELAY_HOURS), "delay_hours")
    return {
        "code": code[:30],
        "name": name[:120],
        "kind": data["kind"],
        "trigger": data["trigger"],
        "delay_hours": delay,
        "message": (data.get("message") or "").strip()[:300],
        "is_active": bool(data.get("is_active")),
    }


def _code_taken(code: str, but: int | None = None) -> bool:
    stmt = select(SurveyTemplate.id).where(SurveyTemplate.code == code)
    if but is not None:
        stmt = stmt.where(SurveyTemplate.id != but)
    return db.session.execute(stmt.limit(1)).first() is not None


def create_template(data: dict[str, Any]) -> SurveyTemplate:
    """A new template of the organisation (code unique in it). Raises SurveyError."""
    tenancy.writable_store()
    if not is_editor():
        raise SurveyError(_("调查模板由集团统一维护。"))
    values = _values(data)
    if _code_taken(values["code"]):
        raise SurveyError(_("代码已存在。"), "code")
    template = SurveyTemplate(**values)
    db.session.add(template)
    db.session.flush()
    audit.record("create", template, after=audit.snapshot(template), summary=template.code)
    return template


def update_template(survey_template_id: Any, data: dict[str, Any], version: Any) -> SurveyTemplate:
    """Change a template (optimistic lock: a stale version is refused)."""
    tenancy.writable_store()
    template = get_template(survey_template_id)
    if str(version) != str(template.version):
        raise SurveyStale()
    values = _values(data)
    if _code_taken(values["code"], but=template.id):
        raise SurveyError(_("代码已存在。"), "code")
    before = audit.snapshot(template, list(values))
    for name, value in values.items():
        setattr(template, name, value)
    flush_or_stale(SurveyStale)
    audit.record("update", template, before=before, after=audit.snapshot(template, list(values)), summary=template.code)
    return template


def parse_choices(text: str) -> list[str]:
    return [c.strip()[:60] for c in (text or "").splitlines() if c.strip()][:MAX_CHOICES]


def add_question(survey_template_id: Any, data: dict[str, Any]) -> SurveyQuestion:
    """Append a question; a choice question needs two options at least."""
    tenancy.writable_store()
    template = with_questions(survey_template_id)
    kind = data.get("kind")
    if kind not in QUESTION_KINDS:
        raise SurveyError(_("选项无效。"), "kind")
    text = (data.get("text") or "").strip()
    if not text:
        raise SurveyError(_("请填写问题。"), "text")
    choices = parse_choices(data.get("choices", "")) if kind in ("single", "multiple") else []
    if kind in ("single", "multiple") and len(choices) < 2:
        raise SurveyError(_("选择题至少需要两个选项（每行一个）。"), "choices")
    if len(template.questions) >= MAX_QUESTIONS:
        raise SurveyError(_("问题数量已达上限。"))
    position = max((q.position for q in template.questions), default=0) + 1
    question = SurveyQuestion(
        template_id=template.id,
        position=position,
        kind=kind,
        text=text[:200],
        choices=choices,
        is_required=bool(data.get("is_required")),
    )
    db.session.add(question)
    template.version += 1  # a question changes the template
    flush_or_stale(SurveyStale)
    audit.record("create", question, after=audit.snapshot(question), summary=template.code)
    return question


def remove_question(survey_template_id: Any, survey_question_id: Any) -> None:
    """Take a question out of a template (answers already given keep theirs: it is kept
    but leaves the survey only when nobody answered it)."""
    tenancy.writable_store()
    template = with_questions(survey_template_id)
    question = next((q for q in template.questions if q.id == survey_question_id), None)
    if question is None:
        abort(404)
    from ..models import SurveyAnswer

    used = db.session.execute(select(SurveyAnswer.id).where(SurveyAnswer.question_id == question.id).limit(1)).first()
    if used is not None:
        raise SurveyError(_("已有客户回答过此问题，不能删除；可停用模板后新建。"))
    audit.record("delete", question, before=audit.snapshot(question), summary=template.code)
    db.session.delete(question)
    template.version += 1
    flush_or_stale(SurveyStale)


#: the demo's and a new organisation's starting templates: (code, name, kind, trigger, delay, message, questions)
STARTER_TEMPLATES: tuple[tuple[str, str, str, str, int, str, tuple[tuple[str, str, tuple[str, ...]], ...]], ...] = (
    (
        "CSI",
        "售后服务满意度",
        "csi",
        "ro_closed",
        24,
        "感谢您到店保养维修，请花一分钟评价本次服务：",
        (
            ("score5", "您对本次维修保养的整体满意度？", ()),
            ("score5", "服务顾问的专业程度与态度？", ()),
            ("score5", "交车是否准时、车辆是否洁净？", ()),
            ("score10", "您有多大可能把我们推荐给亲友？", ()),
            ("text", "还有什么想对我们说的？", ()),
        ),
    ),
    (
        "SSI",
        "销售满意度",
        "ssi",
        "delivered",
        72,
        "恭喜您喜提爱车！请评价本次购车体验：",
        (
            ("score5", "您对本次购车体验的整体满意度？", ()),
            ("score5", "销售顾问的讲解与服务？", ()),
            ("single", "交车仪式是否让您满意？", ("非常满意", "一般", "不满意")),
            ("score10", "您有多大可能把我们推荐给亲友？", ()),
            ("text", "您的建议", ()),
        ),
    ),
    (
        "NPS",
        "客户推荐度调查",
        "nps",
        "manual",
        0,
        "请告诉我们您的推荐意愿：",
        (
            ("score10", "您有多大可能把我们推荐给亲友？", ()),
            ("multiple", "您最看重我们哪些方面？", ("价格透明", "服务专业", "环境舒适", "交通便利")),
            ("text", "原因", ()),
        ),
    ),
)


def seed_starter_templates() -> int:
    """The starter templates of the organisation, when it has none (idempotent)."""
    if db.session.execute(select(SurveyTemplate.id).limit(1)).first() is not None:
        return 0
    for code, name, kind, trigger, delay, message, questions in STARTER_TEMPLATES:
        template = SurveyTemplate(
            code=code, name=name, kind=kind, trigger=trigger, delay_hours=delay, message=message, is_active=True
        )
        db.session.add(template)
        db.session.flush()
        for position, (qkind, text, choices) in enumerate(questions, start=1):
            db.session.add(
                SurveyQuestion(
                    template_id=template.id,
                    position=position,
                    kind=qkind,
                    text=text,
                    choices=list(choices),
                    is_required=qkind != "text",
                )
            )
    db.session.flush()
    return len(STARTER_TEMPLATES)
