"""The audit log and the jobs page read as a person would (issue 14, floor item 9): record
kinds, actions and job kinds in the user's language, filters chosen from lists, a period
choice, times in the store's zone."""

from __future__ import annotations

import datetime as dt

from dealer_saas.extensions import db
from dealer_saas.jobs.models import JobRun
from dealer_saas.timeutil import utcnow

from .test_audit import _row


def test_the_audit_page_names_kinds_and_actions_and_offers_them_as_choices(client_as, store):
    _row(store, "改了订单", action="transition", entity="sales_orders", entity_id=7, at=utcnow())
    client, _ = client_as("store_manager")
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "状态变更" in body and "订单 #7" in body  # not "transition" / "sales_orders"
    assert '<option value="sales_orders"' in body and '<option value="transition"' in body
    english = client.get("/admin/audit", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_the_period_choice_narrows_to_recent_rows(client_as, store):
    _row(store, "今天的记录", at=utcnow())
    _row(store, "上个月的记录", at=utcnow() - dt.timedelta(days=40))
    client, _ = client_as("store_manager")
    week = client.get("/admin/audit?period=7d").get_data(as_text=True)
    assert "今天的记录" in week and "上个月的记录" not in week
    month = client.get("/admin/audit?period=30d").get_data(as_text=True)
    assert "上个月的记录" not in month
    assert "上个月的记录" in client.get("/admin/audit?period=bogus").get_data(as_text=True)


def test_the_jobs_page_names_job_kinds(client_as, store):
    db.session.add(
        JobRun(
            store_id=store.id,
            org_id=store.org_id,
            kind="messaging.retry_failed",
            period="2026-12-01T08",
            job_id="messaging.retry_failed:x",
            queue="messages",
            outcome="ok",
        )
    )
    client, _ = client_as("store_manager")
    body = client.get("/admin/jobs/").get_data(as_text=True)
    assert "重试发送失败的消息" in body
    assert ">messaging.retry_failed<" not in body
