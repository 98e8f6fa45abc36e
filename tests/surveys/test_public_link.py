"""The public survey page: answered once through its signed link; a tampered, expired,
replayed or other store's link answers a friendly page; a low score opens a complaint."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dealer_saas import signed_links, tenancy
from dealer_saas.complaints.models import Complaint
from dealer_saas.extensions import db
from dealer_saas.surveys.models import SurveyAnswer
from dealer_saas.surveys.services import dispatch, responses
from dealer_saas.timeutil import utcnow

from .. import factories


def _sent(w, template=None):
    with tenancy.enter(w.store.id):
        invitation = dispatch.invite_now((template or w.csi).id, w.customer.id, f"test:{utcnow().timestamp()}")
        dispatch.send_due()
        questions = responses.questions_of(invitation)
    token = signed_links.issue(dispatch.LINK_PURPOSE, w.store.id, invitation.id, days=30)
    return invitation, questions, f"/surveys/s/{token}"


def _form(questions, score5: int, score10: int) -> dict:
    data = {}
    for q in questions:
        if q.kind == "score5":
            data[f"q{q.id}"] = str(score5)
        elif q.kind == "score10":
            data[f"q{q.id}"] = str(score10)
        elif q.kind == "text":
            data[f"q{q.id}"] = "等太久了"
    return data


@pytest.fixture
def client(app):
    before = app.config.get("WTF_CSRF_ENABLED")
    app.config["WTF_CSRF_ENABLED"] = False
    yield app.test_client()
    app.config["WTF_CSRF_ENABLED"] = before


def test_the_page_answers_once_and_scores(w, client):
    invitation, questions, url = _sent(w)
    page = client.get(url)
    assert page.status_code == 200 and "售后服务满意度" in page.text and w.store.name in page.text
    done = client.post(url, data=_form(questions, 5, 10))
    assert done.status_code == 200 and 'data-testid="survey-thanks"' in done.text
    db.session.refresh(invitation)
    assert invitation.status == "answered" and invitation.score_pct == 100 and invitation.nps == 10
    assert not invitation.is_low
    again = client.post(url, data=_form(questions, 1, 0))  # replayed
    assert again.status_code == 410 and 'data-reason="answered"' in again.text
    assert client.get(url).status_code == 410
    answers = db.session.execute(select(SurveyAnswer).where(SurveyAnswer.invitation_id == invitation.id)).scalars()
    assert sorted(a.score for a in answers if a.score is not None) == [5, 5, 5, 10]


def test_a_missing_answer_is_shown_beside_its_question_and_nothing_is_saved(w, client):
    invitation, questions, url = _sent(w)
    data = _form(questions, 4, 8)
    first = next(q for q in questions if q.kind == "score5")
    del data[f"q{first.id}"]
    page = client.post(url, data=data)
    assert page.status_code == 200 and 'data-testid="answer-error"' in page.text
    db.session.refresh(invitation)
    assert invitation.status == "sent"
    assert db.session.execute(select(SurveyAnswer.id)).first() is None


def test_a_low_score_opens_a_complaint_with_the_answers(w, client):
    invitation, questions, url = _sent(w)
    client.post(url, data=_form(questions, 2, 3))
    complaint = db.session.execute(
        select(Complaint).where(Complaint.survey_invitation_id == invitation.id)
    ).scalar_one()
    assert complaint.channel == "survey" and complaint.customer_id == w.customer.id and complaint.status == "received"
    assert complaint.grade == "B" and complaint.accept_due_at is not None  # 3 of 10: one of the worst
    assert "等太久了" in complaint.description


@pytest.mark.parametrize(
    "score5,score10,low",
    [(3, 10, True), (4, 6, True), (4, 7, False), (5, 10, False)],
)
def test_the_default_threshold_is_6_of_10_and_3_of_5(w, client, score5, score10, low):
    invitation, questions, url = _sent(w)
    client.post(url, data=_form(questions, score5, score10))
    db.session.refresh(invitation)
    assert invitation.is_low is low
    opened = db.session.execute(select(Complaint.id).where(Complaint.survey_invitation_id == invitation.id)).first()
    assert (opened is not None) is low


def test_the_store_setting_may_open_nothing_or_a_call_back(w, client, monkeypatch):
    from dealer_saas import surveys

    w.store.settings = {"surveys": {"low_action": "callback"}}
    db.session.flush()
    called = []
    monkeypatch.setattr(surveys.services, "CALLBACK_HOOK", lambda invitation: called.append(invitation.id))
    invitation, questions, url = _sent(w)
    client.post(url, data=_form(questions, 1, 0))
    assert called == [invitation.id]
    assert db.session.execute(select(Complaint.id)).first() is None


def test_tampered_expired_and_foreign_links_answer_a_friendly_page(w, client, two_tenants, monkeypatch):
    invitation, questions, url = _sent(w)
    token = url.rsplit("/", 1)[1]
    tampered = client.get(factories.tampered(url))
    assert tampered.status_code == 404 and 'data-reason="invalid"' in tampered.text
    other_purpose = signed_links.issue("service_booking", w.store.id, invitation.id)
    assert client.get(f"/surveys/s/{other_purpose}").status_code == 404
    # the same invitation id signed for another store is not found there
    foreign = signed_links.issue(dispatch.LINK_PURPOSE, two_tenants.b1.id, invitation.id)
    page = client.get(f"/surveys/s/{foreign}")
    assert page.status_code == 404 and w.customer.name not in page.text and w.store.name not in page.text
    real_now = utcnow()
    monkeypatch.setattr(signed_links, "utcnow", lambda: real_now + dt.timedelta(days=31))
    expired = client.get(f"/surveys/s/{token}")
    assert expired.status_code == 410 and 'data-reason="expired"' in expired.text


def test_a_due_invitation_not_yet_sent_has_no_page(w, client):
    with tenancy.enter(w.store.id):
        invitation = dispatch.invite_now(w.csi.id, w.customer.id, "test:due")
    token = signed_links.issue(dispatch.LINK_PURPOSE, w.store.id, invitation.id)
    assert client.get(f"/surveys/s/{token}").status_code == 404


def test_a_hostile_answer_is_refused_not_a_500(w, client):
    invitation, questions, url = _sent(w)
    data = _form(questions, 5, 10)
    score = next(q for q in questions if q.kind == "score10")
    for value in ("11", "-1", "99999999999999999999", "1e309", "x\x00"):
        data[f"q{score.id}"] = value
        assert client.post(url, data=data).status_code == 200
    db.session.refresh(invitation)
    assert invitation.status == "sent"
