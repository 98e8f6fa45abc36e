"""The app's keys: production refuses to start without real ones, and the proxy setting.

``SECRET_KEY`` signs the session cookie; ``FIELD_ENCRYPTION_KEY`` holds the Fernet key(s)
of the encrypted columns (comma-separated: the first encrypts, all decrypt). The two are
independent: the field key is never derived from the session key. Development and tests
use the fixed, clearly named development keys from :mod:`dealer_saas.config`.
"""

from __future__ import annotations

import base64
import binascii

from flask import Flask

from .config import DEV_FIELD_ENCRYPTION_KEY, DEV_SECRET_KEY

#: a session key shorter than this is refused in production (``secrets.token_urlsafe(48)``
#: gives 64 characters)
MIN_SECRET_KEY_LENGTH = 32


class InsecureConfiguration(RuntimeError):
    """The app refuses to start: production without real keys."""


def split_keys(value: str | bytes | None) -> list[str]:
    """``FIELD_ENCRYPTION_KEY`` as its list of keys, newest (the encrypting one) first."""
    if not value:
        return []
    if isinstance(value, bytes):
        value = value.decode()
    return [part.strip() for part in value.split(",") if part.strip()]


def _is_fernet_key(key: str) -> bool:
    try:
        return len(base64.urlsafe_b64decode(key.encode())) == 32
    except (binascii.Error, ValueError):
        return False


def check_keys(app: Flask) -> None:
    """Production (``PRODUCTION=true``) needs a real SECRET_KEY and FIELD_ENCRYPTION_KEY,
    or the app does not start. Elsewhere a missing field key becomes the development one."""
    config = app.config
    keys = split_keys(config.get("FIELD_ENCRYPTION_KEY"))
    bad = [n for n, key in enumerate(keys, 1) if not _is_fernet_key(key)]
    if bad:
        raise InsecureConfiguration(
            f"FIELD_ENCRYPTION_KEY: key {bad[0]} is not a Fernet key (32 url-safe base64-encoded bytes); "
            'make one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )
    if not config.get("PRODUCTION"):
        if not keys:
            config["FIELD_ENCRYPTION_KEY"] = DEV_FIELD_ENCRYPTION_KEY
        return
    secret = config.get("SECRET_KEY") or ""
    if isinstance(secret, bytes):
        secret = secret.decode(errors="replace")
    if not secret or secret == DEV_SECRET_KEY:
        raise InsecureConfiguration(
            "PRODUCTION is set but SECRET_KEY is missing or the development default: set a long random value "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if len(secret) < MIN_SECRET_KEY_LENGTH:
        raise InsecureConfiguration(
            f"PRODUCTION is set but SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters: "
            "set a long random value"
        )
    if not keys:
        raise InsecureConfiguration(
            "PRODUCTION is set but FIELD_ENCRYPTION_KEY is missing: set a Fernet key "
            '(python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())")'
        )
    if DEV_FIELD_ENCRYPTION_KEY in keys:
        raise InsecureConfiguration("PRODUCTION is set but FIELD_ENCRYPTION_KEY holds the development key")


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies (0: none, the default), take the client
    address, scheme and host from their X-Forwarded-* headers (werkzeug's ProxyFix).
    Without the setting those headers are ignored: anyone can send them."""
    count = int(app.config.get("TRUSTED_PROXIES") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)  # type: ignore[method-assign]


def init_app(app: Flask) -> None:
    """Called by ``create_app`` right after the configuration is loaded."""
    check_keys(app)
    trust_proxies(app)
