"""Server-side session records (``user_sessions``): start one at sign-in, revoke it at
sign-out, revoke all of a user's at a password change, an admin reset or a deactivation.

The token lives in the signed session cookie under :data:`SESSION_KEY`; only its sha256 is
stored. The user loader (``shell._load_user``) reads the record (its id and last use) in the one
statement that validates the signed-in user, so checking it costs no extra query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import update

from ..extensions import db
from ..timeutil import as_utc, utcnow
from .models import UserSession

#: the session cookie's key for the token
SESSION_KEY = "_sid"
#: last_seen_at is written at most this often per session (not on every request)
TOUCH_EVERY = dt.timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user_id: int, ip: str = "", user_agent: str = "") -> str:
    """Record a new session for ``user_id`` and return its token (for the cookie)."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user_id, token_hash=hash_token(token), ip=(ip or "")[:64], user_agent=(user_agent or "")[:255]
        )
    )
    db.session.flush()
    return token


def revoke(token: str | None) -> None:
    """End one session (sign-out)."""
    if not token:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.token_hash == hash_token(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def revoke_all(user_id: int) -> None:
    """End every session of a user (password change or reset, deactivation)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def touch_row(record_id: int, last_seen_at: dt.datetime | None) -> None:
    """Note the session was used (the shell reads the record's id and last use, no ORM
    entity): one UPDATE, at most every :data:`TOUCH_EVERY` per session."""
    now = utcnow()
    if last_seen_at is None or now - as_utc(last_seen_at) >= TOUCH_EVERY:
        db.session.execute(
            update(UserSession)
            .where(UserSession.id == record_id)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False)
        )
