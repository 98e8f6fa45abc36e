"""Marketing: message templates per store, campaigns (市场活动) with their sign-ups, and bulk
sends to a customer segment (one progress row per send)."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..extensions import db
from ..tenancy import StoreScoped, User
from ..timeutil import utcnow

#: what a template is for: the reminder occasions, then the free ones
OCCASIONS = {
    "maintenance": _l("保养到期提醒"),
    "insurance": _l("保险续保提醒"),
    "birthday": _l("生日祝福"),
    "appointment_confirm": _l("预约确认"),
    "appointment_reminder": _l("预约前一天提醒"),
    "campaign": _l("活动邀请"),
    "marketing": _l("营销群发"),
}
#: the occasions a reminder job sends (one active template each, or the built-in text)
REMINDER_OCCASIONS = ("maintenance", "insurance", "birthday", "appointment_confirm", "appointment_reminder")

CAMPAIGN_STATUSES = {
    "draft": _l("草稿"),
    "published": _l("已发布"),
    "running": _l("进行中"),
    "finished": _l("已结束"),
}
CAMPAIGN_BADGES = {"draft": "secondary", "published": "info", "running": "success", "finished": "dark"}

BULK_STATUSES = {"queued": _l("排队中"), "running": _l("发送中"), "done": _l("已完成"), "failed": _l("失败")}
BULK_BADGES = {"queued": "secondary", "running": "primary", "done": "success", "failed": "danger"}
SIGNUP_SOURCES = {"link": _l("报名链接"), "staff": _l("工作人员登记")}


class MessageTemplate(StoreScoped, db.Model):
    """A store's text for one occasion, with placeholders (``{客户姓名}``) filled per message."""

    __tablename__ = "message_templates"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "code", name="uq_message_templates_store_code"),
        sa.Index("ix_message_templates_store_occasion", "store_id", "occasion", "is_active"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the short code stored on each message (``OutboundMessage.template``)
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(80))
    occasion: Mapped[str] = mapped_column(sa.String(24), default="marketing")
    body: Mapped[str] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Campaign(StoreScoped, db.Model):
    """A marketing event: where and when, whom it targets (a saved segment), what it costs,
    and its state ``draft -> published -> running -> finished``."""

    __tablename__ = "campaigns"
    __table_args__ = (
        sa.Index("ix_campaigns_store_starts", "store_id", "starts_at", "id"),
        sa.Index("ix_campaigns_store_status_starts", "store_id", "status", "starts_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    theme: Mapped[str] = mapped_column(sa.String(120))
    place: Mapped[str] = mapped_column(sa.String(120), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: the target segment: a saved customer filter (``services.segments``)
    segment: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    budget: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2), default=decimal.Decimal("0.00"))
    headcount: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    #: orders of sign-up customers within this many days after the start count for it
    attribution_days: Mapped[int] = mapped_column(default=30)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    created_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class CampaignSignup(StoreScoped, db.Model):
    """One person signed up to a campaign (through the public link or by staff); matched to
    the store's customer by normalised mobile; checked in on the day, which logs the visit
    and may open a follow-up card (through the leads services)."""

    __tablename__ = "campaign_signups"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "campaign_id", "mobile", name="uq_campaign_signups_store_campaign_mobile"),
        sa.Index("ix_campaign_signups_store_campaign_at", "store_id", "campaign_id", "signed_up_at", "id"),
        sa.Index("ix_campaign_signups_store_customer", "store_id", "customer_id", "signed_up_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(80))
    #: normalised
    mobile: Mapped[str] = mapped_column(sa.String(20))
    party_size: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    source: Mapped[str] = mapped_column(sa.String(10), default="link")
    signed_up_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id", ondelete="SET NULL"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("follow_up_cards.id", ondelete="SET NULL"))

    campaign: Mapped[Campaign] = relationship()
    customer: Mapped[Customer | None] = relationship()


class BulkSend(StoreScoped, db.Model):
    """One bulk message to a segment: what was asked and how far the job got (the page polls
    this row). The messages themselves are idempotent on ``bulk:<id>:<customer>``."""

    __tablename__ = "bulk_sends"
    __table_args__ = (sa.Index("ix_bulk_sends_store_created", "store_id", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="SET NULL"))
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("message_templates.id"))
    segment: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    total: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    deferred: Mapped[int] = mapped_column(default=0)
    suppressed: Mapped[int] = mapped_column(default=0)
    existing: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    template: Mapped[MessageTemplate] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, int(self.processed * 100 / self.total))
