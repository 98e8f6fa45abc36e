"""The outbox page: the store's messages only, filters, detail, masked phones."""

from __future__ import annotations

from dealer_saas import tenancy
from dealer_saas.messaging import services

from .. import factories
from ..conftest import login


def _queue(store, channel, recipient, body, key, **extra):
    with tenancy.enter(store.id):
        return services.queue_message(channel, recipient, body, key=key, enqueue=False, **extra)


def test_outbox_lists_only_the_stores_messages_and_a_foreign_id_is_404(db_session, app):
    t = factories.two_tenants()
    mine = _queue(t.a1, "sms", "13900000001", "本店消息正文", "k1")
    sister = _queue(t.a2, "sms", "13900000002", "姐妹店消息正文", "k1")
    foreign = _queue(t.b1, "email", "b@example.com", "外集团消息正文", "k1")
    manager = factories.user_with_role("store_manager", t.a1)
    client = login(app.test_client(), manager, t.a1)
    response = client.get("/messaging/outbox")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "本店消息正文" in body and "姐妹店消息正文" not in body and "外集团消息正文" not in body
    detail = client.get(f"/messaging/outbox/{mine.id}")
    assert detail.status_code == 200 and "本店消息正文" in detail.get_data(as_text=True)
    for other in (sister, foreign):
        response = client.get(f"/messaging/outbox/{other.id}")
        assert response.status_code == 404 and "消息正文" not in response.get_data(as_text=True)


def test_filters_by_channel_status_and_recipient(db_session, app, store):
    _queue(store, "sms", "13900000001", "短信一", "a")
    _queue(store, "sms", "13800000002", "短信二", "b")
    _queue(store, "email", "wang@example.com", "邮件一", "c")
    sent = _queue(store, "wechat", "openid-x", "微信一", "d")
    with tenancy.enter(store.id):
        services.deliver_message(sent.id)
    manager = factories.user_with_role("store_manager", store)
    client = login(app.test_client(), manager, store)

    def shown(query: str) -> set[str]:
        body = client.get(f"/messaging/outbox?{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert 'id="outbox-list"' in body and "<html" not in body
        return {b for b in ("短信一", "短信二", "邮件一", "微信一") if b in body}

    assert shown("channel=sms") == {"短信一", "短信二"}
    assert shown("status=sent") == {"微信一"}
    assert shown("q=1390") == {"短信一"}
    assert shown("q=139+0000+0001") == {"短信一"}
    assert shown("q=WANG@") == {"邮件一"}
    assert shown("channel=bogus&status=bogus") == {"短信一", "短信二", "邮件一", "微信一"}


def test_phone_numbers_are_masked_without_the_pii_permission(db_session, client_as, store):
    _queue(store, "sms", "13912345678", "内容", "m1")
    care, _user = client_as("care_agent")
    body = care.get("/messaging/outbox").get_data(as_text=True)
    assert "139****5678" in body and "13912345678" not in body
    manager, _user = client_as("store_manager")
    assert "13912345678" in manager.get("/messaging/outbox").get_data(as_text=True)


def test_consultants_cannot_open_the_outbox(client_as):
    client, _user = client_as("sales_consultant")
    assert client.get("/messaging/outbox").status_code == 403
