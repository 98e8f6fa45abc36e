"""The database-driven scheduler: one row per (periodic job kind, store) says when the kind
is next due; every minute the scheduler enqueues what is due.

A period whose job Redis lost (a flush or a restart before a worker took it, or a worker
that died with it) is enqueued again by ``recover``: the database says which periods were
claimed and which finished, so nothing due is lost with Redis. So is an on-demand run the
database still waits for (a kind's ``pending``: a bulk send not done).

Two guards keep a period from running twice, even with two schedulers or after a restart:
the deterministic RQ job id (kind, store, period; see ``job_id_for``) enqueued with ``unique=True`` (Redis
refuses a second copy while it remembers the job), and a conditional UPDATE of
``last_enqueued_period`` (the database remembers for ever; the row lock makes a second
scheduler wait and then find the period taken).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import tenancy
from ..extensions import db
from ..tenancy import Store
from ..timeutil import utcnow
from .models import JobRun, JobSchedule, schedule_key
from .periods import current_slot
from .registry import JOB_KINDS, JobKind

log = logging.getLogger(__name__)


@dataclass
class Reconciliation:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def job_id_for(kind: str, store_id: int | None, period: str) -> str:
    """The deterministic RQ job id of one scheduled run: ``kind:store:period`` spelt with
    the only characters RQ 3 accepts in an id (letters, digits, ``_`` and ``-``), e.g.
    ``messaging__retry_failed--12--2026-11-23T18``."""
    store = str(store_id) if store_id is not None else "all"
    return f"{kind.replace('.', '__')}--{store}--{period.replace(':', '-')}"


def reconcile(now: dt.datetime | None = None, kinds: dict[str, JobKind] | None = None) -> Reconciliation:
    """Make the schedule rows match the declared periodic kinds: add rows for new kinds and
    new stores, update a changed cadence or hour, disable rows of removed kinds and of
    inactive stores. Idempotent; flushes, the caller commits."""
    now = now or utcnow()
    kinds = JOB_KINDS if kinds is None else kinds
    report = Reconciliation()
    with tenancy.system():
        stores = db.session.execute(select(Store.id, Store.timezone, Store.is_active)).all()
        active = {s.id: s.timezone for s in stores if s.is_active}
        zones = {s.id: s.timezone for s in stores}
        rows = {r.key: r for r in db.session.execute(select(JobSchedule)).scalars()}
        wanted: dict[str, tuple[JobKind, int | None]] = {}
        for kind in kinds.values():
            if kind.cadence is None:
                continue
            for store_id in sorted(active) if kind.per_store else [None]:
                wanted[schedule_key(kind.name, store_id)] = (kind, store_id)
        for key, (kind, store_id) in wanted.items():
            tz = zones.get(store_id) if store_id is not None else None
            row = rows.get(key)
            if row is None:
                slot = current_slot(kind.cadence, now, tz, kind.hour)
                # A new row is due at once for the current period (it catches up).
                if _insert(
                    JobSchedule(
                        key=key,
                        kind=kind.name,
                        store_id=store_id,
                        cadence=kind.cadence,
                        hour=kind.hour,
                        enabled=True,
                        next_due_at=slot.due_at,
                    )
                ):
                    report.added.append(key)
                continue
            if row.cadence != kind.cadence or row.hour != kind.hour or not row.enabled:
                row.cadence, row.hour, row.enabled = kind.cadence, kind.hour, True
                row.next_due_at = current_slot(kind.cadence, now, tz, kind.hour).due_at
                report.updated.append(key)
            else:
                report.unchanged.append(key)
        for key, row in rows.items():
            if key not in wanted and row.enabled:
                row.enabled = False
                report.disabled.append(key)
        db.session.flush()
    return report


def _insert(row: JobSchedule) -> bool:
    """Insert one schedule row; False when another scheduler inserted it first."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return False
    return True


QueueFor = Callable[[JobKind], Queue]


def tick(now: dt.datetime | None = None, *, queue_for: QueueFor | None = None) -> list[str]:
    """Enqueue every due (kind, store, period) once; returns the job ids enqueued here."""
    from .queue import enqueue, get_queue

    now = now or utcnow()
    queue_for = queue_for or (lambda kind: get_queue(kind.queue))
    enqueued: list[str] = []
    with tenancy.system():
        due = db.session.execute(
            select(
                JobSchedule.id,
                JobSchedule.kind,
                JobSchedule.store_id,
                JobSchedule.cadence,
                JobSchedule.hour,
                JobSchedule.last_enqueued_period,
                Store.timezone,
            )
            .outerjoin(Store, Store.id == JobSchedule.store_id)
            .where(JobSchedule.enabled.is_(True), JobSchedule.next_due_at <= now)
            .order_by(JobSchedule.next_due_at, JobSchedule.id)
        ).all()
        db.session.commit()  # end the read: each claim below is its own short transaction
    for row in due:
        kind = JOB_KINDS.get(row.kind)
        if kind is None or kind.cadence is None:
            continue  # removed since the last reconciliation
        slot = current_slot(row.cadence, now, row.timezone, row.hour)
        job_id = job_id_for(row.kind, row.store_id, slot.period)
        queue = queue_for(kind)
        with tenancy.system():
            if not _claim(row.id, slot.period, slot.next_due_at, now):
                db.session.commit()
                continue
            if queue.is_async:
                # Enqueue while the claim's row lock is held; a crash before the commit
                # leaves the period unclaimed, and the retry then meets DuplicateJobError.
                if _enqueue(enqueue, kind, row.store_id, slot.period, job_id, queue):
                    enqueued.append(job_id)
                db.session.commit()
            else:
                # In-process runs open their own session: commit the claim first so the
                # job does not wait on our lock.
                db.session.commit()
                if _enqueue(enqueue, kind, row.store_id, slot.period, job_id, queue):
                    enqueued.append(job_id)
    return enqueued


def _claim(schedule_id: int, period: str, next_due_at: dt.datetime, now: dt.datetime) -> bool:
    """Take ``period`` for one schedule row unless it is already taken (conditional UPDATE);
    the row's next due time moves on either way."""
    result = db.session.execute(
        update(JobSchedule)
        .where(
            JobSchedule.id == schedule_id,
            sa.or_(JobSchedule.last_enqueued_period.is_(None), JobSchedule.last_enqueued_period != period),
        )
        .values(last_enqueued_period=period, last_enqueued_at=now, next_due_at=next_due_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        return True
    db.session.execute(
        update(JobSchedule)
        .where(JobSchedule.id == schedule_id, JobSchedule.next_due_at < next_due_at)
        .values(next_due_at=next_due_at)
        .execution_options(synchronize_session=False)
    )
    return False


def _enqueue(enqueue: Callable, kind: JobKind, store_id: int | None, period: str, job_id: str, queue: Queue) -> bool:
    try:
        enqueue(kind.name, store_id, period, job_id=job_id, unique=True, queue=queue)
    except DuplicateJobError:
        log.info("job %s is already queued", job_id)
        return False
    return True


#: a claimed period is checked for a lost job only after this long (the enqueue and the
#: worker's first step have happened by then)
RECOVER_AFTER = 120.0


def recover(
    now: dt.datetime | None = None, *, queue_for: QueueFor | None = None, after: float | None = None
) -> list[str]:
    """Enqueue again the claimed periods that never finished and whose job Redis no longer
    holds; returns their job ids. Embedded (synchronous) queues have nothing to lose."""
    from rq.job import Job

    from .queue import enqueue, get_queue

    now = now or utcnow()
    queue_for = queue_for or (lambda kind: get_queue(kind.queue))
    after = RECOVER_AFTER if after is None else after
    finished = (
        select(JobRun.id)
        .where(
            JobRun.kind == JobSchedule.kind,
            JobRun.store_id.is_not_distinct_from(JobSchedule.store_id),
            JobRun.period == JobSchedule.last_enqueued_period,
            JobRun.outcome == "ok",
        )
        .exists()
    )
    with tenancy.system():
        claimed = db.session.execute(
            select(JobSchedule.kind, JobSchedule.store_id, JobSchedule.last_enqueued_period).where(
                JobSchedule.enabled.is_(True),
                JobSchedule.last_enqueued_period.is_not(None),
                JobSchedule.last_enqueued_at < now - dt.timedelta(seconds=after),
                ~finished,
            )
        ).all()
        db.session.commit()
    recovered: list[str] = []
    for row in claimed:
        kind = JOB_KINDS.get(row.kind)
        if kind is None or kind.cadence is None:
            continue
        queue = queue_for(kind)
        if not queue.is_async:
            continue
        job_id = job_id_for(row.kind, row.store_id, row.last_enqueued_period)
        if Job.exists(job_id, connection=queue.connection):
            continue  # queued, running, retrying or failed: RQ still has it
        if _enqueue(enqueue, kind, row.store_id, row.last_enqueued_period, job_id, queue):
            log.warning("job %s was lost by Redis: enqueued again", job_id)
            recovered.append(job_id)
    recovered.extend(_recover_pending(now - dt.timedelta(seconds=after), queue_for))
    return recovered


def _recover_pending(before: dt.datetime, queue_for: QueueFor) -> list[str]:
    """The on-demand runs the database still waits for (a kind's ``pending``), enqueued
    again when Redis no longer holds their job."""
    from rq.job import Job

    from .queue import enqueue

    recovered: list[str] = []
    for kind in list(JOB_KINDS.values()):
        if kind.pending is None:
            continue
        queue = queue_for(kind)
        if not queue.is_async:
            continue
        with tenancy.system():
            wanted = list(kind.pending(before))
            db.session.commit()
        for store_id, job_id, kwargs in wanted:
            if Job.exists(job_id, connection=queue.connection):
                continue
            try:
                enqueue(kind.name, store_id, job_id=job_id, unique=True, queue=queue, **kwargs)
            except DuplicateJobError:
                continue
            log.warning("job %s was lost by Redis: enqueued again", job_id)
            recovered.append(job_id)
    return recovered


#: what a scheduler survives: Redis or the database going away for a while
_TRANSIENT: tuple[type[BaseException], ...] = (sa.exc.OperationalError, sa.exc.DBAPIError)


def _transient_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (*_TRANSIENT, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def run_forever(
    interval: float = 60.0, *, once: bool = False, reconcile_every: int = 15, sleep: Callable[[float], Any] = time.sleep
) -> None:
    """The scheduler loop: reconcile, then tick at the start of every ``interval``."""
    from flask import current_app

    recover_after = float(current_app.config.get("JOBS_RECOVER_AFTER") or RECOVER_AFTER)
    transient = _transient_errors()
    ticks = 0
    while True:
        try:
            if ticks % reconcile_every == 0:
                report = reconcile()
                db.session.commit()
                if report.added or report.updated or report.disabled:
                    log.info(
                        "schedules: %d added, %d updated, %d disabled",
                        len(report.added),
                        len(report.updated),
                        len(report.disabled),
                    )
            enqueued = tick()
            if enqueued:
                log.info("enqueued %s", ", ".join(enqueued))
            recover(after=recover_after)
        except transient as error:
            # Redis restarting, the database failing over: the due rows stay in the
            # database, the next tick enqueues them
            db.session.rollback()
            log.warning("scheduler tick failed, trying again next tick: %s", error)
            if once:
                raise
        db.session.remove()  # do not hold a connection while sleeping
        ticks += 1
        if once:
            return
        started = time.time()
        sleep(max(1.0, interval - (started % interval)))
