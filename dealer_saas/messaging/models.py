"""Outbound messages (SMS, email, WeChat): one row per message, idempotent on a key."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import StoreScoped
from ..timeutil import utcnow

CHANNELS = {"sms": _l("短信"), "email": _l("邮件"), "wechat": _l("微信")}
STATUSES = {
    "deferred": _l("等待发送时段"),
    "queued": _l("待发送"),
    "sent": _l("已发送"),
    "failed": _l("发送失败"),
    "suppressed": _l("未发送（客户未同意）"),
}
STATUS_BADGES = {"deferred": "info", "queued": "secondary", "sent": "success", "failed": "danger", "suppressed": "dark"}
#: why a message is sent: a transactional message the customer asked for (a confirmation,
#: a progress link) needs no consent; service messages (surveys, reminders, care) go unless
#: the customer refused them; marketing only to customers who accepted it
PURPOSES = {"transactional": _l("事务通知"), "service": _l("服务消息"), "marketing": _l("营销消息")}
CONSENT_PURPOSES = {"service": _l("服务消息（回访、调查、保养与续保提醒）"), "marketing": _l("营销消息（活动、优惠）")}
#: where a consent (or refusal) came from
CONSENT_SOURCES = {
    "staff": _l("员工登记"),
    "paper_form": _l("纸质授权书"),
    "phone": _l("电话确认"),
    "sign_up": _l("活动报名"),
    "unsubscribe_link": _l("退订链接"),
    "import": _l("数据导入"),
}
#: a failed message is retried by ``messaging.retry_failed`` until it has this many attempts
MAX_ATTEMPTS = 3


class OutboundMessage(StoreScoped, db.Model):
    __tablename__ = "outbound_messages"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "idempotency_key", name="uq_outbound_messages_store_key"),
        sa.Index("ix_outbound_messages_store_created", "store_id", "created_at", "id"),
        sa.Index("ix_outbound_messages_store_status_created", "store_id", "status", "created_at", "id"),
        sa.Index("ix_outbound_messages_store_channel_created", "store_id", "channel", "created_at", "id"),
        # Prefix search on the recipient (LIKE 'abc%') needs pattern ops on PostgreSQL.
        sa.Index(
            "ix_outbound_messages_store_recipient",
            "store_id",
            "recipient",
            postgresql_ops={"recipient": "varchar_pattern_ops"},
        ),
        sa.Index("ix_outbound_messages_store_customer", "store_id", "customer_id", "created_at"),
        # the release job: deferred messages whose time has come, oldest first
        sa.Index(
            "ix_outbound_messages_store_due",
            "store_id",
            "not_before",
            "id",
            postgresql_where=sa.text("status = 'deferred'"),
            sqlite_where=sa.text("status = 'deferred'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10))
    #: a normalised mobile, an email address or a WeChat openid
    recipient: Mapped[str] = mapped_column(sa.String(120))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id", ondelete="SET NULL"))
    #: the message template's code (marketing/care templates), empty for free text
    template: Mapped[str] = mapped_column(sa.String(60), default="")
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    purpose: Mapped[str] = mapped_column(sa.String(15), default="transactional", server_default="transactional")
    #: a deferred message is sent from this time on (quiet hours, throttle)
    not_before: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: the caller's key ("survey:123", "reminder:vehicle:9:2026-11"): one message per key per store
    idempotency_key: Mapped[str] = mapped_column(sa.String(160))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    provider_reference: Mapped[str] = mapped_column(sa.String(120), default="")
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)

    customer = relationship("Customer")


class CustomerConsent(StoreScoped, db.Model):
    """A customer's current answer for one purpose (service or marketing messages), with the
    time and source it was given; every change is in the audit log (before and after).

    Without a row, service messages go (the customer's own car and contracts) and marketing
    does not (it needs a recorded yes)."""

    __tablename__ = "customer_consents"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "purpose", name="uq_customer_consents_customer_purpose"),
        sa.Index("ix_customer_consents_store_purpose", "store_id", "purpose", "granted", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(15))
    granted: Mapped[bool] = mapped_column()
    source: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
