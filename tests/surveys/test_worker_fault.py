"""Fault: a real ``flask worker`` is killed (-9, with its work horse) in the middle of a
survey dispatch; a new worker runs the dispatch again: every survey message exists exactly
once, none lost. Against PostgreSQL (a database of its own: the rows must be committed for
the worker processes to see them) and the Redis of REDIS_URL (database 13, flushed).

A small stand-in for the shared live-worker fixture the care module brings (tests/jobs)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.redis, pytest.mark.no_db]
ROOT = Path(__file__).resolve().parents[2]
INVITATIONS = 4000


@pytest.fixture
def stack(tmp_path):
    base = os.environ.get("DATABASE_URL", "")
    redis_base = os.environ.get("REDIS_URL")
    if not base.startswith("postgres") or not redis_base:
        pytest.skip("the worker fault test needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)")
    from dealer_saas import create_app
    from dealer_saas.dbsetup import setup_database
    from dealer_saas.extensions import db
    from dealer_saas.jobs.queue import redis_connection

    from ..conftest import _postgres_database

    parts = urlsplit(redis_base)
    redis_url = urlunsplit((parts.scheme, parts.netloc, "/13", parts.query, ""))
    url, drop = _postgres_database(base)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url})
    with app.app_context():
        setup_database()
        redis_connection(app).flushdb()
        db.session.remove()
    processes: list[subprocess.Popen] = []

    def worker() -> subprocess.Popen:
        env = dict(os.environ, DATABASE_URL=url, REDIS_URL=redis_url, FLASK_APP="wsgi")
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        log = open(tmp_path / f"worker-{len(processes)}.log", "w")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killing it takes the work horse too
        )
        process.log = log  # type: ignore[attr-defined]
        processes.append(process)
        return process

    app.worker = worker
    app.logs = tmp_path
    try:
        yield app
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            process.log.close()
        with app.app_context():
            redis_connection(app).flushdb()
            db.session.remove()
            db.engine.dispose()
        drop()


def _arrange(app) -> int:
    """A store of the starter templates' group with INVITATIONS customers, each with a
    survey due now; committed. Returns the store id."""
    from dealer_saas import tenancy
    from dealer_saas.customers.models import Customer
    from dealer_saas.extensions import db
    from dealer_saas.surveys.models import SurveyInvitation, SurveyTemplate
    from dealer_saas.surveys.services.templates import seed_starter_templates
    from dealer_saas.tenancy import Organisation, Store
    from dealer_saas.timeutil import utcnow

    with app.app_context(), tenancy.system():
        org = Organisation(code="fault", name="故障测试集团")
        db.session.add(org)
        db.session.flush()
        store = Store(
            org_id=org.id, code="F01", name="故障测试店", city="广州", brands="大众", timezone="Asia/Shanghai"
        )
        # no quiet hours, no throttle: the whole batch in one job run
        store.settings = {
            "messaging_policy": {"quiet_from": 0, "quiet_until": 0, "per_minute": 100000},
            "surveys": {"per_minute": 10000},
        }
        db.session.add(store)
        db.session.flush()
        store_id, org_id = store.id, org.id
        db.session.commit()
    with app.app_context(), tenancy.enter(store_id):
        seed_starter_templates()
        template_id = db.session.execute(sa.select(SurveyTemplate.id).where(SurveyTemplate.code == "NPS")).scalar_one()
        now = utcnow()
        rows = [
            {
                "org_id": org_id,
                "store_id": store_id,
                "name": f"客户{i}",
                "mobile": f"139{i:08d}",
                "mobile_last4": f"{i:08d}"[-4:],
            }
            for i in range(INVITATIONS)
        ]
        ids = db.session.execute(sa.insert(Customer).returning(Customer.id), rows).scalars().all()
        db.session.execute(
            sa.insert(SurveyInvitation),
            [
                {
                    "org_id": org_id,
                    "store_id": store_id,
                    "template_id": template_id,
                    "occasion": f"f:{cid}",
                    "customer_id": cid,
                    "due_at": now,
                    "status": "due",
                }
                for cid in ids
            ],
        )
        db.session.commit()
    return store_id


def _count(app, sql: str, **params) -> int:
    from dealer_saas.extensions import db

    with app.app_context():
        try:
            return db.session.execute(sa.text(sql), params).scalar()
        finally:
            db.session.remove()


def _enqueue(app, store_id: int, period: str) -> None:
    from dealer_saas import tenancy
    from dealer_saas.jobs.queue import enqueue
    from dealer_saas.jobs.scheduler import job_id_for

    with app.app_context(), tenancy.system():
        enqueue(
            "surveys.dispatch", store_id, period, job_id=job_id_for("surveys.dispatch", store_id, period), unique=True
        )


def _wait(predicate, what: str, app, timeout: float = 120.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(app.logs.glob("*.log")))
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def test_kill_9_a_worker_mid_dispatch_then_every_message_exists_once(stack):
    app = stack
    store_id = _arrange(app)
    first = app.worker()
    _enqueue(app, store_id, "fault-1")
    _wait(
        lambda: _count(app, "SELECT count(*) FROM job_runs WHERE kind = 'surveys.dispatch' AND outcome = 'running'"),
        "the dispatch to start",
        app,
    )
    os.killpg(first.pid, signal.SIGKILL)  # in the middle of the run: its one transaction is lost
    first.wait(timeout=10)
    after_kill = _count(app, "SELECT count(*) FROM outbound_messages WHERE store_id = :s", s=store_id)
    assert after_kill in (0, INVITATIONS)  # all or nothing: never a half-sent batch

    app.worker()
    _enqueue(app, store_id, "fault-2")
    _wait(
        lambda: _count(
            app,
            "SELECT count(*) FROM job_runs WHERE kind = 'surveys.dispatch' AND period = 'fault-2' AND outcome = 'ok'",
        ),
        "the second dispatch to finish",
        app,
    )
    messages = _count(app, "SELECT count(*) FROM outbound_messages WHERE store_id = :s", s=store_id)
    keys = _count(app, "SELECT count(DISTINCT idempotency_key) FROM outbound_messages WHERE store_id = :s", s=store_id)
    sent = _count(app, "SELECT count(*) FROM survey_invitations WHERE store_id = :s AND status = 'sent'", s=store_id)
    assert messages == keys == sent == INVITATIONS
    per_invitation = _count(
        app,
        "SELECT count(*) FROM survey_invitations i LEFT JOIN outbound_messages m "
        "ON m.store_id = i.store_id AND m.idempotency_key = 'survey:' || i.id WHERE i.store_id = :s AND m.id IS NULL",
        s=store_id,
    )
    assert per_invitation == 0  # no survey without its message
