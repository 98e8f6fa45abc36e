"""Queues: real RQ on Redis (``REDIS_URL``), or in-process on an in-memory Redis.

``get_queue(name)`` is the one factory. Without ``REDIS_URL`` (the embedded default and the
fast tests) a queue is ``Queue(is_async=False)`` on fakeredis: ``enqueue`` runs the job at
once, through the same job base, so the run is recorded the same way. Arguments are plain
ids (RQ's JSON serializer).
"""

from __future__ import annotations

import functools
import logging
import os
from typing import Any

from flask import Flask, current_app
from rq import Queue, Retry
from rq.job import Job
from rq.serializers import JSONSerializer
from sqlalchemy import select

from ..extensions import db
from ..tenancy import Store
from ..timeutil import utcnow
from ..web import after_commit
from .base import RETRY_INTERVALS, RETRY_MAX, run_job
from .periods import on_demand_period
from .registry import JOB_KINDS, QUEUES

log = logging.getLogger(__name__)

_EXTENSION_KEY = "dealer_saas.redis"
#: how long Redis keeps a finished job (its id stays taken for ``unique`` enqueues)
RESULT_TTL = 24 * 3600
FAILURE_TTL = 7 * 24 * 3600


def redis_connection(app: Flask | None = None):
    """The app's Redis connection: ``REDIS_URL``, or one in-memory fakeredis per app."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    connection = app.extensions.get(_EXTENSION_KEY)
    if connection is None:
        url = app.config.get("REDIS_URL")
        if url:
            from redis import Redis

            connection = Redis.from_url(url)
        else:
            import fakeredis

            connection = fakeredis.FakeStrictRedis()
        app.extensions[_EXTENSION_KEY] = connection
    return connection


def is_embedded(app: Flask | None = None) -> bool:
    app = app or current_app
    return not app.config.get("REDIS_URL")


def get_queue(name: str, *, connection: Any = None, is_async: bool | None = None) -> Queue:
    """The RQ queue ``default``, ``messages`` or ``reports`` (synchronous when embedded)."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    if connection is None:
        connection = redis_connection()
    if is_async is None:
        is_async = not is_embedded()
    return Queue(name, connection=connection, is_async=is_async, serializer=JSONSerializer)


_PLAIN = (int, str, float, bool, type(None))


def _check_plain(kwargs: dict[str, Any]) -> None:
    for key, value in kwargs.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        if not all(isinstance(v, _PLAIN) for v in values):
            raise TypeError(f"job argument {key} must be a plain id or value, not {type(value).__name__}")


def default_period(name: str, store_id: int | None) -> str:
    """The period an on-demand run of ``name`` gets: its cadence's current one, store-local."""
    kind = JOB_KINDS[name]
    tz = None
    if store_id is not None:
        tz = db.session.execute(select(Store.timezone).where(Store.id == store_id)).scalar_one_or_none()
    return on_demand_period(utcnow(), tz, kind.cadence, kind.hour)


def enqueue(
    name: str,
    store_id: int | None,
    period: str | None = None,
    *,
    job_id: str | None = None,
    unique: bool = False,
    queue: Queue | None = None,
    **kwargs: Any,
) -> Job:
    """Put one run of job kind ``name`` on its queue (runs at once when embedded).

    With ``unique=True`` a second enqueue of the same ``job_id`` raises
    ``rq.exceptions.DuplicateJobError`` while Redis remembers the job."""
    kind = JOB_KINDS.get(name)
    if kind is None:
        raise KeyError(f"unknown job kind {name}")
    _check_plain(kwargs)
    # An on-demand run (period None) learns its period inside the job: reading the store's
    # time zone here would open a transaction in the caller's session after its commit.
    queue = queue or get_queue(kind.queue)
    return queue.enqueue(
        run_job,
        args=(name, store_id, period),
        kwargs=kwargs,
        job_id=job_id,
        unique=unique,
        retry=Retry(max=RETRY_MAX, interval=list(RETRY_INTERVALS)),
        job_timeout=kind.timeout,
        result_ttl=RESULT_TTL,
        failure_ttl=FAILURE_TTL,
        description=f"{name} store={store_id} period={period or 'now'}",
    )


def run_job_now(name: str, store_id: int | None, period: str | None = None, **kwargs: Any) -> Any:
    """Run job kind ``name`` here and now through the job base (recorded, committed once);
    exceptions propagate. For the CLI and tests."""
    if name not in JOB_KINDS:
        raise KeyError(f"unknown job kind {name}")
    _check_plain(kwargs)
    return run_job(name, store_id, period, **kwargs)


def _enqueue_effect(name: str, store_id: int | None, kwargs: dict[str, Any]) -> None:
    try:
        enqueue(name, store_id, **kwargs)
    except Exception:
        # The request has committed: failing it now would tell the user their change was
        # lost. The periodic jobs pick up rows whose follow-up work never ran.
        log.exception("could not enqueue job %s for store %s", name, store_id)


def enqueue_after_commit(name: str, store_id: int | None, **kwargs: Any) -> None:
    """Queue job ``name`` once the current transaction has committed."""
    if name not in JOB_KINDS:
        raise KeyError(f"unknown job kind {name}")
    _check_plain(kwargs)
    after_commit(functools.partial(_enqueue_effect, name, store_id, dict(kwargs)))


def init_app(app: Flask) -> None:
    from . import cli

    app.config.setdefault("REDIS_URL", None)
    # seconds before the scheduler checks a claimed period for a job Redis lost
    app.config.setdefault("JOBS_RECOVER_AFTER", float(os.environ.get("JOBS_RECOVER_AFTER") or 120))
    # a worker's heartbeat for a running job every JOBS_HEARTBEAT_INTERVAL seconds; a job
    # whose heartbeat is JOBS_HEARTBEAT_GRACE seconds late belongs to a dead worker, and
    # the next maintenance of any worker (every JOBS_MAINTENANCE_INTERVAL s) runs it again
    app.config.setdefault("JOBS_HEARTBEAT_INTERVAL", int(os.environ.get("JOBS_HEARTBEAT_INTERVAL") or 30))
    app.config.setdefault("JOBS_HEARTBEAT_GRACE", int(os.environ.get("JOBS_HEARTBEAT_GRACE") or 60))
    app.config.setdefault("JOBS_MAINTENANCE_INTERVAL", int(os.environ.get("JOBS_MAINTENANCE_INTERVAL") or 60))
    cli.init_app(app)
