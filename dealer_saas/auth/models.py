from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class LoginAttempt(db.Model):
    """Every sign-in attempt, kept to throttle guessing per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_username_at", "username", "at"),
        sa.Index("ix_login_attempts_ip_at", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80))
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(default=False)


class LoginCaptcha(db.Model):
    """A sign-in captcha challenge: the keyed hash of its answer, deleted when checked."""

    __tablename__ = "login_captchas"
    __table_args__ = (sa.Index("ix_login_captchas_created_at", "created_at"),)
    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class UserSession(db.Model):
    """One signed-in browser: the signed cookie carries a random token, this row its hash.

    The user loader accepts a cookie only while its row exists and is not revoked, so
    logout (this row), a password change, an admin reset or a deactivation (every row of
    the user) ends every copy of the cookie, wherever it was copied to."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: sha256 of the cookie's token, hex; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
