"""Jobs on a real Redis with real RQ workers (run when REDIS_URL is set).

Two ways, each robust against the test harness's rolled-back transaction:

* ``SimpleWorker`` in this process: the job runs here, on the test's connection, so it
  sees the test's rows and its writes vanish with the test's rollback.
* ``flask worker --burst`` in a subprocess: a forking worker (the production path, with
  its engine disposal in the work horse) against its own SQLite file, with committed rows.

They use Redis database 11 only and flush it before and after.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from rq import SimpleWorker
from rq.exceptions import DuplicateJobError
from rq.serializers import JSONSerializer
from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.jobs import get_queue
from dealer_saas.jobs.models import JobRun
from dealer_saas.jobs.queue import enqueue, redis_connection
from dealer_saas.jobs.scheduler import job_id_for, reconcile, tick

from .. import factories

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 11


def _url() -> str:
    """REDIS_URL's server, database 11 (ours to flush)."""
    base = os.environ.get("REDIS_URL")
    if not base:
        pytest.skip("REDIS_URL is not set")
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{REDIS_DB}", parts.query, ""))


@pytest.fixture
def real_redis(app, monkeypatch):
    url = _url()
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    saved = app.extensions.pop("dealer_saas.redis", None)
    connection = redis_connection(app)
    connection.flushdb()
    yield connection
    connection.flushdb()
    app.extensions.pop("dealer_saas.redis", None)
    if saved is not None:
        app.extensions["dealer_saas.redis"] = saved


def names(store_id, period):
    from dealer_saas.customers.models import Customer

    return {"names": sorted(db.session.execute(select(Customer.name)).scalars())}


def test_enqueue_and_work_in_process(db_session, real_redis, declare):
    kind = declare("tests.redis_names", names)
    t = factories.two_tenants()
    queue = get_queue("default")
    assert queue.is_async
    job = enqueue(kind.name, t.a1.id, "2026-11-23")
    assert queue.count == 1
    SimpleWorker([queue], connection=real_redis, serializer=JSONSerializer).work(burst=True)
    job.refresh()
    assert job.is_finished and job.return_value() == {"names": [t.markers[t.a1.id][0]]}
    with tenancy.system():
        run = db.session.execute(select(JobRun).where(JobRun.kind == kind.name)).scalar_one()
    assert (run.outcome, run.job_id, run.store_id) == ("ok", job.id, t.a1.id)


def test_scheduler_on_real_redis_enqueues_once(db_session, real_redis, declare):
    kind = declare("tests.redis_hourly", names, cadence="hourly")
    store = factories.StoreFactory()
    now = dt.datetime(2026, 11, 23, 10, 20, tzinfo=dt.UTC)
    reconcile(now, {kind.name: kind})
    first, second = tick(now), tick(now)
    expected = job_id_for(kind.name, store.id, "2026-11-23T18")
    assert expected in first and expected not in second
    assert get_queue("default").job_ids.count(expected) == 1
    with pytest.raises(DuplicateJobError):
        enqueue(kind.name, store.id, "2026-11-23T18", job_id=expected, unique=True)


def test_flask_worker_runs_a_job_in_a_forked_work_horse(real_redis, tmp_path, db_session):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'worker.db'}", REDIS_URL=_url(), FLASK_APP="wsgi")

    def python(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def flask(*args: str) -> None:
        result = subprocess.run(
            [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr

    flask("setup-db")
    store_id = python("""
        from dealer_saas import create_app, tenancy
        from dealer_saas.extensions import db
        from dealer_saas.jobs.queue import enqueue
        from dealer_saas.tenancy import Organisation, Store
        app = create_app()
        with app.app_context():
            with tenancy.system():
                org = Organisation(name="队列测试集团", code="rq")
                db.session.add(org); db.session.flush()
                store = Store(org_id=org.id, name="队列测试店", code="RQ1")
                db.session.add(store); db.session.commit()
            enqueue("messaging.retry_failed", store.id)
            print(store.id)
    """)
    flask("worker", "--burst", "--without-scheduler")
    outcome = python(f"""
        from sqlalchemy import select
        from dealer_saas import create_app, tenancy
        from dealer_saas.extensions import db
        from dealer_saas.jobs.models import JobRun
        app = create_app()
        with app.app_context(), tenancy.system():
            run = db.session.execute(select(JobRun).where(JobRun.store_id == {store_id})).scalar_one()
            print(run.kind, run.outcome, run.queue)
    """)
    assert outcome == "messaging.retry_failed ok messages"
