"""The complaint's one state table: every legal move, every illegal one refused, the
customer's word before closing, an unsatisfied customer reopening, rejections explained."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from dealer_saas.audit import AuditLog
from dealer_saas.complaints.models import STATUSES, Complaint
from dealer_saas.complaints.services import cases
from dealer_saas.complaints.services.rules import COMPLAINT_MOVES, ComplaintError, ComplaintTransitionError
from dealer_saas.extensions import db

ACTIONS = ("accept", "investigate", "resolve", "reject")
#: the actions change_state takes and the state each leads to, from each state
LEGAL = {
    ("received", "accept"): "accepted",
    ("received", "reject"): "rejected",
    ("accepted", "investigate"): "investigating",
    ("accepted", "reject"): "rejected",
    ("investigating", "resolve"): "resolved",
    ("investigating", "reject"): "rejected",
}


def _new(w, **extra):
    data = {
        "kind": "complaint",
        "subject": "维修后异响",
        "grade": "B",
        "description": "客户反映保养后有异响",
        "phone": "13800138000",
        **extra,
    }
    return cases.create_complaint(data)


def _force(complaint, state):
    complaint.status = state
    db.session.flush()


def test_intake_numbers_links_the_customer_by_mobile_and_sets_the_grade_sla(w, act):
    with act(w.care, "care_agent"):
        first, second = _new(w), _new(w, grade="A")
    assert first.number.endswith("-001") and second.number.endswith("-002")
    assert first.customer_id == w.customer.id and first.receiver_id == w.care.id
    assert (first.accept_due_at - first.received_at).total_seconds() == 8 * 3600
    assert (first.resolve_due_at - first.received_at).total_seconds() == 72 * 3600
    assert (second.accept_due_at - second.received_at).total_seconds() == 2 * 3600


def test_an_enquiry_has_no_grade_and_no_sla_a_complaint_needs_one(w, act):
    with act(w.care, "care_agent"):
        enquiry = _new(w, kind="enquiry", grade="A")
        assert enquiry.grade is None and enquiry.accept_due_at is None and enquiry.resolve_due_at is None
        with pytest.raises(ComplaintError) as refused:
            _new(w, grade=None)
    assert refused.value.field == "grade"


def test_a_pasted_email_gives_its_subject(w, act):
    with act(w.care, "care_agent"):
        c = _new(w, channel="email", subject="", description="From: a@b.cn\nSubject: 发票开错了\n\n您好……")
    assert c.subject == "发票开错了" and c.channel == "email"


@pytest.mark.parametrize("state,action", list(itertools.product(STATUSES, ACTIONS)))
def test_every_move_of_the_table(w, act, state, action):
    with act(w.manager, "store_manager"):
        complaint = _new(w)
        _force(complaint, state)
        if (state, action) in LEGAL:
            cases.change_state(complaint.id, action, text="说明")
            assert complaint.status == LEGAL[(state, action)]
        else:
            with pytest.raises(ComplaintTransitionError):
                cases.change_state(complaint.id, action, text="说明")
            assert complaint.status == state


@pytest.mark.parametrize("state", [s for s in STATUSES if s != "resolved"])
def test_satisfaction_is_only_asked_of_a_resolved_case(w, act, state):
    with act(w.care, "care_agent"):
        complaint = _new(w)
        _force(complaint, state)
        for satisfied in (True, False):
            with pytest.raises(ComplaintTransitionError):
                cases.record_satisfaction(complaint.id, satisfied)
        assert complaint.status == state


def test_close_and_reopen_only_through_the_customers_word(w, act):
    with act(w.care, "care_agent"):
        complaint = _new(w)
        _force(complaint, "resolved")
        for action in ("close", "reopen"):
            with pytest.raises(ComplaintError):
                cases.change_state(complaint.id, action)


def test_full_flow_with_an_unsatisfied_customer_reopening(w, act):
    with act(w.care, "care_agent"):
        complaint = _new(w)
        cases.change_state(complaint.id, "accept")
        assert complaint.owner_id == w.care.id and complaint.accepted_at is not None
        cases.change_state(complaint.id, "investigate", text="联系车间复查")
        with pytest.raises(ComplaintError) as no_text:
            cases.change_state(complaint.id, "resolve", text="")
        assert no_text.value.field == "text"
        cases.change_state(complaint.id, "resolve", text="免费复修")
        cases.record_satisfaction(complaint.id, False, "仍有异响")
        assert complaint.status == "investigating" and complaint.reopen_count == 1
        assert complaint.satisfaction == "unsatisfied" and complaint.resolved_at is None
        cases.change_state(complaint.id, "resolve", text="更换部件")
        assert complaint.satisfaction is None
        cases.record_satisfaction(complaint.id, True, "满意")
    assert complaint.status == "closed" and complaint.satisfaction == "satisfied" and complaint.closed_at
    moves = (
        db.session.execute(
            select(AuditLog)
            .where(AuditLog.entity == "complaints", AuditLog.action == "transition")
            .order_by(AuditLog.id)
        )
        .scalars()
        .all()
    )
    assert [m.after["status"] for m in moves] == [
        "accepted",
        "investigating",
        "resolved",
        "investigating",
        "resolved",
        "closed",
    ]


def test_only_a_manager_rejects_and_the_customer_gets_the_explanation(w, act):
    with act(w.care, "care_agent"):
        complaint = _new(w)
        with pytest.raises(ComplaintError):
            cases.change_state(complaint.id, "reject", text="不成立")
    with act(w.manager, "store_manager"):
        with pytest.raises(ComplaintError) as no_text:
            cases.change_state(complaint.id, "reject", text=" ")
        assert no_text.value.field == "text"
        cases.change_state(complaint.id, "reject", text="经检测属正常现象")
    assert complaint.status == "rejected" and complaint.rejection_reason == "经检测属正常现象"
    assert COMPLAINT_MOVES.is_final("rejected") and COMPLAINT_MOVES.is_final("closed")


def test_an_advisor_sees_and_handles_only_their_own_cases(w, act):
    from werkzeug.exceptions import NotFound

    with act(w.care, "care_agent"):
        mine = _new(w, owner_id=w.advisor.id)
        theirs = _new(w, owner_id=w.other_advisor.id)
    with act(w.advisor, "service_advisor"):
        assert [c.id for c in cases.list_complaints().items] == [mine.id]
        cases.change_state(mine.id, "accept")
        with pytest.raises(NotFound):
            cases.change_state(theirs.id, "accept")
    assert db.session.get(Complaint, theirs.id).status == "received"


def test_assign_names_a_handler_of_this_store(w, act):
    from .. import factories

    elsewhere = factories.user_with_role("care_agent", factories.StoreFactory(organisation=w.store.organisation))
    with act(w.manager, "store_manager"):
        complaint = _new(w)
        cases.assign(complaint.id, w.advisor.id)
        assert complaint.owner_id == w.advisor.id
        with pytest.raises(ComplaintError) as refused:
            cases.assign(complaint.id, elsewhere.id)
    assert refused.value.field == "owner_id" and complaint.owner_id == w.advisor.id
