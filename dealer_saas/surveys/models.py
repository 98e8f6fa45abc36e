"""Surveys (满意度调查): the organisation's templates and questions, the invitations (one per
template and occasion, due at a time: the due rows the dispatch job picks up) and the
answers a customer gave through the public one-time link."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..extensions import db
from ..tenancy import OrgScoped, StoreScoped, User
from ..timeutil import utcnow

#: what a template measures
KINDS = {
    "csi": _l("售后满意度（CSI）"),
    "ssi": _l("销售满意度（SSI）"),
    "nps": _l("净推荐值（NPS）"),
    "custom": _l("自定义"),
}
#: what sends a template: an RO closed (service), a car delivered (sales), or nothing (manual)
TRIGGERS = {"ro_closed": _l("维修工单关闭后"), "delivered": _l("交车后"), "manual": _l("不自动发送")}
QUESTION_KINDS = {
    "score5": _l("评分 1-5"),
    "score10": _l("评分 0-10"),
    "single": _l("单选"),
    "multiple": _l("多选"),
    "text": _l("文字"),
}
SCORE_KINDS = ("score5", "score10")
#: the lowest and highest score of each score kind
SCALES = {"score5": (1, 5), "score10": (0, 10)}
INVITATION_STATUSES = {
    "due": _l("待发送"),
    "sent": _l("已发送"),
    "answered": _l("已回答"),
    "skipped": _l("未发送"),
}


class SurveyTemplate(OrgScoped, db.Model):
    """A survey of the group (CSI after service, SSI after delivery, NPS, custom)."""

    __tablename__ = "survey_templates"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "code", name="uq_survey_templates_org_code"),
        sa.Index("ix_survey_templates_org_trigger", "org_id", "trigger", "is_active"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10), default="csi")
    trigger: Mapped[str] = mapped_column(sa.String(12), default="manual")
    #: hours after the occasion (RO closed, car delivered) the invitation is due
    delay_hours: Mapped[int] = mapped_column(default=24)
    #: the opening line of the message; the link is appended
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="template", order_by="SurveyQuestion.position, SurveyQuestion.id"
    )

    __mapper_args__ = {"version_id_col": version}


class SurveyQuestion(OrgScoped, db.Model):
    __tablename__ = "survey_questions"
    __table_args__ = (sa.Index("ix_survey_questions_template", "template_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_templates.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))
    text: Mapped[str] = mapped_column(sa.String(200))
    #: the options of a single or multiple choice
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    is_required: Mapped[bool] = mapped_column(default=True)

    template: Mapped[SurveyTemplate] = relationship(back_populates="questions")


class SurveyInvitation(StoreScoped, db.Model):
    """One survey for one occasion ("ro:12", "order:7"): a due row until the dispatch job
    sends it, then answered at most once through its signed link."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        sa.UniqueConstraint("template_id", "occasion", name="uq_survey_invitations_template_occasion"),
        sa.Index("ix_survey_invitations_store_status_due", "store_id", "status", "due_at"),
        sa.Index("ix_survey_invitations_store_answered", "store_id", "answered_at"),
        sa.Index("ix_survey_invitations_store_sent", "store_id", "sent_at"),
        sa.Index("ix_survey_invitations_store_customer", "store_id", "customer_id", "created_at"),
        sa.Index("ix_survey_invitations_store_low", "store_id", "is_low", "answered_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_templates.id"))
    occasion: Mapped[str] = mapped_column(sa.String(40))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    repair_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    sales_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id"))
    #: the service advisor or sales consultant the answer is about (CSI per person)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(10), default="due")
    skip_reason: Mapped[str] = mapped_column(sa.String(40), default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answered_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: the answers' scores as a percentage of the best score (CSI), and the 0-10 answer (NPS)
    score_pct: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(5, 1))
    nps: Mapped[int | None]
    #: a score at or below the store's threshold (a complaint or call-back was opened)
    is_low: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(sa.String(1000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    template: Mapped[SurveyTemplate] = relationship()
    customer: Mapped[Customer] = relationship()
    staff: Mapped[User | None] = relationship()
    answers: Mapped[list[SurveyAnswer]] = relationship(back_populates="invitation", order_by="SurveyAnswer.id")


class SurveyAnswer(StoreScoped, db.Model):
    __tablename__ = "survey_answers"
    __table_args__ = (
        sa.UniqueConstraint("invitation_id", "question_id", name="uq_survey_answers_invitation_question"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_invitations.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("survey_questions.id"))
    score: Mapped[int | None]
    #: the chosen option(s), "|"-separated, or the text typed
    value: Mapped[str] = mapped_column(sa.String(1000), default="")

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()
