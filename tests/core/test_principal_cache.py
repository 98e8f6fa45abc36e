"""The signed-in user without the ORM graph per request (issue 15): the shell keeps each
user's ``Access`` per worker process under fingerprints the database computes in the one
validating statement, so a change is seen by the very next request.

Every change here is written with plain SQL on the connection, as another worker process
(or an admin's request served by one) would write it: nothing in this process is told, so a
test passes only if the next request's own statement notices the change."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dealer_saas import shell
from dealer_saas.auth.models import UserSession
from dealer_saas.extensions import db
from dealer_saas.tenancy import Membership, Organisation, Role, Store, User

from .. import factories
from ..conftest import count_queries, login


def _sql(statement) -> None:
    """A change made elsewhere: Core SQL, committed, this process's ORM objects untouched."""
    db.session.connection().execute(statement)
    db.session.commit()
    db.session.expire_all()


def _custom_role_user(store, permissions: list[str]):
    role = Role(org_id=store.org_id, code="desk", name="前台", permissions=permissions)
    db.session.add(role)
    db.session.flush()
    user = factories.UserFactory(org_id=store.org_id)
    db.session.add(Membership(org_id=store.org_id, user_id=user.id, store_id=store.id, role_id=role.id))
    db.session.commit()
    return user, role


def _graph_loads(statements: list[str]) -> int:
    """Statements that load the memberships graph (a cache miss); the validating statement
    reads memberships only inside its fingerprint subqueries."""
    return sum(1 for s in statements if "LEFT OUTER JOIN memberships" in s)


def test_a_warm_user_costs_one_statement_and_a_change_one_more_once(app, store):
    user = factories.user_with_role("store_manager", store)
    db.session.commit()
    client = login(app.test_client(), user, store)
    assert client.get("/account/password").status_code == 200
    with count_queries() as warm:
        assert client.get("/account/password").status_code == 200
    assert _graph_loads(list(warm)) == 0
    _sql(sa.update(Store.__table__).where(Store.id == store.id).values(name="改过名的店"))
    with count_queries() as changed:
        page = client.get("/account/password").get_data(as_text=True)
    assert _graph_loads(list(changed)) == 1 and len(changed) == len(warm) + 1
    assert "改过名的店" in page
    with count_queries() as again:
        client.get("/account/password")
    assert _graph_loads(list(again)) == 0


def test_a_permission_removed_from_a_role_is_refused_on_the_next_request(app, store):
    user, role = _custom_role_user(store, ["customers.view"])
    client = login(app.test_client(), user, store)
    assert client.get("/customers/").status_code == 200
    _sql(sa.update(Role.__table__).where(Role.id == role.id).values(permissions=[]))
    assert client.get("/customers/").status_code == 403
    _sql(sa.update(Role.__table__).where(Role.id == role.id).values(permissions=["customers.view"]))
    assert client.get("/customers/").status_code == 200


def test_a_membership_removed_or_moved_is_seen_on_the_next_request(app, store):
    user, role = _custom_role_user(store, ["customers.view"])
    client = login(app.test_client(), user, store)
    assert client.get("/customers/").status_code == 200
    other = factories.StoreFactory(organisation=store.organisation, name="另一家店")
    db.session.commit()
    _sql(sa.update(Membership.__table__).where(Membership.user_id == user.id).values(store_id=other.id))
    page = client.get("/customers/")
    assert page.status_code == 200 and "另一家店" in page.get_data(as_text=True)
    with client.session_transaction() as session:
        assert session["store_id"] == other.id  # the old store is no longer the user's
    _sql(sa.delete(Membership.__table__).where(Membership.user_id == user.id))
    assert client.get("/customers/").status_code == 403


def test_a_store_deactivated_or_renamed_leaves_the_switcher_at_once(app, store):
    sibling = factories.StoreFactory(organisation=store.organisation, name="第二家店")
    user = factories.user_with_role("store_manager", store)
    db.session.add(
        Membership(org_id=store.org_id, user_id=user.id, store_id=sibling.id, role=factories.role("store_manager"))
    )
    db.session.commit()
    client = login(app.test_client(), user, store)
    assert "第二家店" in client.get("/").get_data(as_text=True)
    _sql(sa.update(Store.__table__).where(Store.id == sibling.id).values(name="新名字的店"))
    page = client.get("/").get_data(as_text=True)
    assert "新名字的店" in page and "第二家店" not in page
    _sql(sa.update(Store.__table__).where(Store.id == sibling.id).values(is_active=False))
    assert "新名字的店" not in client.get("/").get_data(as_text=True)
    assert client.post("/switch-store", data={"store_id": str(sibling.id)}).status_code == 404


def test_a_group_roles_new_store_and_time_zone_are_seen_at_once(app, store):
    factories.StoreFactory(organisation=store.organisation, code="S2")
    user = factories.user_with_role("group_manager", store, org_wide=True)
    db.session.commit()
    client = login(app.test_client(), user, store)
    assert "第三家店" not in client.get("/").get_data(as_text=True)
    added = factories.StoreFactory(organisation=store.organisation, name="第三家店", code="S3")
    db.session.commit()
    assert "第三家店" in client.get("/").get_data(as_text=True)
    before = shell._ACCESS_CACHE._items[user.id][0]
    _sql(sa.update(Store.__table__).where(Store.id == added.id).values(timezone="Asia/Urumqi"))
    client.get("/")
    assert shell._ACCESS_CACHE._items[user.id][0] != before
    assert {s.timezone for s in shell._ACCESS_CACHE._items[user.id][1].stores if s.id == added.id} == {"Asia/Urumqi"}


@pytest.mark.parametrize(
    "change",
    ["user_deactivated", "password_changed", "session_revoked", "organisation_deactivated"],
)
def test_the_user_and_session_rows_sign_out_on_the_next_request(app, store, change):
    user = factories.user_with_role("store_manager", store)
    db.session.commit()
    client = login(app.test_client(), user, store)
    assert client.get("/").status_code == 200
    users, sessions_, orgs = User.__table__, UserSession.__table__, Organisation.__table__
    statement = {
        "user_deactivated": sa.update(users).where(users.c.id == user.id).values(is_active=False),
        "password_changed": sa.update(users)
        .where(users.c.id == user.id)
        .values(password_changed_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
        "session_revoked": sa.update(sessions_)
        .where(sessions_.c.user_id == user.id)
        .values(revoked_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
        "organisation_deactivated": sa.update(orgs).where(orgs.c.id == store.org_id).values(is_active=False),
    }[change]
    _sql(statement)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_cache_is_bounded_and_keyed_by_every_input():
    cache = shell._AccessCache(2)
    a, b = shell.Access(group_permissions=frozenset({"a"})), shell.Access(group_permissions=frozenset({"b"}))
    cache.put(1, ("k",), a)
    cache.put(2, ("k",), b)
    assert cache.get(1, ("k",)) is a and cache.get(1, ("other",)) is None
    cache.put(3, ("k",), b)  # 2 was the least recently used
    assert cache.get(2, ("k",)) is None and cache.get(1, ("k",)) is a and cache.get(3, ("k",)) is b
