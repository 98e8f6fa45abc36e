"""``flask scheduler --once`` reconciles and runs what is due (embedded mode);
``flask worker`` refuses to start without Redis."""

from __future__ import annotations

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.jobs.models import JobRun, JobSchedule, schedule_key

from .. import factories


def test_scheduler_once_schedules_and_runs_the_hourly_retry(db_session, app):
    store_id = factories.StoreFactory().id  # the command ends the session: keep plain ids
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler", "--once"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    with tenancy.system():
        row = db.session.execute(
            select(JobSchedule).where(JobSchedule.key == schedule_key("messaging.retry_failed", store_id))
        ).scalar_one()
        run = db.session.execute(
            select(JobRun).where(JobRun.store_id == store_id, JobRun.kind == "messaging.retry_failed")
        ).scalar_one()
    assert row.last_enqueued_period == run.period and run.outcome == "ok"
    # a second tick in the same hour enqueues nothing more
    assert runner.invoke(args=["scheduler", "--once"]).exit_code == 0
    with tenancy.system():
        assert (
            len(
                db.session.execute(
                    select(JobRun).where(JobRun.store_id == store_id, JobRun.kind == "messaging.retry_failed")
                ).all()
            )
            == 1
        )


def test_worker_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
