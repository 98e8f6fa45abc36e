"""``flask worker``, ``flask scheduler`` and ``flask run-job``: the processes of the Procfile.

worker: flask --app wsgi worker
scheduler: flask --app wsgi scheduler
"""

from __future__ import annotations

import logging
import time

import click
from flask import Flask, current_app
from rq import Worker

from ..extensions import db
from .registry import JOB_KINDS, QUEUES


class AppWorker(Worker):
    """An RQ worker whose forked work horse never reuses the parent's database connections."""

    def main_work_horse(self, job, queue):  # type: ignore[override]
        # The child shares the parent's pooled sockets after fork(); drop them without
        # closing (closing would break the parent's connections) so the horse opens its own.
        db.engine.dispose(close=False)
        return super().main_work_horse(job, queue)


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
    return worker_class(
        [get_queue(q, connection=connection, is_async=True) for q in queues],
        connection=connection,
        serializer=JSONSerializer,
        name=name,
    )


log = logging.getLogger(__name__)
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
        if burst or (worker is not None and worker._stop_requested):
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
