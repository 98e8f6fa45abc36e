"""Jinja filters: money, store-local times, masked phones and ID numbers."""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
from zoneinfo import ZoneInfo

from flask import Flask

from .timeutil import DEFAULT_TZ, as_utc


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


def _active_timezone() -> str | None:
    """The active store's time zone (None: the default zone), from the tenant context."""
    from . import tenancy

    ctx = tenancy.maybe_current()
    if ctx is None or ctx.store_id is None:
        return None
    store = tenancy.current_store()
    return store.timezone if store else None


#: the zone of the last tenant context that formatted a time, per thread and task: a list
#: formats one time per row, and a context variable is read far faster than Flask's ``g``
_ZONE: contextvars.ContextVar[tuple[object, ZoneInfo] | None] = contextvars.ContextVar("active_zone", default=None)


def _active_zone() -> ZoneInfo:
    """The zone object of :func:`_active_timezone`, kept with its tenant context (the
    context object is held by the cache, so a later context is never mistaken for it)."""
    from . import tenancy

    ctx = tenancy.maybe_current()
    cached = _ZONE.get()
    if cached is not None and cached[0] is ctx and ctx is not None:
        return cached[1]
    zone = ZoneInfo(_active_timezone() or DEFAULT_TZ)
    _ZONE.set((ctx, zone))
    return zone


def datetime_local(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return as_utc(value).astimezone(_active_zone()).strftime(fmt)


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
