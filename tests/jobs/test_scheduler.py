"""The scheduler: schedule rows reconciled from the declared kinds, periods in the store's
time zone, and one enqueue per (kind, store, period) whatever ticks twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from dealer_saas.extensions import db
from dealer_saas.jobs import JOB_KINDS
from dealer_saas.jobs.models import JobSchedule, schedule_key
from dealer_saas.jobs.periods import current_slot
from dealer_saas.jobs.registry import JobKind
from dealer_saas.jobs.scheduler import job_id_for, reconcile, tick

from .. import factories

UTC = dt.UTC
#: 2026-11-23 10:20 UTC is 18:20 in Shanghai
NOW = dt.datetime(2026, 11, 23, 10, 20, 30, tzinfo=UTC)


def noop(store_id, period):
    return {"period": period}


def _rows() -> dict[str, JobSchedule]:
    return {r.key: r for r in db.session.execute(select(JobSchedule)).scalars()}


def test_periods_follow_the_cadence_in_the_store_time_zone():
    assert current_slot("minute", NOW, "Asia/Shanghai").period == "2026-11-23T18:20"
    assert current_slot("hourly", NOW, "Asia/Shanghai").period == "2026-11-23T18"
    slot = current_slot("hourly", NOW, "Asia/Shanghai")
    assert slot.due_at == dt.datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert slot.next_due_at == dt.datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    # daily at 02:00 local: at 18:20 local today's period is due; at 01:00 local it is yesterday's
    assert current_slot("daily", NOW, "Asia/Shanghai", hour=2).period == "2026-11-23"
    early = dt.datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 01:00 on the 23rd in Shanghai
    slot = current_slot("daily", early, "Asia/Shanghai", hour=2)
    assert slot.period == "2026-11-22"
    assert slot.next_due_at == dt.datetime(2026, 11, 22, 18, 0, tzinfo=UTC)  # 02:00 local on the 23rd
    # another zone, another day
    assert current_slot("daily", NOW, "America/Los_Angeles", hour=2).period == "2026-11-23"
    assert current_slot("daily", early, "America/Los_Angeles", hour=2).period == "2026-11-22"


def test_reconcile_adds_keeps_updates_and_disables(db_session):
    a = factories.StoreFactory()
    b = factories.StoreFactory(organisation=a.organisation)
    closed = factories.StoreFactory(is_active=False)
    kinds = {
        "tests.hourly": JobKind("tests.hourly", noop, cadence="hourly"),
        "tests.daily": JobKind("tests.daily", noop, cadence="daily", hour=3),
        "tests.platform": JobKind("tests.platform", noop, cadence="daily", per_store=False),
        "tests.on_demand": JobKind("tests.on_demand", noop),
    }
    first = reconcile(NOW, kinds)
    expected = {schedule_key(k, s) for k in ("tests.hourly", "tests.daily") for s in (a.id, b.id)}
    expected.add(schedule_key("tests.platform", None))
    assert set(first.added) == expected
    rows = _rows()
    assert schedule_key("tests.hourly", closed.id) not in rows  # inactive stores get no schedule
    assert not any(r.kind == "tests.on_demand" for r in rows.values())
    assert rows[schedule_key("tests.daily", a.id)].hour == 3
    # a new row is due at once for the current period
    assert rows[schedule_key("tests.hourly", a.id)].next_due_at.replace(tzinfo=UTC) == dt.datetime(
        2026, 11, 23, 10, 0, tzinfo=UTC
    )

    again = reconcile(NOW, kinds)
    assert not again.added and not again.updated and not again.disabled
    assert set(again.unchanged) == expected

    changed = dict(kinds)
    changed["tests.daily"] = JobKind("tests.daily", noop, cadence="hourly")
    del changed["tests.platform"]
    third = reconcile(NOW, changed)
    assert set(third.updated) == {schedule_key("tests.daily", a.id), schedule_key("tests.daily", b.id)}
    assert third.disabled == [schedule_key("tests.platform", None)]
    rows = _rows()
    assert rows[schedule_key("tests.daily", a.id)].cadence == "hourly"
    assert rows[schedule_key("tests.platform", None)].enabled is False

    # a kind that comes back is enabled again; a store that closes is disabled
    closed_store = db.session.get(type(a), b.id)
    closed_store.is_active = False
    db.session.flush()
    fourth = reconcile(NOW, kinds)
    assert schedule_key("tests.platform", None) in fourth.updated
    assert {schedule_key("tests.hourly", b.id), schedule_key("tests.daily", b.id)} <= set(fourth.disabled)


@pytest.fixture
def hourly_kind(request, declare):
    # One kind name per test: nothing a previous test left behind can match it.
    return declare(f"tests.hourly_{request.node.name[5:30]}", noop, cadence="hourly")


def _only(kind: JobKind, store) -> dict[str, JobKind]:
    return {kind.name: kind}


def _prefix(kind) -> str:
    return kind.name.replace(".", "__") + "--"


def _queued(queue_for, kind) -> list[str]:
    return [j for j in queue_for(kind).job_ids if j.startswith(_prefix(kind))]


def test_two_ticks_enqueue_once(db_session, hourly_kind, fake_queues):
    store = factories.StoreFactory()
    reconcile(NOW, _only(hourly_kind, store))
    queue_for = fake_queues()
    first = tick(NOW, queue_for=queue_for)
    second = tick(NOW + dt.timedelta(seconds=30), queue_for=queue_for)
    expected = job_id_for(hourly_kind.name, store.id, "2026-11-23T18")
    assert expected in first
    assert not [j for j in second if j.startswith(_prefix(hourly_kind))]
    assert _queued(queue_for, hourly_kind) == [expected]
    row = db.session.execute(select(JobSchedule).where(JobSchedule.kind == hourly_kind.name)).scalar_one()
    assert row.last_enqueued_period == "2026-11-23T18"
    assert row.next_due_at.replace(tzinfo=UTC) == dt.datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
    # the next hour is a new period with its own job
    later = tick(NOW + dt.timedelta(hours=1), queue_for=queue_for)
    assert job_id_for(hourly_kind.name, store.id, "2026-11-23T19") in later
    job = queue_for(hourly_kind).fetch_job(expected)
    assert job.args == [hourly_kind.name, store.id, "2026-11-23T18"] or tuple(job.args) == (
        hourly_kind.name,
        store.id,
        "2026-11-23T18",
    )


def test_two_schedulers_enqueue_once_even_after_redis_forgets(db_session, hourly_kind, fake_queues):
    store = factories.StoreFactory()
    reconcile(NOW, _only(hourly_kind, store))
    scheduler_a, scheduler_b = fake_queues(), fake_queues()
    expected = job_id_for(hourly_kind.name, store.id, "2026-11-23T18")
    assert expected in tick(NOW, queue_for=scheduler_a)

    def b_read_the_row_as_due():
        # Scheduler B selected the row before A's claim moved it on.
        db.session.execute(
            update(JobSchedule)
            .where(JobSchedule.kind == hourly_kind.name)
            .values(next_due_at=NOW - dt.timedelta(minutes=5))
        )

    b_read_the_row_as_due()
    assert not [j for j in tick(NOW, queue_for=scheduler_b) if j.startswith(_prefix(hourly_kind))]
    assert _queued(scheduler_b, hourly_kind) == [expected]

    # Redis forgets the job (result TTL, flush): the database still knows the period ran.
    scheduler_b.connection.flushall()
    b_read_the_row_as_due()
    assert not [j for j in tick(NOW, queue_for=scheduler_b) if j.startswith(_prefix(hourly_kind))]
    assert _queued(scheduler_b, hourly_kind) == []


def test_redis_refuses_a_duplicate_when_the_database_claim_was_lost(db_session, hourly_kind, fake_queues):
    store = factories.StoreFactory()
    reconcile(NOW, _only(hourly_kind, store))
    queue_for = fake_queues()
    tick(NOW, queue_for=queue_for)
    # A scheduler crashed after enqueueing but before committing its claim.
    db.session.execute(
        update(JobSchedule)
        .where(JobSchedule.kind == hourly_kind.name)
        .values(last_enqueued_period=None, next_due_at=NOW - dt.timedelta(minutes=1))
    )
    again = tick(NOW, queue_for=queue_for)
    assert not [j for j in again if j.startswith(_prefix(hourly_kind))]  # DuplicateJobError caught
    assert len(_queued(queue_for, hourly_kind)) == 1
    assert (
        db.session.execute(
            select(JobSchedule.last_enqueued_period).where(JobSchedule.kind == hourly_kind.name)
        ).scalar()
        == "2026-11-23T18"
    )


def test_embedded_tick_runs_the_job_and_records_it(db_session, declare):
    from dealer_saas.jobs.models import JobRun

    kind = declare("tests.embedded_ping", noop, cadence="minute")
    store = factories.StoreFactory()
    reconcile(NOW, {kind.name: kind})
    enqueued = tick(NOW)
    job_id = job_id_for(kind.name, store.id, "2026-11-23T18:20")
    assert job_id in enqueued
    run = db.session.execute(select(JobRun).where(JobRun.kind == kind.name)).scalar_one()
    assert (run.outcome, run.job_id, run.period, run.store_id) == ("ok", job_id, "2026-11-23T18:20", store.id)
    assert kind.name in JOB_KINDS
