"""SQL fragments the set-based generation writes in both dialects: PostgreSQL (production)
and SQLite (the embedded default; dates are ISO text there)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ..reports.metrics import zone_name


@dataclass(frozen=True)
class Dialect:
    name: str
    tz: str

    @property
    def is_pg(self) -> bool:
        return self.name == "postgresql"

    def local_day(self, column: str) -> str:
        """The store-local calendar day of a UTC timestamp column. SQLite shifts by the
        zone's offset now (exact for zones without daylight saving: all of mainland China)."""
        if self.is_pg:
            return f"CAST(timezone('{zone_name(self.tz)}', {column}) AS date)"
        offset = ZoneInfo(zone_name(self.tz)).utcoffset(dt.datetime.now())
        minutes = int(offset.total_seconds() // 60) if offset else 0
        return f"date({column}, '{minutes:+d} minutes')"

    def add_days(self, date_sql: str, days_sql: str | int) -> str:
        """``date + days`` (``days`` an integer SQL expression or a Python int)."""
        if isinstance(days_sql, int):
            if self.is_pg:
                return f"({date_sql} + {days_sql})"
            return f"date({date_sql}, '{days_sql:+d} days')"
        if self.is_pg:
            return f"({date_sql} + CAST({days_sql} AS integer))"
        return f"date({date_sql}, CAST(CAST({days_sql} AS integer) AS text) || ' days')"

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from ``earlier`` to ``later`` (two dates)."""
        if self.is_pg:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS integer)"

    def date_literal(self, day: dt.date) -> str:
        return f"DATE '{day.isoformat()}'" if self.is_pg else f"'{day.isoformat()}'"

    def month_day(self, column: str) -> str:
        return f"to_char({column}, 'MM-DD')" if self.is_pg else f"strftime('%m-%d', {column})"

    @staticmethod
    def text(expr: str) -> str:
        return f"CAST({expr} AS text)"
