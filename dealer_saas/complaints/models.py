"""Complaints and service requests (投诉 / 客户服务): one row per case, moved through
``complaints.services.rules.COMPLAINT_MOVES``; its notes (handling, feedback); and one
escalation row per SLA breach (the memory that notifies the store manager once)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..extensions import db
from ..tenancy import StoreScoped, User
from ..timeutil import utcnow

#: a complaint carries a grade and an SLA; an enquiry or feedback follows the same flow without
KINDS = {"complaint": _l("投诉"), "enquiry": _l("咨询"), "feedback": _l("建议/表扬")}
CHANNELS = {
    "phone": _l("电话"),
    "visit": _l("到店"),
    "survey": _l("满意度调查"),
    "web": _l("网页表单"),
    "email": _l("邮件"),
}
#: complaint type (投诉类别)
CATEGORIES = {
    "sales": _l("销售服务"),
    "service": _l("售后服务"),
    "quality": _l("产品质量"),
    "parts": _l("配件"),
    "price": _l("价格费用"),
    "attitude": _l("服务态度"),
    "other": _l("其他"),
}
#: problem type (问题类型)
PROBLEM_TYPES = {
    "delay": _l("等待/延误"),
    "repair_quality": _l("维修质量"),
    "billing": _l("收费异议"),
    "communication": _l("沟通不畅"),
    "promise": _l("承诺未兑现"),
    "vehicle_fault": _l("车辆故障"),
    "other": _l("其他"),
}
GRADES = {"A": _l("A 级（严重）"), "B": _l("B 级（一般）"), "C": _l("C 级（轻微）")}
ATTITUDES = {"calm": _l("平和"), "unhappy": _l("不满"), "angry": _l("愤怒"), "threatening": _l("扬言曝光/投诉厂家")}
STATUSES = {
    "received": _l("已受理登记"),
    "accepted": _l("已接手"),
    "investigating": _l("处理中"),
    "resolved": _l("已解决待回访"),
    "closed": _l("已结案"),
    "rejected": _l("不成立"),
}
OPEN_STATES = ("received", "accepted", "investigating", "resolved")
BREACHES = {"accept": _l("受理超时"), "resolve": _l("解决超时")}
NOTE_KINDS = {"note": _l("备注"), "handling": _l("处理过程"), "feedback": _l("客户反馈")}


class Complaint(StoreScoped, db.Model):
    __tablename__ = "complaints"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "number", name="uq_complaints_store_number"),
        sa.Index("ix_complaints_store_received", "store_id", "received_at", "id"),
        sa.Index("ix_complaints_store_status_received", "store_id", "status", "received_at", "id"),
        sa.Index("ix_complaints_store_owner_received", "store_id", "owner_id", "received_at", "id"),
        sa.Index("ix_complaints_store_customer", "store_id", "customer_id"),
        sa.Index("ix_complaints_store_accept_due", "store_id", "status", "accept_due_at"),
        sa.Index("ix_complaints_store_resolve_due", "store_id", "resolve_due_at"),
        # the roll-up's list (every store of the group, newest first): walked in order
        sa.Index("ix_complaints_org_received", "org_id", "received_at", "id"),
        sa.Index("ix_complaints_org_status_received", "org_id", "status", "received_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(10), default="complaint")
    channel: Mapped[str] = mapped_column(sa.String(10), default="phone")
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    #: the person who contacted us (the customer or someone on their behalf)
    contact_name: Mapped[str] = mapped_column(sa.String(80), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    other_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    subject: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(12), default="service")
    problem_type: Mapped[str] = mapped_column(sa.String(16), default="other")
    #: severity A/B/C, complaints only
    grade: Mapped[str | None] = mapped_column(sa.String(1))
    attitude: Mapped[str] = mapped_column(sa.String(12), default="calm")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(14), default="received")
    #: who took it in (受理人) and who handles it (负责人)
    receiver_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    received_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    accept_due_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolve_due_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    #: the explanation given to the customer when the complaint is not substantiated
    rejection_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: the customer's word on the resolution: "satisfied" / "unsatisfied" (None: not asked yet)
    satisfaction: Mapped[str | None] = mapped_column(sa.String(12))
    reopen_count: Mapped[int] = mapped_column(default=0)
    survey_invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey_invitations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer | None] = relationship()
    receiver: Mapped[User | None] = relationship(foreign_keys=[receiver_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    notes: Mapped[list[ComplaintNote]] = relationship(back_populates="complaint", order_by="ComplaintNote.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES


class ComplaintNote(StoreScoped, db.Model):
    __tablename__ = "complaint_notes"
    __table_args__ = (sa.Index("ix_complaint_notes_store_complaint", "store_id", "complaint_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10), default="note")
    body: Mapped[str] = mapped_column(sa.String(2000))
    #: shown to the customer on the follow-up page
    is_public: Mapped[bool] = mapped_column(default=False)
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    complaint: Mapped[Complaint] = relationship(back_populates="notes")
    by_user: Mapped[User | None] = relationship()


class ComplaintEscalation(StoreScoped, db.Model):
    """An SLA breach of one complaint, written once: the store manager is told once."""

    __tablename__ = "complaint_escalations"
    __table_args__ = (
        sa.UniqueConstraint("complaint_id", "breach", name="uq_complaint_escalations_complaint_breach"),
        sa.Index("ix_complaint_escalations_store_at", "store_id", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaints.id", ondelete="CASCADE"))
    breach: Mapped[str] = mapped_column(sa.String(10))
    due_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    notified: Mapped[int] = mapped_column(default=0)
