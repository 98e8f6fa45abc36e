"""SLA escalation: a breach (not accepted, not resolved in time) notifies the store's
managers once, however often the job runs; each deadline is its own breach."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from dealer_saas.complaints.models import ComplaintEscalation
from dealer_saas.complaints.services import cases, escalation
from dealer_saas.extensions import db
from dealer_saas.jobs import run_job_now
from dealer_saas.notifications.models import Notification
from dealer_saas.timeutil import utcnow

from .. import factories


def _notifications(user):
    return list(db.session.execute(select(Notification).where(Notification.user_id == user.id)).scalars())


def test_each_breach_notifies_the_manager_once(w, act):
    with act(w.care, "care_agent"):
        complaint = cases.create_complaint(
            {"kind": "complaint", "subject": "刹车异响", "grade": "A", "description": "复修后仍响"}
        )
    received = complaint.received_at
    with act(w.care, "care_agent"):
        assert escalation.escalate(received + dt.timedelta(hours=1))["accept"] == 0  # A: 2 h to accept
        first = escalation.escalate(received + dt.timedelta(hours=3))
        again = escalation.escalate(received + dt.timedelta(hours=4))
    assert (first["accept"], first["notified"]) == (1, 1) and again["accept"] == 0 and again["notified"] == 0
    (told,) = _notifications(w.manager)
    assert told.key == f"complaint:{complaint.id}:accept" and complaint.number in told.title
    assert told.link == f"/complaints/{complaint.id}"
    assert _notifications(w.care) == []  # the care agent does not manage complaints
    with act(w.care, "care_agent"):
        cases.change_state(complaint.id, "accept")
        # accepted late: the accept breach stays one; the resolve deadline (24 h) is the next
        assert escalation.escalate(received + dt.timedelta(hours=23))["resolve"] == 0
        assert escalation.escalate(received + dt.timedelta(hours=25))["resolve"] == 1
        assert escalation.escalate(received + dt.timedelta(hours=48))["resolve"] == 0
    assert sorted(n.key.rsplit(":", 1)[1] for n in _notifications(w.manager)) == ["accept", "resolve"]
    assert db.session.execute(select(func.count(ComplaintEscalation.id))).scalar_one() == 2


def test_a_case_done_in_time_or_without_a_grade_is_never_escalated(w, act):
    with act(w.care, "care_agent"):
        on_time = cases.create_complaint({"kind": "complaint", "subject": "s", "grade": "C", "description": "d"})
        cases.change_state(on_time.id, "accept")
        cases.change_state(on_time.id, "investigate")
        cases.change_state(on_time.id, "resolve", text="已处理")
        cases.create_complaint({"kind": "enquiry", "subject": "咨询", "description": "d"})
        result = escalation.escalate(utcnow() + dt.timedelta(days=30))
    assert result["accept"] == result["resolve"] == 0 and _notifications(w.manager) == []


def test_the_sla_is_the_stores_setting(w, act):
    w.store.settings = {
        "complaint_sla": {
            "A_accept": 1,
            "A_resolve": 5,
            "B_accept": 8,
            "B_resolve": 72,
            "C_accept": 24,
            "C_resolve": 168,
        }
    }
    db.session.flush()
    with act(w.care, "care_agent"):
        complaint = cases.create_complaint({"kind": "complaint", "subject": "s", "grade": "A", "description": "d"})
    assert complaint.accept_due_at - complaint.received_at == dt.timedelta(hours=1)
    assert complaint.resolve_due_at - complaint.received_at == dt.timedelta(hours=5)


def test_the_job_runs_per_store_and_twice_is_once(w, act, in_store):
    other = factories.StoreFactory(organisation=w.store.organisation)
    other_manager = factories.user_with_role("store_manager", other)
    with act(w.care, "care_agent"):
        complaint = cases.create_complaint({"kind": "complaint", "subject": "s", "grade": "A", "description": "d"})
        complaint.accept_due_at = complaint.resolve_due_at = utcnow() - dt.timedelta(minutes=5)
        db.session.flush()
    first = run_job_now("complaints.escalate", w.store.id)
    second = run_job_now("complaints.escalate", w.store.id)
    run_job_now("complaints.escalate", other.id)
    assert first["notified"] == 2 and second["notified"] == 0
    assert len(_notifications(w.manager)) == 2 and _notifications(other_manager) == []
