"""One in-app notification for one user about one thing in one store."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import StoreScoped
from ..timeutil import utcnow


class Notification(StoreScoped, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # one notification per user and key: telling twice about the same thing creates nothing
        sa.UniqueConstraint("user_id", "key", name="uq_notifications_user_key"),
        # the inbox (newest first) and the bell's unread count
        sa.Index("ix_notifications_user_created", "user_id", "store_id", "created_at", "id"),
        sa.Index(
            "ix_notifications_user_unread",
            "user_id",
            "store_id",
            postgresql_where=sa.text("read_at IS NULL"),
            sqlite_where=sa.text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    #: what it is about, as the module names it ("complaint.sla_breach", "parts.low_stock")
    kind: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: a path inside the application (the record the notification is about)
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    #: the caller's idempotency key ("complaint:12:resolve-breach")
    key: Mapped[str] = mapped_column(sa.String(160))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
