"""A job whose worker died under it (kill -9) is put back on its queue by the next
maintenance of any worker, at once and as its next attempt; the dead attempt's run is
closed as failed when the next one starts. A job with no retries left has its run closed as
failed by that maintenance before RQ fails the job (or by the worker whose work horse
died). (The live version, with real processes, is in tests/care, tests/surveys and
tests/marketing: ``test_*fault*``.)"""

from __future__ import annotations

import time

import fakeredis
from rq import Queue, SimpleWorker
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.jobs.base import ABANDONED, ABANDONED_LAST
from dealer_saas.jobs.cli import AppWorker, close_abandoned_runs, make_worker, requeue_abandoned
from dealer_saas.jobs.models import JobRun
from dealer_saas.jobs.queue import enqueue

from .. import factories


def noop(store_id, period):
    return {"period": period}


def _queue() -> Queue:
    return Queue("default", connection=fakeredis.FakeStrictRedis(), is_async=True, serializer=JSONSerializer)


def _started_by_a_dead_worker(queue: Queue, job: Job, heartbeat_ttl: int = 5) -> None:
    """What a worker leaves behind when it is killed in the middle of ``job``."""
    queue.remove(job)
    with queue.connection.pipeline() as pipeline:
        Execution.create(job, heartbeat_ttl, pipeline=pipeline, worker_name="dead-worker")
        job.set_status(JobStatus.STARTED, pipeline=pipeline)
        pipeline.execute()


def test_an_abandoned_job_goes_back_on_its_queue_once_its_heartbeat_expired(db_session, declare):
    kind = declare("tests.abandoned_requeue", noop)
    store = factories.StoreFactory()
    queue = _queue()
    job = enqueue(kind.name, store.id, "2026-12-01", queue=queue, job_id="abandoned-1", unique=True)
    _started_by_a_dead_worker(queue, job)
    assert queue.job_ids == [] and job.get_status() == JobStatus.STARTED
    assert requeue_abandoned(queue) == []  # its heartbeat has not expired yet: maybe alive
    later = time.time() + 10
    assert requeue_abandoned(queue, later) == ["abandoned-1"]
    job.refresh()
    assert job.get_status() == JobStatus.QUEUED and queue.job_ids == ["abandoned-1"]
    assert job.retries_left == 2  # the dead attempt counts as one
    assert requeue_abandoned(queue, later) == []  # queued again once, not twice


def test_an_abandoned_job_without_retries_left_is_left_to_rq_which_fails_it(db_session, declare):
    kind = declare("tests.abandoned_last", noop)
    store = factories.StoreFactory()
    queue = _queue()
    job = enqueue(kind.name, store.id, "2026-12-01", queue=queue, job_id="abandoned-2", unique=True)
    job.retries_left = 0
    job.save()
    _started_by_a_dead_worker(queue, job)
    assert requeue_abandoned(queue, time.time() + 10) == []
    StartedJobRegistry(queue=queue).cleanup(time.time() + 10)
    assert job.get_status() == JobStatus.FAILED and queue.job_ids == []


def test_the_next_attempt_closes_the_dead_attempts_run_as_failed(db_session, declare):
    kind = declare("tests.abandoned_rerun", noop)
    store = factories.StoreFactory()
    queue = _queue()
    job = enqueue(kind.name, store.id, "2026-12-01", queue=queue, job_id="abandoned-3", unique=True)
    # the dead attempt's committed "running" row
    db.session.add(
        JobRun(org_id=store.org_id, store_id=store.id, kind=kind.name, period="2026-12-01", job_id=job.id, attempt=1)
    )
    db.session.flush()
    _started_by_a_dead_worker(queue, job)
    requeue_abandoned(queue, time.time() + 10)
    SimpleWorker([queue], connection=queue.connection, serializer=JSONSerializer).work(burst=True)
    with tenancy.system():
        runs = db.session.execute(select(JobRun).where(JobRun.job_id == job.id).order_by(JobRun.id)).scalars().all()
    assert [(r.attempt, r.outcome) for r in runs] == [(1, "failed"), (2, "ok")]
    assert runs[0].error == ABANDONED and runs[0].finished_at is not None


def test_the_workers_intervals_are_settings(app, monkeypatch):
    for key, value in {"JOBS_HEARTBEAT_INTERVAL": 2, "JOBS_HEARTBEAT_GRACE": 3, "JOBS_MAINTENANCE_INTERVAL": 5}.items():
        monkeypatch.setitem(app.config, key, value)
    with app.app_context():
        worker = make_worker(connection=fakeredis.FakeStrictRedis())
    assert isinstance(worker, AppWorker)
    assert (worker.job_monitoring_interval, worker.heartbeat_grace, worker.maintenance_interval) == (2, 3, 5)
    assert worker.dequeue_timeout == 5  # an idle worker wakes up for its maintenance
    job = Job.create(noop, connection=worker.connection, timeout=3600)
    assert worker.get_heartbeat_ttl(job) == 5  # a job is abandoned 2 + 3 s after its last beat
    assert worker.get_heartbeat_ttl(job, working_time=3599) == 4  # bounded by the job's timeout


def _running_run(store, kind_name: str, job_id: str, attempt: int = 4) -> JobRun:
    """The committed "running" row a killed attempt leaves behind."""
    run = JobRun(
        org_id=store.org_id, store_id=store.id, kind=kind_name, period="2026-12-01", job_id=job_id, attempt=attempt
    )
    db.session.add(run)
    db.session.flush()
    return run


def _outcomes(*runs: JobRun) -> list[tuple[str, str]]:
    for run in runs:
        db.session.refresh(run)
    return [(r.outcome, r.error) for r in runs]


def test_the_last_attempts_run_is_failed_once_its_heartbeat_expired_and_only_its(db_session, declare):
    kind = declare("tests.abandoned_close", noop)
    store = factories.StoreFactory()
    queue = _queue()
    last = enqueue(kind.name, store.id, "2026-12-01", queue=queue, job_id="abandoned-last", unique=True)
    last.retries_left = 0
    last.save()
    _started_by_a_dead_worker(queue, last)
    retried = enqueue(kind.name, store.id, "2026-12-02", queue=queue, job_id="abandoned-retried", unique=True)
    _started_by_a_dead_worker(queue, retried)  # retries left: requeued, its next attempt closes it
    alive = enqueue(kind.name, store.id, "2026-12-03", queue=queue, job_id="abandoned-alive", unique=True)
    alive.retries_left = 0
    alive.save()
    _started_by_a_dead_worker(queue, alive, heartbeat_ttl=3600)  # its worker still beats
    dead_run = _running_run(store, kind.name, last.id)
    retried_run, alive_run = _running_run(store, kind.name, retried.id, 1), _running_run(store, kind.name, alive.id)

    assert close_abandoned_runs(queue) == []  # nothing has expired yet: maybe alive
    assert _outcomes(dead_run)[0][0] == "running"
    later = time.time() + 10
    assert close_abandoned_runs(queue, later) == ["abandoned-last"]
    assert _outcomes(dead_run, retried_run, alive_run) == [
        ("failed", ABANDONED_LAST),
        ("running", ""),
        ("running", ""),
    ]
    finished = dead_run.finished_at
    assert finished is not None
    assert close_abandoned_runs(queue, later) == ["abandoned-last"]  # again: nothing changes
    db.session.refresh(dead_run)
    assert (dead_run.outcome, dead_run.finished_at) == ("failed", finished)
    StartedJobRegistry(queue=queue).cleanup(later)  # RQ fails it; no run left to close
    assert last.get_status() == JobStatus.FAILED
    assert close_abandoned_runs(queue, later) == []


def test_worker_maintenance_closes_the_run_before_rq_fails_the_job(db_session, declare, monkeypatch):
    from dealer_saas.jobs import cli

    monkeypatch.setattr(cli, "_release_database", lambda: None)  # the test's session stays
    kind = declare("tests.abandoned_maintenance", noop)
    store = factories.StoreFactory()
    worker = make_worker(("default",), connection=fakeredis.FakeStrictRedis())
    queue = worker.queues[0]
    job = enqueue(kind.name, store.id, "2026-12-01", queue=queue, job_id="abandoned-maint", unique=True)
    job.retries_left = 0
    job.save()
    _started_by_a_dead_worker(queue, job, heartbeat_ttl=1)
    run = _running_run(store, kind.name, job.id)
    time.sleep(1.2)
    worker.clean_registries()
    assert _outcomes(run) == [("failed", ABANDONED_LAST)]
    assert job.get_status() == JobStatus.FAILED and queue.job_ids == []


def test_a_work_horse_killed_on_the_last_attempt_closes_its_run(db_session, declare, monkeypatch):
    from dealer_saas.jobs import cli

    monkeypatch.setattr(cli, "_release_database", lambda: None)
    kind = declare("tests.abandoned_horse", noop)
    store = factories.StoreFactory()
    worker = make_worker(("default",), connection=fakeredis.FakeStrictRedis())
    queue = worker.queues[0]
    last = enqueue(kind.name, store.id, "2026-12-01", queue=queue, job_id="horse-last", unique=True)
    last.retries_left = 0
    again = enqueue(kind.name, store.id, "2026-12-02", queue=queue, job_id="horse-again", unique=True)
    last_run, again_run = _running_run(store, kind.name, last.id), _running_run(store, kind.name, again.id, 1)
    worker.handle_work_horse_killed(last, 4242, 9, None)
    worker.handle_work_horse_killed(again, 4243, 9, None)  # RQ retries it: the next attempt closes it
    assert _outcomes(last_run, again_run) == [("failed", ABANDONED_LAST), ("running", "")]
