"""Background work: job kinds declared as data, run by RQ workers (or in-process in the
embedded mode), scheduled from rows in the database.

Modules declare jobs in ``<module>/jobs.py``::

    @job("leads.flag_overdue_cards", cadence="daily")
    def flag_overdue_cards(store_id: int, period: str) -> dict: ...

The job body runs inside ``tenancy.enter(store_id)`` and calls one service; the job base
(``jobs.base.run_job``) commits once and records the run (``JobRun``).
``enqueue_after_commit(name, store_id, **kwargs)`` queues a job from a request once its
transaction has committed. ``get_queue(name)`` is the queue factory; ``flask worker`` and
``flask scheduler`` are the two background processes (``jobs.cli``).
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")

MODULE = registry.declare(
    registry.ModuleSpec(
        "jobs",
        menu=(MenuEntry("jobs.run_list", _l("后台任务"), "admin.jobs", "⚙️", _l("管理"), order=260),),
    )
)

from . import (
    models,  # noqa: E402,F401
    views,  # noqa: E402,F401
)
from .queue import enqueue, enqueue_after_commit, get_queue, init_app, run_job_now  # noqa: E402,F401
from .registry import JOB_KINDS, QUEUES, JobKind, job  # noqa: E402,F401
