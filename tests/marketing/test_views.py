"""The staff screens: campaign form and detail (results, sign-up link, state buttons), the
phone check-in (search, one tap), bulk send preview and progress; permissions."""

from __future__ import annotations

import sqlalchemy as sa

from dealer_saas.extensions import db
from dealer_saas.marketing.models import BulkSend, Campaign

from .. import factories
from . import factories as mk


def test_a_campaign_is_created_published_and_shows_its_sign_up_link(client_as, store):
    client, _user = client_as("marketing")
    response = client.post(
        "/marketing/campaigns/new",
        data={
            "theme": "周末团购",
            "place": "展厅",
            "starts_at": "2030-05-01T10:00",
            "ends_at": "2030-05-01T17:00",
            "budget": "8000",
            "headcount": "50",
            "attribution_days": "30",
            "levels": ["owner"],
        },
    )
    assert response.status_code == 303
    campaign = db.session.execute(sa.select(Campaign)).scalar_one()
    assert campaign.segment == {"levels": ["owner"]} and campaign.status == "draft"
    page = client.get(f"/marketing/campaigns/{campaign.id}").get_data(as_text=True)
    assert "周末团购" in page and "signup-url" not in page and "campaign-publish" in page
    client.post(f"/marketing/campaigns/{campaign.id}/state", data={"action": "publish"})
    page = client.get(f"/marketing/campaigns/{campaign.id}").get_data(as_text=True)
    assert 'data-testid="signup-url"' in page and "/marketing/join/" in page


def test_a_bad_form_keeps_the_input_and_shows_the_error(client_as):
    client, _user = client_as("marketing")
    response = client.post(
        "/marketing/campaigns/new",
        data={
            "theme": "倒序",
            "starts_at": "2030-05-02T10:00",
            "ends_at": "2030-05-01T10:00",
            "attribution_days": "30",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "结束时间需晚于开始时间" in body and 'value="倒序"' in body


def test_check_in_search_and_one_tap(client_as, store):
    row = mk.campaign(store, status="running")
    mk.signup(row, name="吴十", mobile="13311112222")
    target = mk.signup(row, name="郑一", mobile="13333334444")
    client, _user = client_as("marketing")
    found = client.get(f"/marketing/campaigns/{row.id}/check-in?q=4444", headers={"HX-Request": "true"})
    body = found.get_data(as_text=True)
    assert "郑一" in body and "吴十" not in body and "13333334444" not in body  # masked
    tapped = client.post(f"/marketing/signups/{target.id}/check-in", headers={"HX-Request": "true"})
    assert tapped.status_code == 200 and 'data-testid="checked-in"' in tapped.get_data(as_text=True)
    assert "campaignSignupCheckedIn" in tapped.headers["HX-Trigger"]
    db.session.refresh(target)
    assert target.checked_in_at is not None and target.visit_id is not None


def test_a_receptionist_reads_but_does_not_check_in(client_as, store):
    row = mk.campaign(store, status="running")
    signup = mk.signup(row)
    client, _user = client_as("receptionist")
    page = client.get(f"/marketing/campaigns/{row.id}/check-in").get_data(as_text=True)
    assert "报名人" in page and 'data-testid="check-in"' not in page
    assert client.post(f"/marketing/signups/{signup.id}/check-in").status_code == 403
    assert client_as("sales_consultant")[0].get("/marketing/campaigns").status_code == 403


def test_bulk_send_preview_counts_then_sends_with_progress(client_as, store):
    template = mk.template(store, body="{客户姓名}：本周末到店有礼")
    vips = [factories.CustomerFactory(store=store, level="vip", name=f"贵宾{n}") for n in range(3)]
    factories.CustomerFactory(store=store, level="prospect")
    client, _user = client_as("marketing")
    preview = client.post("/marketing/sends/new", data={"template_id": template.id, "levels": ["vip"]})
    body = preview.get_data(as_text=True)
    assert "目标客户 3 位，其中同意接收营销消息的 0 位会收到" in body and f"{vips[0].name}：本周末到店有礼" in body
    assert db.session.execute(sa.select(BulkSend)).first() is None
    sent = client.post("/marketing/sends/new", data={"template_id": template.id, "levels": ["vip"], "confirm": "y"})
    assert sent.status_code == 303
    send = db.session.execute(sa.select(BulkSend)).scalar_one()
    progress = client.get(f"/marketing/sends/{send.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="bulk-processed">3 / 3' in progress and "hx-trigger" not in progress  # done: stops polling
