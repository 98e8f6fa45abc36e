"""The care agents' duty roster (回访值班表): who of the store's care agents works on which day.

The design a care supervisor keeps, and the smallest one SQL can answer in one join:

- a **week pattern per agent** (``CareDutyWeek``: one row, the days worked as a 7-bit mask
  ``1 << weekday``); an agent without a row works every day, so a store that never set a
  roster (or an agent hired since) keeps today's behaviour: every active care agent on duty;
- **exceptions per date** (``CareDutyException``: a leave, or an extra day), which win over
  the pattern on their date.

"Which agents are on duty on day D" is then ``agents x days LEFT JOIN weeks LEFT JOIN
exceptions`` with one CASE (:func:`duty_cte`): no per-day rows to keep up to date, no
calendar to extend, and the generation's ``INSERT ... SELECT`` joins it to spread each
planned day's calls among that day's agents. A day with nobody on duty falls back to every
active care agent (a call is never left unassigned because of the roster)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ... import audit, tenancy
from ...extensions import db
from ...tenancy import Membership, Role, User
from ..models import EVERY_DAY, WEEKDAYS, CareDutyException, CareDutyWeek
from ..sqlparts import Dialect
from .generation import care_agents
from .tasks import CareError

#: exceptions are entered up to a year ahead
MAX_AHEAD_DAYS = 366
NOTE_MAX = 60
#: upcoming exceptions shown on the roster page
EXCEPTIONS_SHOWN = 60


def weekday_mask(days: Iterable[int]) -> int:
    mask = 0
    for day in days:
        if day not in WEEKDAYS:
            raise CareError(_("请选择周一到周日中的日子。"), "days")
        mask |= 1 << day
    return mask


def works_by_pattern(mask: int | None, day: dt.date) -> bool:
    return mask is None or bool(mask & (1 << day.weekday()))


# --------------------------------------------------------------------------- the join


def duty_cte(d: Dialect, days: Iterable[dt.date], agents: list[int], bases: dict[dt.date, int] | None = None) -> str:
    """The common table expressions (without ``WITH``) ending in ``care_duty(day, user_id,
    k, n, base, fallback)``: per day, each agent on duty, their rank ``k`` (0-based, by id)
    among the ``n`` agents on duty that day, and the day's round-robin ``base``. The
    statement binds ``:store``. ``agents`` are the active care agents (the pool)."""
    bases = bases or {}
    day_rows = " UNION ALL ".join(
        f"SELECT {d.date_literal(day)} AS day, {1 << day.weekday()} AS bit, {int(bases.get(day, 0))} AS base"
        for day in sorted(set(days))
    )
    if agents:
        pool = " UNION ALL ".join(f"SELECT {int(a)} AS user_id" for a in sorted(set(agents)))
    else:
        pool = "SELECT CAST(NULL AS integer) AS user_id WHERE 1 = 0"
    return f"""
        care_days AS ({day_rows}),
        care_pool AS ({pool}),
        care_on AS (
            SELECT dd.day AS day, a.user_id AS user_id, dd.base AS base
            FROM care_days dd CROSS JOIN care_pool a
            LEFT JOIN care_duty_weeks w ON w.store_id = :store AND w.user_id = a.user_id
            LEFT JOIN care_duty_exceptions x ON x.store_id = :store AND x.user_id = a.user_id AND x.day = dd.day
            WHERE (CASE WHEN x.id IS NOT NULL THEN (CASE WHEN x.on_duty THEN 1 ELSE 0 END)
                        WHEN w.id IS NULL THEN 1
                        ELSE (w.weekdays & dd.bit) END) <> 0),
        care_duty AS (
            SELECT q.day AS day, q.user_id AS user_id, q.base AS base, q.fallback AS fallback,
                   ROW_NUMBER() OVER (PARTITION BY q.day ORDER BY q.user_id) - 1 AS k,
                   COUNT(*) OVER (PARTITION BY q.day) AS n
            FROM (SELECT o.day AS day, o.user_id AS user_id, o.base AS base, 0 AS fallback FROM care_on o
                  UNION ALL
                  SELECT dd.day, a.user_id, dd.base, 1 FROM care_days dd CROSS JOIN care_pool a
                  WHERE NOT EXISTS (SELECT 1 FROM care_on o2 WHERE o2.day = dd.day)) q)"""


@dataclass(frozen=True)
class DutyDay:
    day: dt.date
    agent_ids: tuple[int, ...]
    #: nobody is on duty by the roster: every active care agent takes the calls
    fallback: bool


def on_duty(store_id: int, days: Iterable[dt.date], agents: list[int] | None = None) -> dict[dt.date, DutyDay]:
    """Who is on duty on each of ``days`` (one statement: the generation's own join)."""
    days = sorted(set(days))
    if not days:
        return {}
    agents = care_agents(store_id) if agents is None else agents
    connection = db.session.connection()
    d = Dialect(connection.dialect.name, "UTC")  # no local days in the roster join
    rows = connection.execute(
        sa.text(f"WITH {duty_cte(d, days, agents)} SELECT day, user_id, fallback FROM care_duty ORDER BY day, k"),
        {"store": store_id},
    ).all()
    found: dict[dt.date, list[int]] = {day: [] for day in days}
    fallback: dict[dt.date, bool] = {}
    for day, user_id, fell_back in rows:
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        found[day].append(user_id)
        fallback[day] = bool(fell_back)
    return {day: DutyDay(day, tuple(ids), fallback.get(day, False)) for day, ids in found.items()}


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class AgentWeek:
    user_id: int
    name: str
    #: the days-worked mask, or None: never set (every day)
    weekdays: int | None

    def works(self, weekday: int) -> bool:
        return self.weekdays is None or bool(self.weekdays & (1 << weekday))

    @property
    def days(self) -> list[int]:
        return [w for w in WEEKDAYS if self.works(w)]


def agent_weeks(store_id: int) -> list[AgentWeek]:
    """The store's active care agents with their week (one query)."""
    agents = (
        select(User.id.label("id"), User.name.label("name"))
        .join(Membership, Membership.user_id == User.id)
        .join(Role, Role.id == Membership.role_id)
        .where(Membership.store_id == store_id, Role.code == "care_agent", User.is_active.is_(True))
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        select(agents.c.id, agents.c.name, CareDutyWeek.weekdays)
        .outerjoin(CareDutyWeek, sa.and_(CareDutyWeek.user_id == agents.c.id, CareDutyWeek.store_id == store_id))
        .order_by(agents.c.name, agents.c.id)
    ).all()
    return [AgentWeek(r.id, r.name, r.weekdays) for r in rows]


def upcoming_exceptions(today: dt.date) -> list[CareDutyException]:
    """The store's exceptions from today on, soonest first (bounded, by the day index)."""
    return list(
        db.session.execute(
            select(CareDutyException)
            .options(joinedload(CareDutyException.user))
            .where(CareDutyException.day >= today)
            .order_by(CareDutyException.day, CareDutyException.id)
            .limit(EXCEPTIONS_SHOWN)
        ).scalars()
    )


# --------------------------------------------------------------------------- writing


def _check_agent(store_id: int, user_id: int | None) -> int:
    if user_id is None or user_id not in care_agents(store_id):
        raise CareError(_("请选择本店在职的回访专员。"), "user_id")
    return user_id


def _week_row(store_id: int, user_id: int) -> CareDutyWeek | None:
    return db.session.execute(
        select(CareDutyWeek).where(CareDutyWeek.store_id == store_id, CareDutyWeek.user_id == user_id)
    ).scalar_one_or_none()


def set_week(user_id: int, days: Iterable[int]) -> CareDutyWeek:
    """Set the days of the week the agent works (supervisor); an audit row tells before/after."""
    store = tenancy.writable_store()
    _check_agent(store.id, user_id)
    mask = weekday_mask(days)
    row = _week_row(store.id, user_id)
    before = row.weekdays if row is not None else None
    if row is None:
        row = CareDutyWeek(user_id=user_id, weekdays=mask, updated_by_id=tenancy.current().user_id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:  # another supervisor set the week at the same time
            row = _week_row(store.id, user_id)
            assert row is not None
            before = row.weekdays
    if before == mask:
        return row
    row.weekdays, row.updated_by_id = mask, tenancy.current().user_id
    db.session.flush()
    audit.record(
        "care_roster_week",
        "care_duty_weeks",
        row.id,
        before={"user_id": user_id, "weekdays": _days_of(before)},
        after={"user_id": user_id, "weekdays": _days_of(mask)},
        summary=" ".join(str(WEEKDAYS[w]) for w in _days_of(mask)) or _("不值班"),
    )
    return row


def _days_of(mask: int | None) -> list[int]:
    mask = EVERY_DAY if mask is None else mask
    return [w for w in WEEKDAYS if mask & (1 << w)]


def set_exception(user_id: int, day: dt.date | None, kind: str, note: str, today: dt.date) -> CareDutyException:
    """A leave (``off``) or an extra day (``on``) of one agent on one date (supervisor); a
    second one for the same agent and date replaces the first."""
    store = tenancy.writable_store()
    _check_agent(store.id, user_id)
    if day is None:
        raise CareError(_("请选择日期。"), "day")
    if day < today:
        raise CareError(_("日期不能早于今天。"), "day")
    if day > today + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise CareError(_("日期不能超过一年。"), "day")
    if kind not in ("on", "off"):
        raise CareError(_("请选择请假或加班。"), "kind")
    on = kind == "on"
    week = _week_row(store.id, user_id)
    existing = db.session.execute(
        select(CareDutyException).where(CareDutyException.user_id == user_id, CareDutyException.day == day)
    ).scalar_one_or_none()
    if existing is None and works_by_pattern(week.weekdays if week else None, day) == on:
        message = _("该专员这天按周表本来就值班。") if on else _("该专员这天按周表本来就休息。")
        raise CareError(message, "kind")
    note = (note or "").strip()[:NOTE_MAX]
    before = {"on_duty": existing.on_duty, "note": existing.note} if existing is not None else None
    row = existing
    if row is None:
        row = CareDutyException(
            user_id=user_id, day=day, on_duty=on, note=note, created_by_id=tenancy.current().user_id
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            raise CareError(_("这位专员这天已有安排，请刷新后再试。"), "day") from None
    else:
        row.on_duty, row.note = on, note
        db.session.flush()
    audit.record(
        "care_roster_exception",
        "care_duty_exceptions",
        row.id,
        before=before,
        after={"user_id": user_id, "day": day.isoformat(), "on_duty": on, "note": note},
        summary=f"{day.isoformat()} {'+' if on else '-'}",
    )
    return row


def remove_exception(exception_id: int) -> None:
    """Take an exception back: the agent's week applies again on that date."""
    tenancy.writable_store()
    row = tenancy.get_or_404(CareDutyException, exception_id)
    audit.record(
        "care_roster_exception_removed",
        "care_duty_exceptions",
        row.id,
        before={"user_id": row.user_id, "day": row.day.isoformat(), "on_duty": row.on_duty, "note": row.note},
        summary=row.day.isoformat(),
    )
    db.session.delete(row)
    db.session.flush()
