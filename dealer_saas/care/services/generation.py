"""Generating call-back tasks: set-based SQL, in batches of customers, idempotent.

For every enabled rule and offset, one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``
per batch of customer ids copies the rule's occasions (``rules.Source``) into
``care_callbacks``; the unique key ``(store, rule, customer, occasion)`` makes a second
run, or a run again after one died half-way, create nothing twice. A customer whose open
follow-up card is due within ``CARD_OVERLAP_DAYS`` of the call is left to the consultant.
The calls nobody's owner takes go round-robin, per planned day, among the care agents on
duty that day (the care roster, ``roster.duty_cte``, joined in the same statement).
Each batch commits (when asked), so a large store's run keeps what it did."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import select

from ... import tenancy
from ...extensions import db
from ...tenancy import Membership, Role, User
from ...timeutil import utcnow
from .. import rules
from ..models import CallbackTask
from ..settings import rule_settings
from ..sqlparts import Dialect

DEFAULT_BATCH = 50_000
#: called after every committed batch with (store_id, batch number); the fault tests use it
after_batch_hooks: list[Callable[[int, int], None]] = []


def care_agents(store_id: int) -> list[int]:
    """The store's care agents: active users holding the care agent role there (the pool;
    who of them is on duty on a day is the care roster's, ``roster.duty_cte``)."""
    return list(
        db.session.execute(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.store_id == store_id, Role.code == "care_agent", User.is_active.is_(True))
            .order_by(User.id)
            .distinct()
        ).scalars()
    )


def care_agent_names(store_id: int) -> list[tuple[int, str]]:
    """(id, name) of the store's care agents, for the supervisor's choice."""
    return [
        (row.id, row.name)
        for row in db.session.execute(
            select(User.id, User.name)
            .join(Membership, Membership.user_id == User.id)
            .join(Role, Role.id == Membership.role_id)
            .where(Membership.store_id == store_id, Role.code == "care_agent", User.is_active.is_(True))
            .order_by(User.name, User.id)
            .distinct()
        )
    ]


def store_members(store_id: int) -> list[int]:
    """Active users with a membership in the store (a customer's owner must be one)."""
    return list(
        db.session.execute(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.store_id == store_id, User.is_active.is_(True))
            .distinct()
        ).scalars()
    )


def _owned_sql(policy: str, members: list[int]) -> str:
    """1 where the customer's owner takes the call (the owner policy, an active member of
    the store), else 0: the round robin among the agents on duty."""
    if policy == "owner" and members:
        ids = ", ".join(str(int(m)) for m in members)
        return f"(CASE WHEN c.owner_id IN ({ids}) THEN 1 ELSE 0 END)"
    return "0"


_TYPES = {
    dt.datetime: sa.DateTime(timezone=True),
    dt.date: sa.Date(),
}


def _typed(sql: str, params: dict[str, Any]) -> sa.TextClause:
    clause = sa.text(sql)
    binds = [sa.bindparam(k, type_=_TYPES[type(v)]) for k, v in params.items() if type(v) in _TYPES]
    return clause.bindparams(*binds) if binds else clause


def insert_statement(d: Dialect, source_sql: str, owned_sql: str, duty_sql: str) -> str:
    """One rule's ``INSERT ... SELECT``: the source's new occasions of the batch (those
    without a task yet, so a rerun numbers nothing twice), numbered per planned day
    (``rn``, from 1) among the calls the round robin gives out, each joined to the agent of
    rank ``(rn - 1 + base) % n`` among the ``n`` on duty that day (``roster.duty_cte``).
    ``ON CONFLICT`` stays for two runs at the same time.
    Returns the calls created per day and how many went to the pool (PostgreSQL: one
    aggregate row per day; SQLite: the created rows)."""
    insert = f"""
        INSERT INTO care_callbacks
            (org_id, store_id, rule, customer_id, vehicle_id, occasion, due_on, assignee_id,
             status, attempts, note, created_at, updated_at, version)
        SELECT :org, :store, :rule, t.customer_id, t.vehicle_id, t.occasion, t.due_on,
               CASE WHEN t.owned = 1 THEN t.owner_id ELSE r.user_id END,
               'open', 0, '', :now, :now, 1
        FROM (
            SELECT s.customer_id AS customer_id, s.vehicle_id AS vehicle_id, s.occasion AS occasion,
                   s.due_on AS due_on, c.owner_id AS owner_id, {owned_sql} AS owned,
                   ROW_NUMBER() OVER (PARTITION BY s.due_on, {owned_sql} ORDER BY s.customer_id, s.occasion) AS rn
            FROM ({source_sql}) s
            JOIN customers c ON c.id = s.customer_id
            WHERE c.store_id = :store AND c.deleted_at IS NULL
              AND s.customer_id > :c_lo AND s.customer_id <= :c_hi
              AND s.due_on >= :lo AND s.due_on <= :hi
              AND NOT EXISTS (
                  SELECT 1 FROM care_callbacks e
                  WHERE e.store_id = :store AND e.rule = :rule AND e.customer_id = s.customer_id
                    AND e.occasion = s.occasion)
              AND NOT EXISTS (
                  SELECT 1 FROM follow_up_cards f
                  WHERE f.store_id = :store AND f.customer_id = s.customer_id AND f.status = 'open'
                    AND f.next_contact_on >= {d.add_days("s.due_on", -rules.CARD_OVERLAP_DAYS)}
                    AND f.next_contact_on <= {d.add_days("s.due_on", rules.CARD_OVERLAP_DAYS)})
        ) t
        LEFT JOIN care_duty r ON r.day = t.due_on AND r.k = (t.rn - 1 + r.base) % r.n
        WHERE 1 = 1
        ON CONFLICT (store_id, rule, customer_id, occasion) DO NOTHING"""
    if d.is_pg:
        return f"""
        WITH {duty_sql},
        created AS ({insert}
            RETURNING due_on, assignee_id)
        SELECT due_on, COUNT(*), SUM(CASE WHEN assignee_id IN (SELECT user_id FROM care_pool) THEN 1 ELSE 0 END)
        FROM created GROUP BY due_on"""
    return f"WITH {duty_sql} {insert} RETURNING due_on, assignee_id"


def _created_per_day(d: Dialect, result: sa.CursorResult, agents: set[int]) -> dict[dt.date, tuple[int, int]]:
    """(created, given to the pool) per planned day, from the statement's answer."""
    if d.is_pg:
        return {day: (int(n), int(pooled or 0)) for day, n, pooled in result}
    out: dict[dt.date, tuple[int, int]] = {}
    for day, assignee in result:
        day = dt.date.fromisoformat(day) if isinstance(day, str) else day
        n, pooled = out.get(day, (0, 0))
        out[day] = (n + 1, pooled + (assignee in agents))
    return out


def pooled_per_day(store_id: int, lo: dt.date, hi: dt.date, agents: list[int]) -> dict[dt.date, int]:
    """Tasks planned on each day from ``lo`` to ``hi`` held by the care agents: where each
    day's round robin goes on from (so runs on several days keep each day balanced)."""
    if not agents:
        return {}
    rows = db.session.execute(
        select(CallbackTask.due_on, sa.func.count())
        .where(
            CallbackTask.store_id == store_id,
            CallbackTask.due_on >= lo,
            CallbackTask.due_on <= hi,
            CallbackTask.assignee_id.in_(agents),
        )
        .group_by(CallbackTask.due_on)
    ).all()
    return {day: int(n) for day, n in rows}


def generate(
    store_id: int,
    today: dt.date | None = None,
    *,
    batch_size: int | None = None,
    commit: bool = False,
    only: tuple[str, ...] | None = None,
) -> dict[str, int]:
    """Create the store's call-back tasks due from ``today - CATCH_UP_DAYS`` to
    ``today + LEAD_DAYS``; returns the tasks created per rule (and the batches run)."""
    from . import roster

    store = db.session.execute(select(tenancy.Store).where(tenancy.Store.id == store_id)).scalar_one()
    today = today or tenancy.store_today()
    batch_size = batch_size or int(current_app.config.get("CARE_BATCH_SIZE") or DEFAULT_BATCH)
    pause = float(current_app.config.get("CARE_BATCH_PAUSE") or 0)
    connection = db.session.connection()
    d = Dialect(connection.dialect.name, store.timezone)
    lo, hi = today - dt.timedelta(days=rules.CATCH_UP_DAYS), today + dt.timedelta(days=rules.LEAD_DAYS)
    wanted = [
        (rules.RULES[code], s)
        for code, s in rule_settings(store).items()
        if s.enabled and (only is None or code in only)
    ]
    agents, members = care_agents(store_id), store_members(store_id)
    pool = set(agents)
    days = [lo + dt.timedelta(days=n) for n in range((hi - lo).days + 1)]
    bases = pooled_per_day(store_id, lo, hi, agents)
    bounds = connection.execute(
        sa.text("SELECT MIN(id), MAX(id) FROM customers WHERE store_id = :store"), {"store": store_id}
    ).one()
    counts: dict[str, int] = {rule.code: 0 for rule, _s in wanted}
    counts["batches"] = 0
    if bounds[0] is None or not wanted:
        return counts
    c_lo = bounds[0] - 1
    while c_lo < bounds[1]:
        c_hi = min(c_lo + batch_size, bounds[1])
        now = utcnow()
        connection = db.session.connection()
        for rule, setting in wanted:
            for offset in setting.offsets:
                window = rules.Window(d, store_id, today, lo, hi, offset, now)
                source_sql, params = rule.source(window)
                duty_sql = roster.duty_cte(d, days, agents, bases)
                sql = insert_statement(d, source_sql, _owned_sql(setting.assignee, members), duty_sql)
                values = {
                    **params,
                    "org": store.org_id,
                    "store": store_id,
                    "rule": rule.code,
                    "now": now,
                    "c_lo": c_lo,
                    "c_hi": c_hi,
                    "lo": lo,
                    "hi": hi,
                }
                per_day = _created_per_day(d, connection.execute(_typed(sql, values), values), pool)
                for day, (n, pooled) in per_day.items():
                    counts[rule.code] += n
                    bases[day] = bases.get(day, 0) + pooled
                if rule.after_batch is not None:
                    rule.after_batch(connection, window, c_lo, c_hi)
        counts["batches"] += 1
        if commit:
            db.session.commit()
        for hook in after_batch_hooks:
            hook(store_id, counts["batches"])
        if pause:
            time.sleep(pause)
        c_lo = c_hi
    return counts


def projected_service_due(vehicle_ids: list[int]) -> dict[int, dt.date | None]:
    """The service due day the generation uses for these cars of the current store (see
    ``rules.projected_due_sql``), for the vehicle page and the tests."""
    if not vehicle_ids:
        return {}
    store_id = tenancy.current().store_id
    connection = db.session.connection()
    d = Dialect(connection.dialect.name, tenancy.store_timezone())
    history, due = rules.projected_due_sql(d)
    ids = ", ".join(str(int(v)) for v in vehicle_ids)
    rows = connection.execute(
        sa.text(
            f"SELECT cv.id, {due} FROM customer_vehicles cv {history} WHERE cv.store_id = :store AND cv.id IN ({ids})"
        ),
        {"store": store_id, "c_lo": 0, "c_hi": 2**31 - 1},
    ).all()
    out: dict[int, dt.date | None] = {}
    for vid, value in rows:
        if isinstance(value, str):
            value = dt.date.fromisoformat(value)
        out[vid] = value
    return out
