"""The in-app inbox: notify once per user and key, the bell's count, open and mark read,
and nobody sees another user's or another store's notifications."""

from __future__ import annotations

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.notifications.models import Notification
from dealer_saas.notifications.services import notify

from .. import factories
from ..conftest import login


def test_notify_reaches_the_permission_holders_of_the_store_once_per_key(db_session, app):
    t = factories.two_tenants()
    manager = factories.user_with_role("store_manager", t.a1)
    group = factories.user_with_role("group_manager", None, org_wide=True, org_id=t.a1.org_id)
    consultant = factories.user_with_role("sales_consultant", t.a1)
    sister_manager = factories.user_with_role("store_manager", t.a2)
    with tenancy.enter(t.a1.id):
        first = notify(kind="test.thing", title="投诉超时", key="complaint:1:accept", permission="admin.audit")
        again = notify(kind="test.thing", title="投诉超时", key="complaint:1:accept", permission="admin.audit")
        direct = notify(kind="test.thing", title="给顾问", key="k2", user_ids=[consultant.id])
    rows = db.session.execute(db.select(Notification.user_id, Notification.key)).all()
    told = {user_id for user_id, key in rows if key == "complaint:1:accept"}
    assert first == 2 and again == 0 and direct == 1
    assert told == {manager.id, group.id}  # not the consultant, not the sister store's manager
    assert sister_manager.id not in {user_id for user_id, _key in rows}


def test_notify_never_tells_a_user_of_another_organisation(db_session, app):
    t = factories.two_tenants()
    outsider = factories.user_with_role("store_manager", t.b1)
    with tenancy.enter(t.a1.id):
        assert notify(kind="x", title="t", key="k", user_ids=[outsider.id]) == 0


def test_bell_inbox_open_and_mark_read(db_session, app):
    t = factories.two_tenants()
    manager = factories.user_with_role("store_manager", t.a1)
    other = factories.user_with_role("store_manager", t.a1)
    with tenancy.enter(t.a1.id):
        notify(kind="x", title="配件低于安全库存", key="a", link="/customers/", user_ids=[manager.id])
        notify(kind="x", title="投诉即将超时", key="b", user_ids=[manager.id])
        notify(kind="x", title="别人的通知", key="c", user_ids=[other.id])
    with tenancy.enter(t.a2.id):
        notify(kind="x", title="姐妹店的通知", key="d", user_ids=[manager.id])
    client = login(app.test_client(), manager, t.a1)
    bell = client.get("/notifications/bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="unread-count">2<' in bell and "<html" not in bell
    page = client.get("/notifications/").get_data(as_text=True)
    assert "配件低于安全库存" in page and "投诉即将超时" in page
    assert "别人的通知" not in page and "姐妹店的通知" not in page
    mine = db.session.execute(db.select(Notification).where(Notification.key == "a")).scalar_one()
    theirs = db.session.execute(db.select(Notification).where(Notification.key == "c")).scalar_one()
    assert client.post(f"/notifications/{theirs.id}/open").status_code == 404
    opened = client.post(f"/notifications/{mine.id}/open")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/customers/")
    db.session.expire_all()
    assert mine.read_at is not None and theirs.read_at is None
    assert 'data-testid="unread-count">1<' in client.get("/notifications/bell").get_data(as_text=True)
    client.post("/notifications/read")
    assert "unread-count" not in client.get("/notifications/bell").get_data(as_text=True)
    db.session.expire_all()
    sister = db.session.execute(db.select(Notification).where(Notification.key == "d")).scalar_one()
    assert sister.read_at is None  # marking read in store A1 leaves A2's alone


def test_a_link_outside_the_app_is_not_followed(db_session, app, store):
    manager = factories.user_with_role("store_manager", store)
    with tenancy.enter(store.id):
        notify(kind="x", title="t", key="evil", link="https://evil.example/", user_ids=[manager.id])
    row = db.session.execute(db.select(Notification)).scalar_one()
    client = login(app.test_client(), manager, store)
    response = client.post(f"/notifications/{row.id}/open")
    assert response.status_code == 303 and "evil.example" not in response.headers["Location"]
