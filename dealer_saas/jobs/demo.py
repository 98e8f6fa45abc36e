"""Demo job history: one finished run per store, so the job page (and the isolation
sweep's ``job_run_id`` routes) have a row to show."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from .. import demo
from ..extensions import db
from ..timeutil import utcnow
from .models import JobRun
from .periods import current_slot


@demo.seeder(90)
def seed_job_runs(staff: demo.StoreStaff, rng: random.Random) -> None:
    """A past hourly run of ``messaging.retry_failed`` for the store (idempotent)."""
    store = staff.store
    exists = db.session.execute(
        select(JobRun.id).where(JobRun.store_id == store.id, JobRun.job_id.like("demo:%")).limit(1)
    ).scalar()
    if exists:
        return
    started = utcnow() - dt.timedelta(hours=1, minutes=rng.randint(1, 50))
    period = current_slot("hourly", started, store.timezone).period
    db.session.add(
        JobRun(
            org_id=store.org_id,
            store_id=store.id,
            kind="messaging.retry_failed",
            period=period,
            job_id=f"demo:messaging.retry_failed:{store.id}:{period}",
            queue="messages",
            attempt=1,
            outcome="ok",
            started_at=started,
            finished_at=started + dt.timedelta(seconds=rng.randint(1, 5)),
            result={"requeued": 0},
            arguments=None,
        )
    )
    db.session.flush()
