"""The job base: the one function RQ executes for every job kind.

``run_job(kind, store_id, period, **ids)`` enters a fresh app context (its own session and
``g``), enters the store's tenant context, records a ``JobRun``, calls the kind's function,
commits once (``web.commit_and_run_effects``) or rolls back, and records the outcome. The
arguments are plain values (the JSON serializer refuses anything else).
"""

from __future__ import annotations

import contextlib
import json
import logging
import traceback
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, current_app, g, has_app_context
from rq import get_current_job
from sqlalchemy import select, update

from .. import tenancy, web
from ..audit import _jsonable
from ..extensions import db
from ..timeutil import utcnow
from .models import JobRun
from .registry import JOB_KINDS, JobKind

log = logging.getLogger(__name__)

#: retries with backoff for every job (DESIGN section 8): 10 s, 1 min, 5 min
RETRY_MAX = 3
RETRY_INTERVALS = [10, 60, 300]
_ERROR_LIMIT = 4000

_app: Flask | None = None


class UnknownJobKind(KeyError):
    """A queued job names a kind that is no longer declared."""


def _flask_app() -> Flask:
    """The current app (in-process runs, ``flask worker`` and its forked horses), or one
    created here when a bare ``rq worker`` runs the job."""
    global _app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _app is None:
        from .. import create_app

        _app = create_app()
    return _app


def _which_attempt(rq_job: Any) -> tuple[int, bool]:
    """(attempt number, whether RQ will try again after a failure)."""
    if rq_job is None or rq_job.retries_left is None:
        return 1, False
    attempt = max(1, RETRY_MAX - rq_job.retries_left + 1)
    # A synchronous (embedded) queue never retries.
    will_retry = rq_job.retries_left > 0 and rq_job.worker_name != "sync"
    return attempt, will_retry


@contextlib.contextmanager
def _tenant(kind: JobKind, store_id: int | None) -> Iterator[tenancy.TenantContext]:
    if kind.per_store:
        if store_id is None:
            raise ValueError(f"job {kind.name} runs per store: store_id is required")
        with tenancy.enter(store_id) as ctx:
            yield ctx
    else:
        with tenancy.system() as ctx:
            yield ctx


def _plain(result: Any) -> Any:
    """A JSON-ready copy of a job's return value (RQ stores it with the JSON serializer)."""
    if result is None:
        return None
    return json.loads(json.dumps(_jsonable(result), default=str, ensure_ascii=False))


def run_job(kind_name: str, store_id: int | None, period: str | None, **kwargs: Any) -> Any:
    """Run one job: the entry point RQ executes (``dealer_saas.jobs.base.run_job``).
    ``period`` None (an on-demand run) means the kind's current period in the store's zone."""
    app = _flask_app()
    # A fresh app context: the job gets its own session and ``g`` even when it runs
    # in-process right after a request committed.
    with app.app_context():
        return _execute(kind_name, store_id, period, kwargs)


def _execute(kind_name: str, store_id: int | None, period: str | None, kwargs: dict[str, Any]) -> Any:
    kind = JOB_KINDS.get(kind_name)
    if kind is None:
        raise UnknownJobKind(kind_name)
    if period is None:
        from .queue import default_period

        period = default_period(kind_name, store_id)
    rq_job = get_current_job()
    job_id = rq_job.id if rq_job is not None else f"direct:{uuid.uuid4().hex}"
    attempt, will_retry = _which_attempt(rq_job)
    with _tenant(kind, store_id) as ctx:
        if rq_job is not None and attempt > 1:
            _close_abandoned(job_id)
        run = JobRun(
            org_id=ctx.org_id,
            store_id=store_id if kind.per_store else None,
            kind=kind.name,
            period=period or "",
            job_id=job_id,
            queue=kind.queue,
            attempt=attempt,
            outcome="running",
            arguments=_plain(kwargs) or None,
            started_at=utcnow(),
        )
        db.session.add(run)
        # Committed before the work: a killed worker leaves a visible "running" row, and a
        # failure below still has a row to mark.
        db.session.commit()
        run_id = run.id
        committed: list[bool] = []
        try:
            if kind.per_store:
                result = kind.func(store_id=store_id, period=period, **kwargs)
            else:
                result = kind.func(period=period, **kwargs)
            plain = _plain(result)
            run.outcome, run.finished_at, run.result = "ok", utcnow(), plain
            # The first effect only notes that the commit happened.
            g.setdefault("after_commit", []).insert(0, lambda: committed.append(True))
            web.commit_and_run_effects()
        except Exception as error:
            db.session.rollback()
            g.pop("after_commit", None)
            _record_failure(run_id, error, will_retry, after_commit=bool(committed))
            raise
        return plain


def _close_abandoned(job_id: str) -> None:
    """An earlier attempt of this job still "running" had its worker die under it (a job
    runs one attempt at a time): it failed. Committed with the new attempt's row."""
    db.session.execute(
        update(JobRun)
        .where(JobRun.job_id == job_id, JobRun.outcome == "running")
        .values(outcome="failed", finished_at=utcnow(), error=ABANDONED)
        .execution_options(synchronize_session=False)
    )


#: the error of an attempt whose worker died (a log for administrators: not translated)
ABANDONED = "The worker running this attempt died (killed or lost); the next attempt took the job over."
#: the error of the last attempt of a job whose worker died: no attempt follows
ABANDONED_LAST = "The worker running this attempt died (killed or lost) and the job had no retries left: it failed."


def _record_failure(run_id: int, error: BaseException, will_retry: bool, *, after_commit: bool) -> None:
    text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    if after_commit:
        # a log for administrators, stored as it is (like the traceback it heads): not translated
        text = "The job's work was committed; a step after the commit failed:\n" + text
    run = db.session.execute(select(JobRun).where(JobRun.id == run_id)).scalar_one_or_none()
    if run is None:  # pragma: no cover - the row was committed above
        log.error("job run %s vanished: %s", run_id, text)
        return
    run.outcome = "retrying" if will_retry else "failed"
    run.finished_at = utcnow()
    run.error = text[-_ERROR_LIMIT:]
    db.session.commit()
    log.warning("job %s (store %s, period %s) failed: %s", run.kind, run.store_id, run.period, error)
