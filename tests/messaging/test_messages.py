"""Queueing is idempotent on the key; delivery sends once; failed messages are retried."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from dealer_saas import tenancy, web
from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.jobs import run_job_now
from dealer_saas.jobs.models import JobRun
from dealer_saas.messaging import services
from dealer_saas.messaging.models import OutboundMessage
from dealer_saas.messaging.senders import DevSender, SendError, set_sender

from .. import factories


class CountingSender(DevSender):
    def __init__(self, fail: bool = False):
        super().__init__()
        self.fail = fail

    def send(self, message):
        if self.fail:
            raise SendError("号码停机")
        return super().send(message)


@pytest.fixture
def sender(app):
    counting = CountingSender()
    set_sender(counting, app)
    yield counting
    set_sender(None, app)


def _messages() -> list[OutboundMessage]:
    db.session.expire_all()  # jobs write through their own session
    with tenancy.system():
        return db.session.execute(select(OutboundMessage).order_by(OutboundMessage.id)).scalars().all()


def test_queue_is_idempotent_on_the_key_and_delivers_after_commit(db_session, store, sender):
    customer = factories.CustomerFactory(store=store)
    with tenancy.enter(store.id):
        first = services.queue_message("sms", "139 1234 5678", "您好", key="welcome:1", customer_id=customer.id)
        again = services.queue_message("sms", "13912345678", "另一条内容", key="welcome:1")
        assert again.id == first.id and first.recipient == "13912345678"
        assert len(sender.sent) == 0  # nothing leaves before the commit
        web.commit_and_run_effects()
    assert len(sender.sent) == 1
    (message,) = _messages()
    assert (message.status, message.attempts, message.body) == ("sent", 1, "您好")
    assert message.provider_reference.startswith("dev-sms-") and message.sent_at is not None
    with tenancy.system():
        actions = (
            db.session.execute(
                select(AuditLog.action).where(AuditLog.entity == "outbound_messages").order_by(AuditLog.id)
            )
            .scalars()
            .all()
        )
    assert actions == ["create", "transition"]
    with tenancy.enter(store.id):
        services.queue_message("sms", "13912345678", "您好", key="welcome:1")
        web.commit_and_run_effects()
    assert len(sender.sent) == 1 and len(_messages()) == 1


def test_bad_input_saves_nothing(db_session, store, sender):
    other = factories.CustomerFactory(store=factories.StoreFactory())
    with tenancy.enter(store.id):
        with pytest.raises(services.MessagingError) as error:
            services.queue_message("sms", "12345", "内容", key="k1")
        assert error.value.field == "recipient"
        with pytest.raises(services.MessagingError):
            services.queue_message("fax", "13912345678", "内容", key="k2")
        with pytest.raises(services.MessagingError):
            services.queue_message("email", "not-an-email", "内容", key="k3")
        with pytest.raises(services.MessagingError):
            services.queue_message("sms", "13912345678", "  ", key="k4")
        with pytest.raises(services.MessagingError) as error:  # another store's customer
            services.queue_message("sms", "13912345678", "内容", key="k5", customer_id=other.id)
        assert error.value.field == "customer_id"
    assert _messages() == []
    assert not g.get("after_commit")


def test_two_deliver_runs_send_once(db_session, store, sender):
    with tenancy.enter(store.id):
        message = services.queue_message("email", "Li@Example.com", "保养提醒", key="remind:1", enqueue=False)
    first = run_job_now("messaging.deliver", store.id, outbound_message_id=message.id)
    second = run_job_now("messaging.deliver", store.id, outbound_message_id=message.id)
    assert first["status"] == "sent" and second == {"outbound_message_id": message.id, "skipped": "sent"}
    assert len(sender.sent) == 1 and sender.sent[0]["recipient"] == "li@example.com"
    with tenancy.system():
        runs = db.session.execute(select(JobRun).where(JobRun.kind == "messaging.deliver")).scalars().all()
    assert [r.outcome for r in runs] == ["ok", "ok"] and all(r.queue == "messages" for r in runs)


def test_a_job_for_one_store_cannot_deliver_another_stores_message(db_session, sender):
    t = factories.two_tenants()
    with tenancy.enter(t.a2.id):
        message = services.queue_message("sms", "13912345678", "内容", key="x", enqueue=False)
    result = run_job_now("messaging.deliver", t.a1.id, outbound_message_id=message.id)
    assert result == {"outbound_message_id": message.id, "skipped": "missing"}
    assert len(sender.sent) == 0 and _messages()[0].status == "queued"


def test_a_refused_message_fails_and_the_hourly_job_retries_it(db_session, store, app):
    failing = CountingSender(fail=True)
    set_sender(failing, app)
    try:
        with tenancy.enter(store.id):
            message = services.queue_message("sms", "13912345678", "内容", key="retry:1", enqueue=False)
        run_job_now("messaging.deliver", store.id, outbound_message_id=message.id)
        (row,) = _messages()
        assert (row.status, row.attempts, row.error) == ("failed", 1, "号码停机")
        # still refused: attempt 2, then 3, then the job gives up
        for attempts in (2, 3):
            result = run_job_now("messaging.retry_failed", store.id)
            assert result["requeued"] == 1
            assert _messages()[0].attempts == attempts
        assert run_job_now("messaging.retry_failed", store.id)["requeued"] == 0
        # the provider recovers: nothing is retried any more (attempts used up)
        set_sender(CountingSender(), app)
        assert _messages()[0].status == "failed"
    finally:
        set_sender(None, app)


def test_retry_job_sends_once_the_provider_recovers(db_session, store, sender, app):
    set_sender(CountingSender(fail=True), app)
    with tenancy.enter(store.id):
        message = services.queue_message("wechat", "openid-1", "内容", key="retry:2", enqueue=False)
    run_job_now("messaging.deliver", store.id, outbound_message_id=message.id)
    set_sender(sender, app)
    result = run_job_now("messaging.retry_failed", store.id)
    assert result["requeued"] == 1
    assert _messages()[0].status == "sent" and len(sender.sent) == 1
    assert run_job_now("messaging.retry_failed", store.id)["requeued"] == 0
    assert len(sender.sent) == 1
