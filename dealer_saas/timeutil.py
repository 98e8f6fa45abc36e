"""Times are stored in UTC and shown in the store's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes: treat them as the UTC they were stored as."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def local(value: dt.datetime | None, tz: str | None = None) -> dt.datetime | None:
    if value is None:
        return None
    return as_utc(value).astimezone(ZoneInfo(tz or DEFAULT_TZ))


def local_today(tz: str | None = None) -> dt.date:
    return utcnow().astimezone(ZoneInfo(tz or DEFAULT_TZ)).date()


def local_day_bounds(day: dt.date, tz: str | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants at which a local calendar day starts and ends."""
    zone = ZoneInfo(tz or DEFAULT_TZ)
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def from_local(value: dt.datetime, tz: str | None = None) -> dt.datetime:
    """A naive local datetime typed into a form, as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz or DEFAULT_TZ))
    return value.astimezone(dt.UTC)
