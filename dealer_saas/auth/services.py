"""Passwords and sign-in rules: argon2 hashes, a captcha after repeated failures per account
and per address (never a hard lock), a common-passwords list for new passwords."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import audit
from ..domain import DomainError
from ..extensions import db
from ..tenancy import User
from ..timeutil import utcnow
from . import sessions
from .models import LoginAttempt

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
#: longer passwords are refused (argon2 on megabytes of input is a cheap denial of service)
MAX_PASSWORD_LENGTH = 128
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


class AuthError(DomainError):
    """Sign-in refused; the message is safe to show."""


class CaptchaRequired(AuthError):
    """Too many recent failures for the account or the address: the captcha must be solved."""


class PasswordRuleError(ValueError):
    """A new password breaks a rule; the message is safe to show."""


class WrongCurrentPassword(PasswordRuleError):
    """The current password given for a change does not match."""


@dataclass(frozen=True)
class Throttle:
    """After ``captcha_after_per_account`` failures for one username, or
    ``captcha_after_per_ip`` from one address, within ``window``, sign-in needs the captcha."""

    captcha_after_per_account: int
    captcha_after_per_ip: int
    window: dt.timedelta


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so it is answered in the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_password_rules(password: str) -> None:
    """The rules for a password being set (own change, admin reset, new user), not for
    signing in: existing passwords keep working (the demo's Demo1234 is on the list)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRuleError(_("密码至少需要 %(n)d 位。", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRuleError(_("密码不能超过 %(n)d 位。", n=MAX_PASSWORD_LENGTH))
    if password.isdigit() or password.isalpha():
        raise PasswordRuleError(_("密码需同时包含字母和数字。"))
    if password.strip().lower() in common_passwords():
        raise PasswordRuleError(_("这个密码太常见，很容易被猜到，请换一个。"))


def _failures_since(column, value: str, since: dt.datetime) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(LoginAttempt)
        .where(column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    ).scalar_one()


def frozen_message() -> str:
    """What a frozen account is told at sign-in and when it is signed out."""
    return _("该账号短时间内打开的客户档案过多，已被冻结。请联系门店管理员核实后解冻。")


def _find_user(username: str) -> User | None:
    return db.session.execute(select(User).where(func.lower(User.username) == username)).scalar_one_or_none()


def _account_since(username: str, user: User | None, throttle: Throttle) -> dt.datetime:
    """Failures of an account count from the latest of: the window's start, its last
    successful sign-in, its last password change (an admin reset lifts the captcha)."""
    since = utcnow() - throttle.window
    last_success = db.session.execute(
        select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username, LoginAttempt.succeeded.is_(True))
    ).scalar_one()
    for moment in (last_success, user.password_changed_at if user is not None else None):
        if moment is not None:
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            since = max(since, moment)
    return since


def captcha_needed(username: str, ip: str, throttle: Throttle) -> bool:
    """True after too many recent failures for this username (known or not) or this address."""
    username = (username or "").strip().lower()
    if username:
        since = _account_since(username, _find_user(username), throttle)
        if _failures_since(LoginAttempt.username, username, since) >= throttle.captcha_after_per_account:
            return True
    if ip:
        since = utcnow() - throttle.window
        if _failures_since(LoginAttempt.ip, ip, since) >= throttle.captcha_after_per_ip:
            return True
    return False


def authenticate(username: str, password: str, ip: str, throttle: Throttle, *, captcha_solved: bool = False) -> User:
    """Check a sign-in and record the try. Raises CaptchaRequired when the account or the
    address has failed too often recently and ``captcha_solved`` is false (the password is
    not checked then), AuthError for a wrong name or password. An unknown name costs the
    same argon2 verification as a known one."""
    username = username.strip().lower()
    if not captcha_solved and captcha_needed(username, ip, throttle):
        raise CaptchaRequired(_("登录失败次数较多，请输入图中算式的结果。"))
    user = _find_user(username)
    if len(password) > MAX_PASSWORD_LENGTH:
        ok = False  # never hashed: no set password is that long
    elif user is None:
        try:
            _hasher.verify(_dummy_hash(), password)
        except (VerificationError, InvalidHashError):
            pass
        ok = False
    else:
        ok = verify_password(user, password) and user.is_active
    if ok and user.org_id is not None and not user.organisation.is_active:
        ok = False
    if ok and user.frozen_at is not None:
        # the right password, but the account is frozen (customers.services.pii): say so
        raise AuthError(frozen_message())
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
