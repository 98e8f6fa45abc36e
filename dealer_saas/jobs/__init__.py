"""Background work: job kinds declared as data, run by RQ workers (or in-process in the
embedded mode), scheduled from rows in the database.

Modules declare jobs in ``<module>/jobs.py``::

    @job("leads.flag_overdue_cards", cadence="daily")
    def flag_overdue_cards(store_id: int, period: str) -> dict: ...

The job body runs inside ``tenancy.enter(store_id)`` and calls one service; the job base
commits once and records the run. ``enqueue_after_commit(name, store_id, **kwargs)`` queues
a job from a request once its transaction has committed.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

from .registry import JOB_KINDS, JobKind, job  # noqa: F401
from .queue import enqueue_after_commit, init_app, run_job_now  # noqa: F401
