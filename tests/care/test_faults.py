"""Call-back generation through real RQ workers and the scheduler, with faults: a worker
killed (-9) half-way through a run, and Redis restarted during a run. Every task exists
exactly once afterwards, none lost. PostgreSQL and Redis only (CI has both)."""

from __future__ import annotations

import datetime as dt
import time

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.no_db]

CUSTOMERS = 30
#: three customers per batch, a pause after each: a run takes a few seconds
SLOW = {"CARE_BATCH_SIZE": "3", "CARE_BATCH_PAUSE": "0.4"}


def _arrange(stack) -> tuple[int, str]:
    """A store with a care agent and CUSTOMERS customers who visited yesterday; returns
    (store id, the store's today as the job's period)."""
    from dealer_saas.customers.models import Customer
    from dealer_saas.extensions import db
    from dealer_saas.leads.models import Visit
    from dealer_saas.permissions import ensure_builtin_roles
    from dealer_saas.tenancy import Membership, Organisation, Role, Store, User
    from dealer_saas.timeutil import from_local, local_today

    with stack.context():
        ensure_builtin_roles()
        org = Organisation(name="回访故障测试集团", code="carefault")
        db.session.add(org)
        db.session.flush()
        store = Store(org_id=org.id, name="回访故障测试店", code="CF1")
        db.session.add(store)
        db.session.flush()
        agent = User(org_id=org.id, username="cf.care", name="回访专员", password_hash="x")
        db.session.add(agent)
        db.session.flush()
        role = db.session.execute(db.select(Role).where(Role.code == "care_agent", Role.org_id.is_(None))).scalar_one()
        db.session.add(Membership(org_id=org.id, user_id=agent.id, store_id=store.id, role_id=role.id))
        today = local_today(store.timezone)
        yesterday = from_local(dt.datetime.combine(today - dt.timedelta(days=1), dt.time(11, 0)), store.timezone)
        for n in range(CUSTOMERS):
            customer = Customer(org_id=org.id, store_id=store.id, name=f"故障客户{n}", mobile=f"1390000{n:04d}")
            db.session.add(customer)
            db.session.flush()
            db.session.add(Visit(org_id=org.id, store_id=store.id, customer_id=customer.id, time_in=yesterday))
        db.session.commit()
        return store.id, today.isoformat()


def _tasks(stack, store_id: int) -> int:
    return stack.scalar("SELECT count(*) FROM care_callbacks WHERE store_id = :s", s=store_id)


def _distinct(stack, store_id: int) -> int:
    return stack.scalar(
        "SELECT count(DISTINCT customer_id) FROM care_callbacks WHERE store_id = :s AND rule = 'visit'", s=store_id
    )


def _ok_runs(stack, store_id: int) -> int:
    return stack.scalar(
        "SELECT count(*) FROM job_runs WHERE store_id = :s AND kind = 'care.generate_callbacks' AND outcome = 'ok'",
        s=store_id,
    )


def test_a_worker_killed_half_way_leaves_no_task_lost_or_doubled_once_another_takes_over(live_stack):
    stack = live_stack
    store_id, period = _arrange(stack)
    first = stack.worker(**SLOW)
    job_id = stack.enqueue("care.generate_callbacks", store_id, period)
    stack.wait_for(lambda: stack.runs(job_id), "the first worker to take the job")
    # A second worker, idle: it finds the dead worker's job by itself once its heartbeat
    # expired and runs it again (no clean-up by hand, no new enqueue).
    stack.worker(**SLOW)
    half = stack.wait_for(lambda: 0 < _tasks(stack, store_id) < CUSTOMERS and _tasks(stack, store_id), "a part")
    assert stack.kill(first), "the worker had a work horse to kill"
    stopped_at = stack.assert_died_mid_job(lambda: _tasks(stack, store_id), job_id)
    assert 0 < half <= stopped_at < CUSTOMERS, "the run was killed half-way"

    stack.wait_for(lambda: _ok_runs(stack, store_id) == 1, "the retried run to finish", timeout=60)
    assert _tasks(stack, store_id) == CUSTOMERS
    assert _distinct(stack, store_id) == CUSTOMERS
    assert stack.runs(job_id) == [(1, "failed"), (2, "ok")]  # the dead attempt, then the one that finished


def test_redis_restarted_during_a_run_the_scheduler_and_workers_recover_and_nothing_is_lost(live_stack):
    stack = live_stack
    store_id, _period = _arrange(stack)
    env = {**SLOW, "JOBS_RECOVER_AFTER": "3"}
    scheduler = stack.scheduler(interval=1.0, **env)
    worker = stack.worker(**env)
    stack.wait_for(lambda: _tasks(stack, store_id) > 0, "the scheduled run to start")
    stack.redis.restart(down_for=1.5)  # every queued job and the run's bookkeeping are gone
    stack.wait_for(lambda: _ok_runs(stack, store_id) >= 1, "the generation to finish", timeout=150)
    assert _tasks(stack, store_id) == CUSTOMERS and _distinct(stack, store_id) == CUSTOMERS
    # every other periodic job the scheduler had claimed ran as well, none lost
    stack.wait_for(
        lambda: (
            stack.scalar(
                "SELECT count(*) FROM job_schedules s WHERE s.store_id = :s AND s.enabled AND NOT EXISTS ("
                "SELECT 1 FROM job_runs r WHERE r.kind = s.kind AND r.store_id = s.store_id "
                "AND r.period = s.last_enqueued_period AND r.outcome = 'ok')",
                s=store_id,
            )
            == 0
        ),
        "every claimed period to have run",
        timeout=150,
    )
    assert scheduler.poll() is None and worker.poll() is None, "both processes recovered by themselves"
    assert _tasks(stack, store_id) == CUSTOMERS


def test_a_worker_killed_on_the_jobs_last_attempt_has_its_run_failed_by_the_next_maintenance(live_stack):
    from redis import Redis
    from rq.job import Job, JobStatus
    from rq.serializers import JSONSerializer

    from dealer_saas.jobs.base import ABANDONED_LAST

    stack = live_stack
    store_id, period = _arrange(stack)
    job_id = stack.enqueue("care.generate_callbacks", store_id, period)  # no worker yet
    redis = Redis.from_url(stack.redis.url)
    job = Job.fetch(job_id, connection=redis, serializer=JSONSerializer)
    job.retries_left = 0  # its last attempt: nobody runs it again once its worker dies
    job.save()
    first = stack.worker(**SLOW)
    stack.wait_for(lambda: _tasks(stack, store_id) > 0, "the job to be half-way")
    stack.worker(**SLOW)  # idle: its maintenance finds the dead worker's job
    assert stack.kill(first), "the worker had a work horse to kill"
    stopped_at = _tasks(stack, store_id)
    assert 0 < stopped_at < CUSTOMERS and stack.runs(job_id) == [(4, "running")]

    stack.wait_for(lambda: stack.runs(job_id) == [(4, "failed")], "the maintenance to fail the run", timeout=60)
    error = stack.scalar("SELECT error FROM job_runs WHERE job_id = :j", j=job_id)
    assert error == ABANDONED_LAST
    stack.wait_for(
        lambda: Job.fetch(job_id, connection=redis, serializer=JSONSerializer).get_status() == JobStatus.FAILED,
        "RQ to fail the job",
    )
    finished = stack.scalar("SELECT finished_at FROM job_runs WHERE job_id = :j", j=job_id)
    time.sleep(3)  # more maintenance rounds: nothing changes, nothing runs again
    assert stack.runs(job_id) == [(4, "failed")]
    assert stack.scalar("SELECT finished_at FROM job_runs WHERE job_id = :j", j=job_id) == finished
    assert _tasks(stack, store_id) == stopped_at
