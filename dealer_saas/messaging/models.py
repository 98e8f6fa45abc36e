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
STATUSES = {"queued": _l("待发送"), "sent": _l("已发送"), "failed": _l("发送失败")}
STATUS_BADGES = {"queued": "secondary", "sent": "success", "failed": "danger"}
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
    #: the caller's key ("survey:123", "reminder:vehicle:9:2026-11"): one message per key per store
    idempotency_key: Mapped[str] = mapped_column(sa.String(160))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    provider_reference: Mapped[str] = mapped_column(sa.String(120), default="")
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)

    customer = relationship("Customer")
