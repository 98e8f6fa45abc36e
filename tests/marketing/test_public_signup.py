"""The public sign-up page behind a signed link: no login, the link's store only; a sign-up
is recorded once per mobile; tampered, expired, foreign-purpose, closed and over-used links
answer a friendly page."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from dealer_saas import signed_links
from dealer_saas.extensions import db
from dealer_saas.marketing import links
from dealer_saas.marketing.models import CampaignSignup

from .. import factories
from . import factories as mk


def _token(store_id, campaign_id, **kw):
    return signed_links.issue(links.SIGNUP_LINK, store_id, campaign_id, **kw)


def _signups():
    return db.session.execute(sa.select(CampaignSignup)).scalars().all()


def test_a_customer_signs_up_once_through_the_link(store, client):
    row = mk.campaign(store, theme="夏日试驾节")
    token = _token(store.id, row.id)
    page = client.get(f"/marketing/join/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "夏日试驾节" in body and store.name in body
    assert page.headers["Cache-Control"] == "no-store" and "市场活动" not in body.split("夏日试驾节")[0][-200:]
    refused = client.post(f"/marketing/join/{token}", data={"name": "周九", "mobile": "123", "party_size": 1})
    assert refused.status_code == 200 and "public-signed-up" not in refused.get_data(as_text=True)
    assert _signups() == []
    done = client.post(f"/marketing/join/{token}", data={"name": "周九", "mobile": "13500005555", "party_size": 2})
    assert "报名成功" in done.get_data(as_text=True)
    again = client.post(f"/marketing/join/{token}", data={"name": "周九", "mobile": "135 0000 5555", "party_size": 1})
    assert "您已报名" in again.get_data(as_text=True)
    (signup,) = _signups()
    assert (signup.store_id, signup.party_size, signup.source, signup.mobile) == (store.id, 2, "link", "13500005555")


def test_tampered_expired_other_purpose_and_other_store_links_are_refused(store, client, monkeypatch):
    row = mk.campaign(store)
    token = _token(store.id, row.id)
    tampered = factories.tampered(token)
    assert client.get(f"/marketing/join/{tampered}").status_code == 404
    booking = signed_links.issue("service_booking", store.id, row.id)
    assert client.get(f"/marketing/join/{booking}").status_code == 404
    other = factories.StoreFactory()
    foreign = _token(other.id, row.id)  # a genuine link of another store naming this campaign
    response = client.get(f"/marketing/join/{foreign}")
    assert response.status_code == 404 and 'data-testid="link-problem"' in response.get_data(as_text=True)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=200)
    monkeypatch.setattr(signed_links, "utcnow", lambda: later)
    assert client.get(f"/marketing/join/{token}").status_code == 410


def test_a_finished_campaign_says_sign_ups_are_closed(store, client):
    row = mk.campaign(store, status="finished")
    response = client.get(f"/marketing/join/{_token(store.id, row.id)}")
    assert response.status_code == 410 and "报名已结束" in response.get_data(as_text=True)


def test_an_over_used_link_is_rate_limited(store, client, monkeypatch):
    monkeypatch.setattr(signed_links, "PER_LINK", 2)
    token = _token(store.id, mk.campaign(store).id)
    assert [client.get(f"/marketing/join/{token}").status_code for _ in range(3)] == [200, 200, 429]
