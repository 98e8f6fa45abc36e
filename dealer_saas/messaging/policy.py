"""When a customer message may go out: quiet hours in the store's zone, and the throttle.

A message due inside the quiet hours is deferred to their end, never dropped; a store sends
at most ``per_minute`` messages a minute (the rest wait as ``deferred`` rows with a
``not_before`` time, which the ``messaging.release_due`` job releases minute by minute).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ..timeutil import DEFAULT_TZ, as_utc
from .settings import Policy

#: purposes the quiet hours apply to (a transactional message the customer is waiting
#: for, such as an appointment confirmation, goes at once)
QUIET_PURPOSES = ("service", "marketing")


def _zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or DEFAULT_TZ)
    except (KeyError, ValueError):
        return ZoneInfo(DEFAULT_TZ)


def is_quiet(policy: Policy, when: dt.datetime, tz: str | None) -> bool:
    """Whether ``when`` falls inside the store's quiet hours."""
    start, end = policy.quiet_from, policy.quiet_until
    if start == end:
        return False
    hour = as_utc(when).astimezone(_zone(tz)).hour
    return start <= hour < end if start < end else (hour >= start or hour < end)


def next_allowed(policy: Policy, when: dt.datetime, tz: str | None) -> dt.datetime:
    """``when`` itself outside the quiet hours, else the end of the quiet hours (UTC)."""
    when = as_utc(when)
    if not is_quiet(policy, when, tz):
        return when
    zone = _zone(tz)
    local = when.astimezone(zone)
    end = local.replace(hour=policy.quiet_until, minute=0, second=0, microsecond=0)
    if end <= local:
        end = (local + dt.timedelta(days=1)).replace(hour=policy.quiet_until, minute=0, second=0, microsecond=0)
    return end.astimezone(dt.UTC)
