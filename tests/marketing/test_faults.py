"""A bulk send through real RQ workers, with a fault: the worker is killed (-9) half-way
through the send, another takes the job over, and every message exists exactly once, none
lost. PostgreSQL and Redis only (CI has both)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.redis, pytest.mark.no_db]

CUSTOMERS = 30
#: three customers per batch, a pause after each: a send takes a few seconds
SLOW = {"MARKETING_BULK_BATCH": "3", "MARKETING_BULK_PAUSE": "0.4"}


def _arrange(stack) -> tuple[int, int]:
    """A store with CUSTOMERS VIP customers, a template and a queued bulk send to them."""
    from dealer_saas.customers.models import Customer
    from dealer_saas.extensions import db
    from dealer_saas.marketing.models import BulkSend, MessageTemplate
    from dealer_saas.permissions import ensure_builtin_roles
    from dealer_saas.tenancy import Organisation, Store

    with stack.context():
        ensure_builtin_roles()
        org = Organisation(name="群发故障测试集团", code="mktfault")
        db.session.add(org)
        db.session.flush()
        store = Store(org_id=org.id, name="群发故障测试店", code="MF1")
        db.session.add(store)
        db.session.flush()
        for n in range(CUSTOMERS):
            db.session.add(
                Customer(org_id=org.id, store_id=store.id, name=f"群发客户{n}", mobile=f"1370000{n:04d}", level="vip")
            )
        template = MessageTemplate(
            org_id=org.id, store_id=store.id, code="promo", name="促销", occasion="marketing", body="{客户姓名}您好"
        )
        db.session.add(template)
        db.session.flush()
        send = BulkSend(
            org_id=org.id, store_id=store.id, template_id=template.id, segment={"levels": ["vip"]}, total=CUSTOMERS
        )
        db.session.add(send)
        db.session.commit()
        return store.id, send.id


def _messages(stack, store_id: int) -> int:
    return stack.scalar("SELECT count(*) FROM outbound_messages WHERE store_id = :s", s=store_id)


def _distinct(stack, store_id: int) -> int:
    return stack.scalar(
        "SELECT count(DISTINCT customer_id) FROM outbound_messages"
        " WHERE store_id = :s AND idempotency_key LIKE 'bulk:%'",
        s=store_id,
    )


def test_a_worker_killed_half_way_through_a_bulk_send_leaves_every_message_exactly_once(live_stack):
    stack = live_stack
    store_id, send_id = _arrange(stack)
    first = stack.worker(**SLOW)
    job_id = stack.enqueue("marketing.bulk_send", store_id, bulk_send_id=send_id)
    stack.wait_for(lambda: stack.runs(job_id), "the first worker to take the job")
    # A second worker, idle: it finds the dead worker's job by itself once its heartbeat
    # expired and runs it again (no clean-up by hand, no new enqueue).
    stack.worker(**SLOW)
    half = stack.wait_for(lambda: 0 < _messages(stack, store_id) < CUSTOMERS and _messages(stack, store_id), "a part")
    assert stack.kill(first), "the worker had a work horse to kill"
    stopped_at = stack.assert_died_mid_job(lambda: _messages(stack, store_id), job_id)
    assert 0 < half <= stopped_at < CUSTOMERS, "the send was killed half-way"
    assert stack.scalar("SELECT status FROM bulk_sends WHERE id = :i", i=send_id) == "running"

    stack.wait_for(
        lambda: stack.scalar("SELECT status FROM bulk_sends WHERE id = :i", i=send_id) == "done",
        "the retried send to finish",
        timeout=60,
    )
    assert _messages(stack, store_id) == CUSTOMERS
    assert _distinct(stack, store_id) == CUSTOMERS
    processed, existing = (
        stack.scalar("SELECT processed FROM bulk_sends WHERE id = :i", i=send_id),
        stack.scalar("SELECT existing FROM bulk_sends WHERE id = :i", i=send_id),
    )
    # the second attempt started over: what the dead one had queued counts as existing
    assert processed == CUSTOMERS and existing == stopped_at
    assert stack.runs(job_id) == [(1, "failed"), (2, "ok")]


def test_a_bulk_send_redis_lost_is_enqueued_again_by_the_scheduler_and_sent_exactly_once(live_stack):
    from dealer_saas.jobs.queue import enqueue, redis_connection
    from dealer_saas.marketing.services.bulk import send_job_id

    stack = live_stack
    store_id, send_id = _arrange(stack)
    job_id = send_job_id(store_id, send_id)
    env = {**SLOW, "JOBS_RECOVER_AFTER": "2"}
    stack.scheduler(interval=1.0, **env)
    with stack.context():
        enqueue("marketing.bulk_send", store_id, job_id=job_id, unique=True, bulk_send_id=send_id)
        assert redis_connection().llen("rq:queue:messages") == 1
    stack.redis.restart(down_for=1.0)  # the queued job is gone with Redis; the row says "queued"
    with stack.context():
        assert redis_connection().llen("rq:queue:messages") == 0
    stack.worker(**env)
    stack.wait_for(
        lambda: stack.scalar("SELECT status FROM bulk_sends WHERE id = :i", i=send_id) == "done",
        "the send the scheduler enqueued again to finish",
        timeout=60,
    )
    assert _messages(stack, store_id) == CUSTOMERS and _distinct(stack, store_id) == CUSTOMERS
    assert stack.runs(job_id) == [(1, "ok")]  # it ran once, after the scheduler put it back
    assert "was lost by Redis: enqueued again" in stack.tail()
