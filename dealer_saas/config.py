"""Configuration from environment variables, with an embedded development default.

The embedded default (no environment at all) is a SQLite file under ``instance/`` and jobs
run in-process; production sets ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        (ROOT / "instance").mkdir(exist_ok=True)
        return f"sqlite:///{ROOT / 'instance' / 'dealer_saas.db'}"
    # psycopg 3 is the driver; accept the common postgres:// spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: development-only keys: production refuses to start with either (dealer_saas.keys)
DEV_SECRET_KEY = "dev-only-not-secret-change-me"
DEV_FIELD_ENCRYPTION_KEY = "ZGV2LW9ubHktZmllbGQta2V5LU5PVC1TRUNSRVQtMDA="  # b"dev-only-field-key-NOT-SECRET-00"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    #: Fernet key(s) for encrypted columns (ID numbers), comma-separated: the first encrypts,
    #: all decrypt. Required in production; development and tests use DEV_FIELD_ENCRYPTION_KEY.
    FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY")
    #: reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none)
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES") or 0)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    #: None means the embedded mode: jobs run in-process on an in-memory Redis
    REDIS_URL = os.environ.get("REDIS_URL") or None
    PRODUCTION = _bool("PRODUCTION", False)
    #: the public address customers open shared links on (https://crm.example.com); unset:
    #: the address of the request (fine when users and customers reach the same host)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").strip()
    #: where uploaded files (walk-around photos) are kept; unset: ``uploads`` in the instance
    #: folder. Never under ``static/``: files are served through guarded routes only.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", "").strip() or None
    #: the largest photo accepted, in bytes (phone cameras take 2-6 MB)
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES") or 10 * 1024 * 1024)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", PRODUCTION)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh", "en")
    #: sign-in: after this many failures in the window, per account and per address, the
    #: form asks for a captcha as well (no hard lock: the right password still works)
    LOGIN_CAPTCHA_AFTER_FAILURES_PER_ACCOUNT = 3
    LOGIN_CAPTCHA_AFTER_FAILURES_PER_IP = 10
    LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
    PAGE_SIZE = 25
    #: where uploaded import files wait between upload and commit (deleted after the
    #: commit); unset: instance/uploads
    IMPORT_UPLOAD_DIR = os.environ.get("IMPORT_UPLOAD_DIR") or None
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES") or 30 * 1024 * 1024)
    IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS") or 200_000)
    #: `flask backup` and the nightly backup job write here (unset: instance/backups) and
    #: keep BACKUP_RETENTION_DAYS days of backups (the newest is always kept)
    BACKUP_DIR = os.environ.get("BACKUP_DIR") or None
    BACKUP_RETENTION_DAYS = int(os.environ.get("BACKUP_RETENTION_DAYS") or 14)
    TESTING = False
