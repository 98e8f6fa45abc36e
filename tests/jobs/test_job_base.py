"""The job base: runs are recorded, committed once or rolled back, inside the right store,
with retries configured and plain JSON arguments."""

from __future__ import annotations

import fakeredis
import pytest
from flask import g
from rq import Queue, SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from dealer_saas import tenancy, web
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.jobs import enqueue_after_commit, get_queue, run_job_now
from dealer_saas.jobs.models import JobRun
from dealer_saas.jobs.queue import enqueue

from .. import factories


def _runs(kind: str) -> list[JobRun]:
    with tenancy.system():
        return db.session.execute(select(JobRun).where(JobRun.kind == kind).order_by(JobRun.id)).scalars().all()


def customer_names(store_id, period):
    return {"names": sorted(db.session.execute(select(Customer.name)).scalars())}


def create_then_fail(store_id, period):
    factories.CustomerFactory(store=db.session.get(tenancy.Store, store_id), name="回滚客户")
    raise RuntimeError("boom")


def test_a_run_is_recorded_and_sees_only_its_store(db_session, declare):
    kind = declare("tests.names", customer_names)
    t = factories.two_tenants()
    a_customer = factories.CustomerFactory(store=t.a1, name="甲店客户")
    factories.CustomerFactory(store=t.a2, name="乙店客户")
    factories.CustomerFactory(store=t.b1, name="外集团客户")
    expected = sorted([a_customer.name, t.markers[t.a1.id][0]])
    result = run_job_now(kind.name, t.a1.id, period="2026-11-23")
    assert result == {"names": expected}
    run = _runs(kind.name)[-1]
    assert (run.outcome, run.store_id, run.org_id, run.period, run.attempt) == (
        "ok",
        t.a1.id,
        t.a1.org_id,
        "2026-11-23",
        1,
    )
    assert run.result == {"names": expected}
    assert run.finished_at is not None and run.job_id.startswith("direct:")


def test_a_failed_run_rolls_back_and_is_recorded(db_session, declare):
    kind = declare("tests.fails", create_then_fail)
    store = factories.StoreFactory()
    with pytest.raises(RuntimeError, match="boom"):
        run_job_now(kind.name, store.id)
    run = _runs(kind.name)[-1]
    assert run.outcome == "failed" and "RuntimeError: boom" in run.error
    with tenancy.system():
        assert db.session.execute(select(Customer).where(Customer.name == "回滚客户")).first() is None


def test_embedded_queue_runs_in_process_and_swallows_the_failure(db_session, declare):
    ok = declare("tests.names_embedded", customer_names)
    bad = declare("tests.fails_embedded", create_then_fail)
    store = factories.StoreFactory()
    queue = get_queue("default")
    assert queue.is_async is False
    job = enqueue(ok.name, store.id, "2026-11-23")
    assert job.is_finished and job.return_value() == {"names": []}
    assert _runs(ok.name)[-1].job_id == job.id
    failed = enqueue(bad.name, store.id, "2026-11-23")  # no exception reaches the caller
    assert failed.is_failed
    run = _runs(bad.name)[-1]
    assert run.outcome == "failed" and run.attempt == 1  # an in-process queue never retries


def test_jobs_are_enqueued_with_retries_json_and_plain_ids(db_session, declare):
    kind = declare("tests.names_async", customer_names)
    store = factories.StoreFactory()
    queue = Queue("default", connection=fakeredis.FakeStrictRedis(), is_async=True, serializer=JSONSerializer)
    job = enqueue(kind.name, store.id, "2026-11-23", queue=queue, customer_id=5)
    assert job.func_name == "dealer_saas.jobs.base.run_job"
    assert list(job.args) == [kind.name, store.id, "2026-11-23"] and job.kwargs == {"customer_id": 5}
    assert job.retries_left == 3 and job.retry_intervals == [10, 60, 300]
    assert job.timeout == kind.timeout
    with pytest.raises(TypeError):
        enqueue(kind.name, store.id, queue=queue, customer=store)  # never an ORM object


def test_a_worker_failure_is_recorded_as_retrying(db_session, declare):
    kind = declare("tests.fails_async", create_then_fail)
    store = factories.StoreFactory()
    connection = fakeredis.FakeStrictRedis()
    queue = Queue("default", connection=connection, is_async=True, serializer=JSONSerializer)
    job = enqueue(kind.name, store.id, "2026-11-23", queue=queue)
    SimpleWorker([queue], connection=connection, serializer=JSONSerializer).work(burst=True)
    run = _runs(kind.name)[-1]
    assert (run.outcome, run.attempt, run.job_id) == ("retrying", 1, job.id)
    job.refresh()
    assert job.retries_left == 2  # scheduled again in 10 s


def test_enqueue_after_commit_waits_for_the_commit(db_session, declare, app):
    kind = declare("tests.names_after_commit", customer_names)
    store = factories.StoreFactory()
    with tenancy.enter(store.id):
        enqueue_after_commit(kind.name, store.id)
        assert _runs(kind.name) == []
        web.commit_and_run_effects()
    assert [r.outcome for r in _runs(kind.name)] == ["ok"]
    with pytest.raises(KeyError):
        enqueue_after_commit("tests.not_declared", store.id)
    with pytest.raises(TypeError):
        enqueue_after_commit(kind.name, store.id, store=store)
    assert not g.get("after_commit")
