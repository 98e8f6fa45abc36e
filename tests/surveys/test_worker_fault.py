"""Fault: a real ``flask worker`` is killed (-9, with its work horse: the real process
tree) in the middle of a survey dispatch; a new worker takes the dead worker's job over by
itself: every survey message exists exactly once, none lost. Against PostgreSQL (a
database of its own: the rows must be committed for the worker processes to see them) and
a Redis server of the test's own (the shared ``live_stack`` fixture, tests/jobs/workers.py).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

pytestmark = [pytest.mark.redis, pytest.mark.no_db]
INVITATIONS = 1500


def _arrange(stack) -> int:
    """A store of the starter templates' group with INVITATIONS customers, each with a
    survey due now; committed. Returns the store id."""
    from dealer_saas import tenancy
    from dealer_saas.customers.models import Customer
    from dealer_saas.extensions import db
    from dealer_saas.surveys.models import SurveyInvitation, SurveyTemplate
    from dealer_saas.surveys.services.templates import seed_starter_templates
    from dealer_saas.tenancy import Organisation, Store
    from dealer_saas.timeutil import utcnow

    with stack.context():
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
    with stack.app.app_context(), tenancy.enter(store_id):
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


def _messages(stack, store_id: int) -> int:
    return stack.scalar("SELECT count(*) FROM outbound_messages WHERE store_id = :s", s=store_id)


def test_kill_9_a_worker_mid_dispatch_then_every_message_exists_once(live_stack):
    stack = live_stack
    store_id = _arrange(stack)
    first = stack.worker()
    job_id = stack.enqueue("surveys.dispatch", store_id, "fault-1")
    stack.wait_for(lambda: stack.runs(job_id) == [(1, "running")], "the dispatch to start", every=0.05)
    # A second worker, idle: it finds the dead worker's job by itself once its heartbeat
    # expired and runs it again (no clean-up by hand, no new enqueue).
    stack.worker()
    assert stack.kill(first), "the worker had a work horse to kill"
    # the dispatch is one transaction: the dead horse's is rolled back, nothing half-sent
    assert stack.assert_died_mid_job(lambda: _messages(stack, store_id), job_id) == 0
    assert stack.scalar(
        "SELECT count(*) FROM survey_invitations WHERE store_id = :s AND status = 'due'", s=store_id
    ) == (INVITATIONS)

    stack.wait_for(lambda: (2, "ok") in stack.runs(job_id), "the retried dispatch to finish", timeout=60)
    assert stack.runs(job_id) == [(1, "failed"), (2, "ok")]
    messages = _messages(stack, store_id)
    keys = stack.scalar("SELECT count(DISTINCT idempotency_key) FROM outbound_messages WHERE store_id = :s", s=store_id)
    sent = stack.scalar("SELECT count(*) FROM survey_invitations WHERE store_id = :s AND status = 'sent'", s=store_id)
    assert messages == keys == sent == INVITATIONS
    without_message = stack.scalar(
        "SELECT count(*) FROM survey_invitations i LEFT JOIN outbound_messages m "
        "ON m.store_id = i.store_id AND m.idempotency_key = 'survey:' || i.id WHERE i.store_id = :s AND m.id IS NULL",
        s=store_id,
    )
    assert without_message == 0  # no survey without its message
