"""The scheduler gets back what Redis lost: a claimed period that neither finished (no ok
run in the database) nor is known to Redis any more is enqueued again, once."""

from __future__ import annotations

import datetime as dt

import pytest

from dealer_saas.extensions import db
from dealer_saas.jobs.models import JobRun
from dealer_saas.jobs.scheduler import job_id_for, reconcile, recover, tick

from .. import factories

NOW = dt.datetime(2026, 11, 23, 10, 20, 30, tzinfo=dt.UTC)


def noop(store_id, period):
    return {"period": period}


@pytest.fixture
def kind(request, declare):
    return declare(f"tests.recover_{request.node.name[5:30]}", noop, cadence="hourly")


def test_a_period_redis_lost_is_enqueued_again_once_and_a_finished_one_never(db_session, kind, fake_queues):
    store = factories.StoreFactory()
    reconcile(NOW, {kind.name: kind})
    queue_for = fake_queues()
    expected = job_id_for(kind.name, store.id, "2026-11-23T18")
    assert expected in tick(NOW, queue_for=queue_for)
    later = NOW + dt.timedelta(minutes=5)
    assert recover(later, queue_for=queue_for, after=60) == []  # Redis still holds it
    queue_for.connection.flushall()  # a Redis restart without persistence
    assert recover(NOW + dt.timedelta(seconds=30), queue_for=queue_for, after=60) == []  # too early to tell
    assert recover(later, queue_for=queue_for, after=60) == [expected]
    assert recover(later, queue_for=queue_for, after=60) == []  # queued again: once
    queue_for.connection.flushall()
    db.session.add(JobRun(org_id=store.org_id, store_id=store.id, kind=kind.name, period="2026-11-23T18", outcome="ok"))
    db.session.flush()
    assert recover(later, queue_for=queue_for, after=60) == []  # it ran: nothing to get back


def test_an_on_demand_run_the_database_waits_for_is_enqueued_again_when_redis_lost_it(db_session, declare, fake_queues):
    store = factories.StoreFactory()
    waiting = {"job_id": "tests__pending--1--send-7"}

    def pending(before):
        assert before == NOW - dt.timedelta(seconds=60)  # only what is old enough to tell
        return [(store.id, waiting["job_id"], {"thing_id": 7})] if waiting else []

    kind = declare("tests.recover_pending", noop, pending=pending)
    queue_for = fake_queues()
    assert recover(NOW, queue_for=queue_for, after=60) == ["tests__pending--1--send-7"]
    queue = queue_for(kind)
    assert queue.job_ids == ["tests__pending--1--send-7"]
    assert queue.fetch_job("tests__pending--1--send-7").kwargs == {"thing_id": 7}
    assert recover(NOW, queue_for=queue_for, after=60) == []  # Redis holds it: once
    queue_for.connection.flushall()
    waiting.clear()  # the run finished meanwhile: nothing to get back
    assert recover(NOW, queue_for=queue_for, after=60) == []
