"""Complaint screens through the client: intake, the case page's moves, the advisor's own
cases only, and the public links (the store's web form, the customer's follow-up page:
tampered, expired, another store's)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dealer_saas import signed_links, tenancy
from dealer_saas.complaints.models import Complaint
from dealer_saas.complaints.services import cases
from dealer_saas.complaints.views import FOLLOW_LINK, FORM_LINK
from dealer_saas.extensions import db
from dealer_saas.timeutil import utcnow

from .. import factories
from ..conftest import login


def _client(app, user, store):
    app.config["WTF_CSRF_ENABLED"] = False
    return login(app.test_client(), user, store)


def _case(w, **extra) -> Complaint:
    with tenancy.enter(w.store.id, user_id=w.care.id):
        return cases.create_complaint(
            {"kind": "complaint", "subject": "轮胎异常磨损", "grade": "B", "description": "四轮定位后仍偏磨", **extra}
        )


def test_intake_then_accept_investigate_resolve_and_close_on_the_page(app, w):
    client = _client(app, w.care, w.store)
    try:
        form = client.get("/complaints/new")
        assert form.status_code == 200 and 'id="complaint-form"' in form.text
        refused = client.post(
            "/complaints/new",
            data={"kind": "complaint", "channel": "phone", "subject": "x", "description": "d", "grade": ""},
        )
        assert refused.status_code == 200 and "请选择投诉等级" in refused.text
        assert db.session.execute(select(Complaint.id)).first() is None
        made = client.post(
            "/complaints/new",
            data={
                "kind": "complaint",
                "channel": "phone",
                "subject": "等待太久",
                "description": "等了3小时",
                "grade": "A",
                "category": "service",
                "problem_type": "delay",
                "attitude": "angry",
                "phone": "13800138000",
            },
        )
        assert made.status_code == 303
        complaint = db.session.execute(select(Complaint)).scalar_one()
        assert complaint.customer_id == w.customer.id
        url = f"/complaints/{complaint.id}"
        for action, text in (("accept", ""), ("investigate", "联系车间"), ("resolve", "已致歉并补偿")):
            page = client.post(
                f"{url}/action",
                data={"action": action, "text": text, "version": complaint.version},
                headers={"HX-Request": "true"},
            )
            assert page.status_code == 200 and page.headers["HX-Trigger"]
            db.session.refresh(complaint)
        assert complaint.status == "resolved"
        stale = client.post(f"{url}/feedback", data={"satisfied": "yes", "version": complaint.version - 1})
        assert stale.status_code == 200 and "已被他人修改" in stale.text
        done = client.post(f"{url}/feedback", data={"satisfied": "yes", "note": "满意", "version": complaint.version})
        assert done.status_code == 303
        db.session.refresh(complaint)
        assert complaint.status == "closed" and complaint.satisfaction == "satisfied"
        assert "已结案" in client.get(url).text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False  # the suite's setting (tests/conftest.py)


def test_an_advisor_lists_and_opens_only_their_own(app, w):
    mine = _case(w, owner_id=w.advisor.id, subject="我的投诉")
    theirs = _case(w, owner_id=w.other_advisor.id, subject="别人的投诉")
    client = login(app.test_client(), w.advisor, w.store)
    listing = client.get("/complaints/")
    assert "我的投诉" in listing.text and "别人的投诉" not in listing.text
    assert client.get(f"/complaints/{mine.id}").status_code == 200
    assert client.get(f"/complaints/{theirs.id}").status_code == 404
    assert client.get("/complaints/report").status_code == 403  # complaints.manage


def test_the_public_web_form_takes_a_case_and_gives_its_follow_up_link(app, w):
    token = signed_links.issue(FORM_LINK, w.store.id, w.store.id)
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        client = app.test_client()
        page = client.get(f"/complaints/form/{token}")
        assert page.status_code == 200 and w.store.name in page.text and "module-nav" not in page.text
        done = client.post(
            f"/complaints/form/{token}",
            data={
                "kind": "complaint",
                "contact_name": "王先生",
                "phone": "13800138000",
                "subject": "发票未开",
                "description": "提车一周了",
            },
        )
        assert 'data-testid="public-complaint-created"' in done.text
        complaint = db.session.execute(select(Complaint)).scalar_one()
        assert complaint.channel == "web" and complaint.grade == "C" and complaint.customer_id == w.customer.id
        follow = done.text.split('href="', 1)[1].split("/complaints/follow/", 1)[1].split('"', 1)[0]
        progress = client.get(f"/complaints/follow/{follow}")
        assert progress.status_code == 200 and complaint.number in progress.text
        assert 'data-testid="public-complaint-status"' in progress.text
    finally:
        app.config["WTF_CSRF_ENABLED"] = False  # the suite's setting (tests/conftest.py)


def test_follow_up_links_tampered_expired_or_of_another_store_answer_a_friendly_page(app, w, monkeypatch):
    complaint = _case(w)
    elsewhere = factories.StoreFactory(organisation=w.store.organisation)
    client = app.test_client()
    good = signed_links.issue(FOLLOW_LINK, w.store.id, complaint.id)
    assert client.get(f"/complaints/follow/{good}").status_code == 200
    tampered = client.get(f"/complaints/follow/{factories.tampered(good)}")
    assert tampered.status_code == 404 and 'data-testid="link-problem"' in tampered.text
    foreign = client.get(f"/complaints/follow/{signed_links.issue(FOLLOW_LINK, elsewhere.id, complaint.id)}")
    assert foreign.status_code == 404 and complaint.subject not in foreign.text
    wrong_form = signed_links.issue(FORM_LINK, w.store.id, elsewhere.id)  # a form link names its own store
    assert client.get(f"/complaints/form/{wrong_form}").status_code == 404
    later = utcnow() + dt.timedelta(days=120)
    monkeypatch.setattr(signed_links, "utcnow", lambda: later)
    expired = client.get(f"/complaints/follow/{good}")
    assert expired.status_code == 410 and complaint.subject not in expired.text
