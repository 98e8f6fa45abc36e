"""Generating call-back tasks: set-based SQL, in batches of customers, idempotent.

For every enabled rule and offset, one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``
per batch of customer ids copies the rule's occasions (``rules.Source``) into
``care_callbacks``; the unique key ``(store, rule, customer, occasion)`` makes a second
run, or a run again after one died half-way, create nothing twice. A customer whose open
follow-up card is due within ``CARD_OVERLAP_DAYS`` of the call is left to the consultant.
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
from ..settings import rule_settings
from ..sqlparts import Dialect

DEFAULT_BATCH = 50_000
#: called after every committed batch with (store_id, batch number); the fault tests use it
after_batch_hooks: list[Callable[[int, int], None]] = []


def care_agents(store_id: int) -> list[int]:
    """The store's care agents: active users holding the care agent role there. (Every one
    of them counts as on duty: the leads module's duty roster is the reception rotation of
    sales consultants only, and cannot say which care agents work today.)"""
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


def _assignee_sql(policy: str, agents: list[int], members: list[int]) -> str:
    if agents:
        whens = " ".join(f"WHEN {i} THEN {int(a)}" for i, a in enumerate(agents))
        rr = f"CASE (ROW_NUMBER() OVER (ORDER BY s.customer_id, s.occasion) + :rr_base) % {len(agents)} {whens} END"
    else:
        rr = rules.NULL_INT
    if policy == "owner" and members:
        ids = ", ".join(str(int(m)) for m in members)
        return f"CASE WHEN c.owner_id IN ({ids}) THEN c.owner_id ELSE {rr} END"
    return rr


_TYPES = {
    dt.datetime: sa.DateTime(timezone=True),
    dt.date: sa.Date(),
}


def _typed(sql: str, params: dict[str, Any]) -> sa.TextClause:
    clause = sa.text(sql)
    binds = [sa.bindparam(k, type_=_TYPES[type(v)]) for k, v in params.items() if type(v) in _TYPES]
    return clause.bindparams(*binds) if binds else clause


def insert_statement(d: Dialect, source_sql: str, assignee_sql: str) -> str:
    return f"""
        INSERT INTO care_callbacks
            (org_id, store_id, rule, customer_id, vehicle_id, occasion, due_on, assignee_id,
             status, attempts, note, created_at, updated_at, version)
        SELECT :org, :store, :rule, s.customer_id, s.vehicle_id, s.occasion, s.due_on, {assignee_sql},
               'open', 0, '', :now, :now, 1
        FROM ({source_sql}) s
        JOIN customers c ON c.id = s.customer_id
        WHERE c.store_id = :store AND c.deleted_at IS NULL
          AND s.customer_id > :c_lo AND s.customer_id <= :c_hi
          AND s.due_on >= :lo AND s.due_on <= :hi
          AND NOT EXISTS (
              SELECT 1 FROM follow_up_cards f
              WHERE f.store_id = :store AND f.customer_id = s.customer_id AND f.status = 'open'
                AND f.next_contact_on >= {d.add_days("s.due_on", -rules.CARD_OVERLAP_DAYS)}
                AND f.next_contact_on <= {d.add_days("s.due_on", rules.CARD_OVERLAP_DAYS)})
        ON CONFLICT (store_id, rule, customer_id, occasion) DO NOTHING"""


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
    bounds = connection.execute(
        sa.text("SELECT MIN(id), MAX(id) FROM customers WHERE store_id = :store"), {"store": store_id}
    ).one()
    counts: dict[str, int] = {rule.code: 0 for rule, _s in wanted}
    counts["batches"] = 0
    if bounds[0] is None or not wanted:
        return counts
    created = 0
    c_lo = bounds[0] - 1
    while c_lo < bounds[1]:
        c_hi = min(c_lo + batch_size, bounds[1])
        now = utcnow()
        connection = db.session.connection()
        for rule, setting in wanted:
            for offset in setting.offsets:
                window = rules.Window(d, store_id, today, lo, hi, offset, now)
                source_sql, params = rule.source(window)
                sql = insert_statement(d, source_sql, _assignee_sql(setting.assignee, agents, members))
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
                    "rr_base": created,
                }
                n = connection.execute(_typed(sql, values), values).rowcount or 0
                counts[rule.code] += n
                created += n
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
