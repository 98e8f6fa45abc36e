"""The call-back rules, as data: each rule names its occasion source (one SQL ``SELECT``
of ``customer_id, vehicle_id, occasion, due_on``), its default offsets and assignee policy.

A module adds an occasion source by registering a :class:`Rule` (``register_rule``); the
settings screen and the generation job pick it up. The complaints module registers
``complaint_closed`` this way (7 days after a complaint is closed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from .sqlparts import Dialect

#: days before today a task may still be created for (a job that missed a few days catches up)
CATCH_UP_DAYS = 7
#: days ahead tasks are created (the supervisor plans the next days)
LEAD_DAYS = 2
#: an open follow-up card with its next contact this close to the call's day takes the call
CARD_OVERLAP_DAYS = 3
#: lapses older than this (past the N months) are not raised any more
LAPSE_WINDOW_DAYS = 90

ASSIGNEE_POLICIES = {"owner": _l("客户的专属顾问，无则轮流分给回访专员"), "pool": _l("轮流分给回访专员")}


@dataclass(frozen=True)
class Window:
    """What one source is asked for: the store, the due days ``lo``..``hi`` and one offset."""

    dialect: Dialect
    store_id: int
    today: dt.date
    lo: dt.date
    hi: dt.date
    offset: int
    now: dt.datetime

    def day_start(self, day: dt.date) -> dt.datetime:
        from ..timeutil import local_day_bounds

        return local_day_bounds(day, self.dialect.tz)[0]


#: (sql, parameters): the SELECT may use :store and the parameters it returns
Source = Callable[[Window], tuple[str, dict[str, Any]]]


@dataclass(frozen=True)
class Rule:
    code: str
    label: Any
    source: Source
    offsets: tuple[int, ...]
    #: what an offset means on the settings screen
    offset_label: Any
    assignee: str = "owner"
    enabled: bool = True
    #: bounds of one offset
    offset_min: int = 0
    offset_max: int = 365
    #: run after each batch with (connection, window, customer id range) (e.g. mark source rows handled)
    after_batch: Callable[..., None] | None = None
    order: int = 100
    #: the label of the occasion shown on the task ("交车后 3 天")
    describe: Callable[[int], Any] = field(default=lambda n: "")


RULES: dict[str, Rule] = {}


def register_rule(rule: Rule) -> Rule:
    """Add (or replace) a rule; modules call this at import."""
    RULES[rule.code] = rule
    return rule


def ordered() -> list[Rule]:
    return sorted(RULES.values(), key=lambda r: r.order)


def label(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.label) if rule else code


# --------------------------------------------------------------------------- sources

NULL_INT = "CAST(NULL AS integer)"


def _visit(w: Window) -> tuple[str, dict[str, Any]]:
    d = w.dialect
    sql = f"""
        SELECT v.customer_id AS customer_id, {NULL_INT} AS vehicle_id,
               'v' || {d.text("v.id")} AS occasion,
               {d.add_days(d.local_day("v.time_in"), w.offset)} AS due_on
        FROM visits v
        WHERE v.store_id = :store AND v.kind = 'walk_in' AND v.customer_id IS NOT NULL
          AND v.time_in >= :src_from AND v.time_in < :src_to"""
    return sql, _instants(w)


def _instants(w: Window) -> dict[str, Any]:
    """UTC bounds of the source events whose call falls due between ``lo`` and ``hi``."""
    return {
        "src_from": w.day_start(w.lo - dt.timedelta(days=w.offset)),
        "src_to": w.day_start(w.hi - dt.timedelta(days=w.offset) + dt.timedelta(days=1)),
    }


def _delivery(w: Window) -> tuple[str, dict[str, Any]]:
    d = w.dialect
    sql = f"""
        SELECT o.customer_id AS customer_id, cv.id AS vehicle_id,
               'd' || {d.text("dl.id")} || '-{w.offset}' AS occasion,
               {d.add_days(d.local_day("dl.delivered_at"), w.offset)} AS due_on
        FROM deliveries dl
        JOIN sales_orders o ON o.id = dl.order_id
        LEFT JOIN customer_vehicles cv ON cv.store_id = :store AND cv.sales_order_id = o.id
        WHERE dl.store_id = :store AND dl.delivered_at >= :src_from AND dl.delivered_at < :src_to"""
    return sql, _instants(w)


def _ro_closed(w: Window) -> tuple[str, dict[str, Any]]:
    d = w.dialect
    sql = f"""
        SELECT e.customer_id AS customer_id, e.vehicle_id AS vehicle_id,
               'e' || {d.text("e.id")} AS occasion,
               {d.add_days(d.local_day("e.occurred_at"), w.offset)} AS due_on
        FROM service_events e
        WHERE e.store_id = :store AND e.kind = 'ro_closed' AND e.handled_at IS NULL
          AND e.occurred_at < :src_to"""
    return sql, {"src_to": _instants(w)["src_to"]}


def _mark_events_handled(connection, w: Window, c_lo: int, c_hi: int) -> None:
    """The RO-closed events considered are the care module's: handled once their call was
    created (or refused by the card overlap), so the next run reads only new ones."""
    import sqlalchemy as sa

    connection.execute(
        sa.text(
            "UPDATE service_events SET handled_at = :now WHERE store_id = :store AND kind = 'ro_closed' "
            "AND handled_at IS NULL AND occurred_at < :src_to AND customer_id > :c_lo AND customer_id <= :c_hi"
        ).bindparams(
            sa.bindparam("now", type_=sa.DateTime(timezone=True)),
            sa.bindparam("src_to", type_=sa.DateTime(timezone=True)),
        ),
        {"now": w.now, "store": w.store_id, "src_to": _instants(w)["src_to"], "c_lo": c_lo, "c_hi": c_hi},
    )


def _birthday(w: Window) -> tuple[str, dict[str, Any]]:
    """Birthdays ``offset`` days after a due day of the window (29 February is called on
    the 28th in other years)."""
    d = w.dialect
    rows = []
    day = w.lo
    while day <= w.hi:
        birthday = day + dt.timedelta(days=w.offset)
        mds = [birthday.strftime("%m-%d")]
        if birthday.month == 2 and birthday.day == 28:
            try:
                dt.date(birthday.year, 2, 29)
            except ValueError:
                mds.append("02-29")
        for md in mds:
            rows.append(f"SELECT '{md}' AS md, {d.date_literal(day)} AS due_on, 'b{birthday.year}' AS occasion")
        day += dt.timedelta(days=1)
    days = " UNION ALL ".join(rows)
    sql = f"""
        SELECT c.id AS customer_id, {NULL_INT} AS vehicle_id, w.occasion AS occasion, w.due_on AS due_on
        FROM customers c JOIN ({days}) w ON w.md = {d.month_day("c.birthday")}
        WHERE c.store_id = :store AND c.birthday IS NOT NULL"""
    return sql, {}


def _insurance(w: Window) -> tuple[str, dict[str, Any]]:
    d = w.dialect
    sql = f"""
        SELECT p.customer_id AS customer_id, cv.id AS vehicle_id,
               'p' || {d.text("p.id")} || '-{w.offset}' AS occasion,
               {d.add_days("p.expires_on", -w.offset)} AS due_on
        FROM insurance_policies p
        LEFT JOIN customer_vehicles cv ON cv.store_id = :store AND cv.vin = p.vin AND p.vin <> ''
        WHERE p.store_id = :store AND p.status = 'issued' AND p.expires_on >= :exp_from AND p.expires_on <= :exp_to"""
    return sql, {"exp_from": w.lo + dt.timedelta(days=w.offset), "exp_to": w.hi + dt.timedelta(days=w.offset)}


def projected_due_sql(d: Dialect) -> tuple[str, str]:
    """(FROM clause, due expression) of the service due day of every car of the store:
    the next service date, or sooner the day the car reaches its next service mileage at
    its average km per day over its readings (the repair orders' mileage in, and the
    delivery's when it was sold here: first to last reading); date-only when
    the car has fewer than two readings on different days."""
    first, last = "h.first_day", "h.last_day"
    span = d.days_between(last, first)
    km = "(h.last_km - h.first_km)"
    rate_known = f"(h.vehicle_id IS NOT NULL AND {span} > 0 AND {km} > 0 AND cv.next_service_mileage IS NOT NULL)"
    days_left = f"((cv.next_service_mileage - h.last_km) * {span} / {km})"
    by_km = f"CASE WHEN cv.next_service_mileage <= h.last_km THEN {last} ELSE {d.add_days(last, days_left)} END"
    due = (
        f"CASE WHEN {rate_known} THEN "
        f"(CASE WHEN cv.next_service_date IS NULL OR {by_km} < cv.next_service_date THEN {by_km} "
        f"ELSE cv.next_service_date END) "
        f"ELSE cv.next_service_date END"
    )
    history = f"""
        LEFT JOIN (
            SELECT r.vehicle_id AS vehicle_id, MIN(r.day) AS first_day, MAX(r.day) AS last_day,
                   MIN(r.mileage_in) AS first_km, MAX(r.mileage_in) AS last_km
            FROM (SELECT ro.vehicle_id AS vehicle_id, {d.local_day("ro.opened_at")} AS day, ro.mileage_in AS mileage_in
                  FROM repair_orders ro
                  WHERE ro.store_id = :store AND ro.status <> 'cancelled' AND ro.vehicle_id IN (
                      SELECT v2.id FROM customer_vehicles v2
                      WHERE v2.store_id = :store AND v2.owner_id > :c_lo AND v2.owner_id <= :c_hi)
                  UNION ALL
                  SELECT v3.id, {d.local_day("dl.delivered_at")}, dl.mileage
                  FROM customer_vehicles v3 JOIN deliveries dl ON dl.order_id = v3.sales_order_id
                  WHERE v3.store_id = :store AND v3.owner_id > :c_lo AND v3.owner_id <= :c_hi
                    AND dl.mileage IS NOT NULL) r
            GROUP BY r.vehicle_id
        ) h ON h.vehicle_id = cv.id"""
    return history, due


def _maintenance(w: Window) -> tuple[str, dict[str, Any]]:
    d = w.dialect
    history, due = projected_due_sql(d)
    occasion = (
        f"'m' || {d.text('cv.id')} || '-' || COALESCE({d.text('cv.next_service_mileage')}, '') "
        f"|| '-' || COALESCE({d.text('cv.next_service_date')}, '')"
    )
    sql = f"""
        SELECT cv.owner_id AS customer_id, cv.id AS vehicle_id, {occasion} AS occasion,
               {d.add_days(f"({due})", -w.offset)} AS due_on
        FROM customer_vehicles cv {history}
        WHERE cv.store_id = :store AND cv.owner_id IS NOT NULL
          AND (cv.next_service_date IS NOT NULL OR cv.next_service_mileage IS NOT NULL)"""
    return sql, {}


def _lapsing(w: Window) -> tuple[str, dict[str, Any]]:
    """Owners whose last visit to the workshop is ``offset`` months old: called once per
    lapse (the occasion is their last repair order)."""
    d = w.dialect
    cutoff = w.today - dt.timedelta(days=round(w.offset * 30.44))
    sql = f"""
        SELECT r.customer_id AS customer_id, {NULL_INT} AS vehicle_id,
               'l' || {d.text("MAX(r.id)")} AS occasion, :lapse_today AS due_on
        FROM repair_orders r
        WHERE r.store_id = :store AND r.status <> 'cancelled'
        GROUP BY r.customer_id
        HAVING MAX(r.opened_at) < :lapse_before AND MAX(r.opened_at) >= :lapse_after"""
    return sql, {
        "lapse_today": w.today,
        "lapse_before": w.day_start(cutoff),
        "lapse_after": w.day_start(cutoff - dt.timedelta(days=LAPSE_WINDOW_DAYS)),
    }


register_rule(
    Rule(
        "visit",
        _l("到店后回访"),
        _visit,
        (1,),
        _l("到店后第几天"),
        assignee="owner",
        order=10,
        describe=lambda n: _l("到店后 %(n)s 天", n=n),
    )
)
register_rule(
    Rule(
        "delivery",
        _l("交车后回访"),
        _delivery,
        (3, 30),
        _l("交车后第几天（可填多个）"),
        assignee="owner",
        order=20,
        describe=lambda n: _l("交车后 %(n)s 天", n=n),
    )
)
register_rule(
    Rule(
        "ro_closed",
        _l("维修后回访"),
        _ro_closed,
        (3,),
        _l("工单关闭后第几天"),
        assignee="pool",
        after_batch=_mark_events_handled,
        order=30,
        describe=lambda n: _l("维修后 %(n)s 天", n=n),
    )
)
register_rule(
    Rule(
        "birthday",
        _l("生日关怀"),
        _birthday,
        (0,),
        _l("生日前几天"),
        assignee="owner",
        offset_max=30,
        order=40,
        describe=lambda n: _l("生日前 %(n)s 天", n=n),
    )
)
register_rule(
    Rule(
        "insurance",
        _l("保险续保提醒"),
        _insurance,
        (60, 30),
        _l("保单到期前几天（可填多个）"),
        assignee="pool",
        order=50,
        describe=lambda n: _l("保险到期前 %(n)s 天", n=n),
    )
)
register_rule(
    Rule(
        "maintenance",
        _l("保养到期提醒"),
        _maintenance,
        (7,),
        _l("预计保养日前几天"),
        assignee="pool",
        offset_max=90,
        order=60,
        describe=lambda n: _l("保养到期前 %(n)s 天", n=n),
    )
)
register_rule(
    Rule(
        "lapsing",
        _l("流失预警"),
        _lapsing,
        (12,),
        _l("多少个月未回厂"),
        assignee="pool",
        offset_min=1,
        offset_max=60,
        order=70,
        describe=lambda n: _l("%(n)s 个月未回厂", n=n),
    )
)
