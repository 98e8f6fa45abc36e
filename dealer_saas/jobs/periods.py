"""Schedule periods: the name of the slot a periodic run belongs to, in the store's zone.

minute -> "YYYY-MM-DDTHH:MM", hourly -> "YYYY-MM-DDTHH", daily -> "YYYY-MM-DD" (due at
``hour`` o'clock local). The period's name goes into the deterministic job id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..timeutil import DEFAULT_TZ, as_utc

UTC = dt.UTC


@dataclass(frozen=True)
class Slot:
    #: the latest period whose due time has come
    period: str
    #: when that period became due (UTC)
    due_at: dt.datetime
    #: when the following period becomes due (UTC)
    next_due_at: dt.datetime


def current_slot(cadence: str, now: dt.datetime, tz: str | None = None, hour: int = 2) -> Slot:
    """The period a run at ``now`` belongs to, for one cadence in one time zone."""
    zone = ZoneInfo(tz or DEFAULT_TZ)
    local = as_utc(now).astimezone(zone)
    if cadence == "minute":
        start = local.replace(second=0, microsecond=0)
        due = start.astimezone(UTC)
        return Slot(start.strftime("%Y-%m-%dT%H:%M"), due, due + dt.timedelta(minutes=1))
    if cadence == "hourly":
        start = local.replace(minute=0, second=0, microsecond=0)
        due = start.astimezone(UTC)
        return Slot(start.strftime("%Y-%m-%dT%H"), due, due + dt.timedelta(hours=1))
    if cadence == "daily":
        day = local.date()
        due_today = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
        if local < due_today:
            day -= dt.timedelta(days=1)
        due = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
        following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(hour), tzinfo=zone)
        return Slot(day.isoformat(), due.astimezone(UTC), following.astimezone(UTC))
    raise ValueError(f"no periods for cadence {cadence!r}")


def on_demand_period(now: dt.datetime, tz: str | None = None, cadence: str | None = None, hour: int = 2) -> str:
    """The period an on-demand run is given: its cadence's current period, else the minute."""
    return current_slot(cadence or "minute", now, tz, hour).period
