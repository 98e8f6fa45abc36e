"""Passwords and sign-in rules: argon2 hashes, throttling per account and per address."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..extensions import db
from ..tenancy import User
from ..timeutil import utcnow
from . import sessions
from .models import LoginAttempt

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


class AuthError(Exception):
    """Sign-in refused; the message is safe to show."""


class PasswordRuleError(ValueError):
    """A new password breaks a rule; the message is safe to show."""


class WrongCurrentPassword(PasswordRuleError):
    """The current password given for a change does not match."""


@dataclass(frozen=True)
class Throttle:
    max_per_account: int
    max_per_ip: int
    window: dt.timedelta


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRuleError(_("密码至少需要 %(n)d 位。", n=MIN_PASSWORD_LENGTH))
    if password.isdigit() or password.isalpha():
        raise PasswordRuleError(_("密码需同时包含字母和数字。"))


def _recent_failures(column, value: str, since: dt.datetime) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    ).scalar_one()


def authenticate(username: str, password: str, ip: str, throttle: Throttle) -> User:
    """Check a sign-in. Raises AuthError after too many recent failures for the account or
    the address (whatever the password), or for a wrong name or password. Records the try."""
    username = username.strip().lower()
    since = utcnow() - throttle.window
    minutes = int(throttle.window.total_seconds() // 60)
    if _recent_failures(LoginAttempt.username, username, since) >= throttle.max_per_account:
        raise AuthError(_("该账号登录失败次数过多，已暂时锁定，请 %(m)d 分钟后再试或联系管理员重置密码。", m=minutes))
    if ip and _recent_failures(LoginAttempt.ip, ip, since) >= throttle.max_per_ip:
        raise AuthError(_("此网络地址登录失败次数过多，请 %(m)d 分钟后再试。", m=minutes))
    user = db.session.execute(select(User).where(func.lower(User.username) == username)).scalar_one_or_none()
    ok = user is not None and user.is_active and verify_password(user, password)
    if ok and user.org_id is not None and not user.organisation.is_active:
        ok = False
    db.session.add(LoginAttempt(username=username, ip=ip or "", succeeded=ok))
    if not ok:
        db.session.flush()
        raise AuthError(_("用户名或密码不正确。"))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record("login", "users", user.id, org_id=user.org_id, user_id=user.id, summary=username)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The user's own change: the current password must match. Raises PasswordRuleError."""
    if not verify_password(user, current_password):
        raise WrongCurrentPassword(_("当前密码不正确。"))
    set_password(user, new_password)
    user.must_change_password = False
    audit.record("password_change", "users", user.id, org_id=user.org_id, user_id=user.id)


def set_password(user: User, new_password: str) -> None:
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    # Every session of this user ends (the records are revoked; the new stamp changes the
    # session id too).
    user.password_changed_at = utcnow()
    db.session.flush()
    sessions.revoke_all(user.id)


def reset_password_by_admin(user: User) -> str:
    """An org admin resets a user's password: returns a one-time temporary password the user
    must change at the next sign-in."""
    temporary = secrets.token_urlsafe(6) + "7a"
    set_password(user, temporary)
    user.must_change_password = True
    audit.record("password_reset", "users", user.id, org_id=user.org_id, summary=user.username)
    return temporary
