"""The job runs page: the viewer's stores only, filters, detail, and "run now"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.jobs.models import JobRun
from dealer_saas.timeutil import utcnow

from .. import factories
from ..conftest import login


def _run(store, kind="messaging.retry_failed", outcome="ok", minutes_ago=5, **fields) -> JobRun:
    started = utcnow() - dt.timedelta(minutes=minutes_ago)
    run = JobRun(
        org_id=store.org_id,
        store_id=store.id,
        kind=kind,
        period=fields.pop("period", "2026-11-23T10"),
        job_id=f"t-{store.id}-{minutes_ago}",
        outcome=outcome,
        started_at=started,
        finished_at=started + dt.timedelta(seconds=2),
        **fields,
    )
    db.session.add(run)
    db.session.flush()
    return run


def test_run_list_shows_only_the_active_stores_runs(db_session, app):
    t = factories.two_tenants()
    mine = _run(t.a1, period="MINE-PERIOD")
    _run(t.a2, period="SISTER-PERIOD")
    _run(t.b1, period="FOREIGN-PERIOD")
    manager = factories.user_with_role("store_manager", t.a1)
    client = login(app.test_client(), manager, t.a1)
    response = client.get("/admin/jobs/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "MINE-PERIOD" in body and "SISTER-PERIOD" not in body and "FOREIGN-PERIOD" not in body
    assert client.get(f"/admin/jobs/{mine.id}").status_code == 200


def test_run_detail_of_another_store_or_organisation_is_404(db_session, app):
    t = factories.two_tenants()
    sister = _run(t.a2, outcome="failed", error="SECRET-TRACE")
    foreign = _run(t.b1)
    manager = factories.user_with_role("store_manager", t.a1)
    client = login(app.test_client(), manager, t.a1)
    for run in (sister, foreign):
        response = client.get(f"/admin/jobs/{run.id}")
        assert response.status_code == 404
        assert "SECRET-TRACE" not in response.get_data(as_text=True)


def test_group_admin_rollup_sees_every_store_of_the_group(db_session, app):
    t = factories.two_tenants()
    _run(t.a1, period="A1-PERIOD")
    _run(t.a2, period="A2-PERIOD")
    _run(t.b1, period="B1-PERIOD")
    admin = factories.user_with_role("group_admin", t.a1, org_wide=True)
    client = login(app.test_client(), admin, "all")
    body = client.get("/admin/jobs/").get_data(as_text=True)
    assert "A1-PERIOD" in body and "A2-PERIOD" in body and "B1-PERIOD" not in body


def test_filters_and_keyset_pages(db_session, app, store):
    for n in range(30):
        _run(store, outcome="failed" if n % 10 == 0 else "ok", minutes_ago=n + 1, period=f"P{n:02d}")
    manager = factories.user_with_role("store_manager", store)
    client = login(app.test_client(), manager, store)
    failed = client.get("/admin/jobs/?outcome=failed").get_data(as_text=True)
    assert failed.count('data-testid="job-run"') == 3
    first = client.get("/admin/jobs/?outcome=nonsense")  # unknown values are ignored
    body = first.get_data(as_text=True)
    assert body.count('data-testid="job-run"') == 25 and "P00" in body and "P29" not in body
    assert first.headers["Vary"] and "HX-Request" in first.headers["Vary"]
    import re

    next_url = re.search(r'hx-get="([^"]*after=[^"]*)"', body).group(1).replace("&amp;", "&")
    second = client.get(next_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert second.count('data-testid="job-run"') == 5 and "P29" in second and "<html" not in second


def test_run_now_enqueues_after_commit_and_records_the_run(db_session, app, store):
    manager = factories.user_with_role("store_manager", store)
    client = login(app.test_client(), manager, store)
    response = client.post("/admin/jobs/run-now", data={"kind": "messaging.retry_failed"})
    assert response.status_code == 303
    with tenancy.system():
        run = db.session.execute(select(JobRun).where(JobRun.store_id == store.id)).scalar_one()
        assert (run.kind, run.outcome) == ("messaging.retry_failed", "ok")
        assert db.session.execute(
            select(AuditLog).where(AuditLog.action == "enqueue", AuditLog.store_id == store.id)
        ).scalar_one()


def test_run_now_refuses_a_kind_that_needs_ids(db_session, app, store):
    manager = factories.user_with_role("store_manager", store)
    client = login(app.test_client(), manager, store)
    response = client.post("/admin/jobs/run-now", data={"kind": "messaging.deliver"})
    assert response.status_code == 200
    assert "该任务不能手动运行" in response.get_data(as_text=True)
    with tenancy.system():
        assert db.session.execute(select(JobRun).where(JobRun.store_id == store.id)).first() is None


def test_consultants_cannot_see_jobs(client_as):
    client, _user = client_as("sales_consultant")
    assert client.get("/admin/jobs/").status_code == 403
    assert client.post("/admin/jobs/run-now", data={"kind": "messaging.retry_failed"}).status_code == 403
