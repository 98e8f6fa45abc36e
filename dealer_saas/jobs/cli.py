"""``flask worker``, ``flask scheduler`` and ``flask run-job``: the processes of the Procfile.

worker: flask --app wsgi worker
scheduler: flask --app wsgi scheduler

A worker killed in the middle of a job (kill -9, a lost machine) leaves the job "started"
in Redis with nobody running it. Every worker's maintenance (every
``JOBS_MAINTENANCE_INTERVAL`` seconds) finds such a job once its execution's heartbeat has
expired (``JOBS_HEARTBEAT_INTERVAL`` + ``JOBS_HEARTBEAT_GRACE`` seconds after the dead
worker's last beat) and puts it back on its queue at once, as its next attempt (the job's
retries count it). The job being idempotent, the next attempt finishes what the dead one
began, and closes the dead attempt's run as failed.

A job with no retries left is not run again: RQ's clean-up moves it to the failed jobs.
Nobody would close its run then, so the same maintenance first marks it failed
(``close_abandoned_runs``), and so does the worker whose work horse died under a job on
its last attempt (``AppWorker.handle_work_horse_killed``).
"""

from __future__ import annotations

import logging
import time

import click
from flask import Flask, current_app
from rq import Queue, Worker, worker_registration
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry, clean_registries
from rq.utils import current_timestamp, now

from ..extensions import db
from .base import ABANDONED_LAST
from .registry import JOB_KINDS, QUEUES

log = logging.getLogger(__name__)


def requeue_abandoned(queue: Queue, timestamp: float | None = None) -> list[str]:
    """Put back on ``queue`` at once every job whose worker died while running it (its
    execution's heartbeat expired before ``timestamp`` and it is still "started"), as its
    next attempt; returns their ids. A job without retries left is left to RQ's clean-up
    (the failed registry). Run under the queue's maintenance lock (one worker at a time)."""
    registry = StartedJobRegistry(queue=queue)
    requeued: list[str] = []
    for job_id in registry.get_expired_job_ids(timestamp if timestamp is not None else current_timestamp()):
        try:
            job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
        except NoSuchJobError:
            continue
        if job.get_status(refresh=False) != JobStatus.STARTED or not job.retries_left:
            continue
        # RQ's own clean-up would schedule the retry after the job's retry interval, through
        # RQ's scheduler, whose lock the dead worker may hold for another minute: no wait here.
        job.retries_left -= 1
        with queue.connection.pipeline() as pipeline:
            queue._enqueue_job(job, pipeline=pipeline)
            pipeline.execute()
        log.warning("job %s was abandoned by a dead worker: enqueued again (%s retries left)", job.id, job.retries_left)
        requeued.append(job.id)
    return requeued


def close_runs(job_ids: list[str], error: str = ABANDONED_LAST) -> int:
    """Mark failed the runs of these RQ jobs still recorded "running" (their worker is
    gone and no attempt follows); idempotent. Returns the runs closed."""
    from sqlalchemy import update

    from .. import tenancy
    from ..timeutil import utcnow
    from .models import JobRun

    if not job_ids:
        return 0
    try:
        with tenancy.system():
            closed = db.session.execute(
                update(JobRun)
                .where(JobRun.job_id.in_(job_ids), JobRun.outcome == "running")
                .values(outcome="failed", finished_at=utcnow(), error=error)
                .execution_options(synchronize_session=False)
            ).rowcount
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return closed or 0


def _release_database() -> None:
    """The worker process holds no database connection while it waits (``run_worker``)."""
    db.session.remove()
    db.engine.dispose()


def close_abandoned_runs(queue: Queue, timestamp: float | None = None) -> list[str]:
    """The jobs of ``queue`` whose worker died while running them and that have no retries
    left (their execution's heartbeat expired before ``timestamp``, still "started": no
    one runs them any more, and RQ's clean-up is about to fail them): their runs still
    "running" are marked failed. Returns the jobs' ids. Run after ``requeue_abandoned``
    and before RQ's clean-up, under the queue's maintenance lock."""
    registry = StartedJobRegistry(queue=queue)
    dead: list[str] = []
    for job_id in registry.get_expired_job_ids(timestamp if timestamp is not None else current_timestamp()):
        try:
            job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
        except NoSuchJobError:
            continue
        if job.get_status(refresh=False) == JobStatus.STARTED and not job.retries_left:
            dead.append(job.id)
    if dead:
        closed = close_runs(dead)
        log.warning("jobs %s were abandoned by a dead worker with no retries left: %s runs failed", dead, closed)
    return dead


class AppWorker(Worker):
    """An RQ worker whose forked work horse never reuses the parent's database connections,
    and whose maintenance takes over the jobs of dead workers at once."""

    #: seconds added to the heartbeat interval before a running job counts as abandoned
    heartbeat_grace: int = 60

    def main_work_horse(self, job, queue):  # type: ignore[override]
        # The child shares the parent's pooled sockets after fork(); drop them without
        # closing (closing would break the parent's connections) so the horse opens its own.
        db.engine.dispose(close=False)
        return super().main_work_horse(job, queue)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, self.job_monitoring_interval)) + self.heartbeat_grace
        return int(self.job_monitoring_interval) + self.heartbeat_grace

    @property
    def dequeue_timeout(self) -> int:
        # An idle worker wakes up for its maintenance (RQ would wait up to 405 s on BLPOP).
        return max(1, min(self.worker_ttl - 15, int(self.maintenance_interval)))

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):  # type: ignore[override]
        """The work horse died under ``job`` (killed, out of memory) while this worker
        lives: RQ fails the job next, or retries it. On its last attempt nobody would close
        the run: it is closed here."""
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        if not job.retries_left:
            try:
                close_runs([job.id])
            except Exception:  # the job's failure must still be recorded in Redis
                log.exception("could not close the run of job %s", job.id)
            finally:
                _release_database()

    def clean_registries(self) -> None:
        """RQ's maintenance of each queue, with the dead workers' jobs put back first, and
        the runs of those with no retries left closed before RQ fails them (when the
        database does not answer, RQ's clean-up waits for the next round)."""
        for queue in self.queues:
            if queue.acquire_maintenance_lock():
                try:
                    requeue_abandoned(queue)
                    try:
                        if close_abandoned_runs(queue):
                            _release_database()
                    except Exception:
                        log.exception("could not close the runs of abandoned jobs on %s: next round", queue.name)
                        _release_database()
                        continue
                    clean_registries(queue, self._exc_handlers)
                    worker_registration.clean_worker_registry(queue)
                    queue.intermediate_queue.cleanup(self, queue)
                finally:
                    queue.release_maintenance_lock()
        self.last_cleaned_at = now()


def make_worker(
    queues: tuple[str, ...] = QUEUES,
    *,
    connection=None,
    worker_class: type[Worker] = AppWorker,
    name: str | None = None,
) -> Worker:
    """An RQ worker on our queues with the JSON serializer (the app context must be active)."""
    from rq.serializers import JSONSerializer

    from .queue import get_queue, redis_connection

    connection = connection or redis_connection()
    config = current_app.config
    worker = worker_class(
        [get_queue(q, connection=connection, is_async=True) for q in queues],
        connection=connection,
        serializer=JSONSerializer,
        name=name,
        job_monitoring_interval=max(1, int(config["JOBS_HEARTBEAT_INTERVAL"])),
        maintenance_interval=max(1, int(config["JOBS_MAINTENANCE_INTERVAL"])),
    )
    if isinstance(worker, AppWorker):
        worker.heartbeat_grace = max(1, int(config["JOBS_HEARTBEAT_GRACE"]))
    return worker


#: seconds between two starts of a worker that lost Redis
RESTART_WAIT = 2.0


def run_worker(queues: tuple[str, ...], *, burst: bool = False, with_scheduler: bool = True) -> None:
    """Work until asked to stop. RQ's worker leaves its loop when Redis goes away in the
    middle of a job's bookkeeping (a restart): a new worker is started on the same queues
    once Redis answers again, so a restart of Redis needs no one to restart the workers."""
    import redis

    while True:
        worker = None
        try:
            worker = make_worker(queues)
            db.session.remove()
            db.engine.dispose()  # the worker process itself holds no connection while waiting
            worker.work(burst=burst, with_scheduler=with_scheduler)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as error:
            log.warning("worker lost Redis (%s): starting again in %.0f s", error, RESTART_WAIT)
        # A stop (SIGTERM, Ctrl+C) sets the shutdown date; only a busy worker sets
        # ``_stop_requested`` too (an idle one leaves its loop at once).
        if burst or (worker is not None and (worker._stop_requested or worker._shutdown_requested_date)):
            return
        time.sleep(RESTART_WAIT)
        log.info("starting the worker again")


def init_app(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option(
        "--queue",
        "-q",
        "queues",
        multiple=True,
        type=click.Choice(QUEUES),
        help="Queues to work on (default: all three, in priority order).",
    )
    @click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
    @click.option(
        "--with-scheduler/--without-scheduler",
        default=True,
        help="Also move due retries and enqueue_at/enqueue_in jobs onto their queues.",
    )
    def worker_command(queues: tuple[str, ...], burst: bool, with_scheduler: bool) -> None:
        """Run an RQ worker on the default, messages and reports queues (needs REDIS_URL)."""
        if not current_app.config.get("REDIS_URL"):
            raise click.ClickException(
                "REDIS_URL is not set: without Redis, jobs run in-process and no worker is needed."
            )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        run_worker(queues or QUEUES, burst=burst, with_scheduler=with_scheduler)

    @app.cli.command("scheduler")
    @click.option("--once", is_flag=True, help="Reconcile and enqueue what is due once, then exit.")
    @click.option("--interval", default=60.0, show_default=True, help="Seconds between ticks.")
    def scheduler_command(once: bool, interval: float) -> None:
        """Every minute, enqueue the periodic jobs that are due (one process is enough;
        a second one never double-enqueues)."""
        from .scheduler import run_forever

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
        if not current_app.config.get("REDIS_URL"):
            click.echo("REDIS_URL is not set: due jobs run inside this process.")
        run_forever(interval, once=once)
        if once:
            click.echo("Scheduler tick done.")

    @app.cli.command("run-job")
    @click.argument("kind")
    @click.option("--store", "store_id", type=int, help="Store id (per-store kinds).")
    @click.option("--period", default=None, help="Period (default: the kind's current period).")
    def run_job_command(kind: str, store_id: int | None, period: str | None) -> None:
        """Run one job kind now, in this process, and record the run."""
        from .queue import run_job_now

        if kind not in JOB_KINDS:
            raise click.ClickException(f"unknown job kind {kind}; known: {', '.join(sorted(JOB_KINDS))}")
        result = run_job_now(kind, store_id, period)
        click.echo(f"{kind}: {result}")
