"""Jinja filters: money, store-local times, masked phones and ID numbers."""

from __future__ import annotations

import datetime as dt
import decimal

from flask import Flask

from .timeutil import local


def money(value: decimal.Decimal | int | None) -> str:
    if value is None:
        return ""
    return f"¥{decimal.Decimal(value):,.2f}"


def mask_phone(value: str | None) -> str:
    """138****5678: enough to recognise, not enough to call. At least four characters are
    always hidden; a full mobile number (11 or more) keeps its first three and last four, a
    shorter one (a landline, an extension) only up to its last four."""
    if not value:
        return ""
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    shown = min(4, max(len(value) - 4, 0))
    return "*" * (len(value) - shown) + value[len(value) - shown :]


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:]


def datetime_local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    from . import shell

    if value is None:
        return ""
    store = shell.active_store()
    return local(value, store.timezone if store else None).strftime(fmt)


def date_fmt(value: dt.date | None, fmt: str = "%Y-%m-%d") -> str:
    return value.strftime(fmt) if value else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money,
        mask_phone=mask_phone,
        mask_id=mask_id_number,
        dt=datetime_local,
        date=date_fmt,
    )
