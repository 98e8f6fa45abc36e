"""Server-side session records (issue 14, security item 7): a copy of the session cookie
taken before logout, a password change, an admin reset or a deactivation no longer works
afterwards; the record keeps only the token's hash, with when, where from and what browser."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import select

from dealer_saas.auth import sessions
from dealer_saas.auth.models import UserSession
from dealer_saas.extensions import db

from .. import factories
from ..conftest import count_queries
from .helpers import form_login

COOKIE = "session"


def _signed_in(username: str):
    client = current_app.test_client()
    response = form_login(client, username, factories.PASSWORD, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT="Phone/1.0")
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    return client


def _copy_of(client):
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = current_app.test_client()
    thief.set_cookie(COOKIE, client.get_cookie(COOKIE).value, domain="localhost")
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    return thief


def _records(user_id: int) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.execute(select(UserSession).where(UserSession.user_id == user_id)).scalars())


def test_sign_in_keeps_a_hashed_record_with_address_and_browser(store):
    user = factories.user_with_role("sales_consultant", store, username="rec.user")
    db.session.commit()
    client = _signed_in("rec.user")
    (record,) = _records(user.id)
    with client.session_transaction() as session:
        token = session[sessions.SESSION_KEY]
    assert record.token_hash == sessions.hash_token(token) and token not in record.token_hash
    assert record.ip == "10.1.2.3" and record.user_agent == "Phone/1.0" and record.revoked_at is None


def test_a_cookie_copied_before_logout_is_refused_afterwards(store):
    user = factories.user_with_role("sales_consultant", store, username="copy.logout")
    db.session.commit()
    client = _signed_in("copy.logout")
    thief = _copy_of(client)
    assert client.post("/logout").status_code == 303
    assert thief.get("/").status_code == 302  # back to the sign-in page
    assert thief.get("/customers/", headers={"HX-Request": "true"}).status_code in (302, 401)
    (record,) = _records(user.id)
    assert record.revoked_at is not None
    # signing in again starts a new record; the old copy stays dead
    again = _signed_in("copy.logout")
    assert again.get("/").status_code == 200 and thief.get("/").status_code == 302
    assert len([r for r in _records(user.id) if r.revoked_at is None]) == 1


def test_a_password_change_ends_every_copy_but_this_browser_goes_on(store):
    user = factories.user_with_role("sales_consultant", store, username="copy.password")
    db.session.commit()
    client = _signed_in("copy.password")
    thief = _copy_of(client)
    other_device = _signed_in("copy.password")
    response = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": "Better456", "confirm": "Better456"},
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert thief.get("/").status_code == 302 and other_device.get("/").status_code == 302
    live = [r for r in _records(user.id) if r.revoked_at is None]
    assert len(live) == 1  # the new session of the browser that changed it


def test_an_admin_reset_and_a_deactivation_end_every_copy(client_as, store):
    admin, _ = client_as("store_manager")
    reset = factories.user_with_role("sales_consultant", store, username="copy.reset")
    gone = factories.user_with_role("sales_consultant", store, username="copy.gone")
    db.session.commit()
    reset_copy = _copy_of(_signed_in("copy.reset"))
    gone_copy = _copy_of(_signed_in("copy.gone"))
    assert admin.post(f"/admin/users/{reset.id}/reset-password").status_code == 200
    assert reset_copy.get("/").status_code == 302
    assert admin.post(f"/admin/users/{gone.id}/active", data={"active": "0"}).status_code == 303
    assert gone_copy.get("/").status_code == 302
    assert all(r.revoked_at is not None for r in _records(reset.id) + _records(gone.id))
    # reactivating the account does not bring an old cookie back
    assert admin.post(f"/admin/users/{gone.id}/active", data={"active": "1"}).status_code == 303
    assert gone_copy.get("/").status_code == 302


def test_a_cookie_without_a_record_or_with_a_forged_token_is_refused(client_as):
    client, _user = client_as("sales_consultant")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session[sessions.SESSION_KEY] = "forged-token"
    assert client.get("/").status_code == 302
    with client.session_transaction() as session:
        session.pop(sessions.SESSION_KEY, None)
    assert client.get("/").status_code == 302


def test_last_seen_is_written_now_and_then_not_on_every_request(client_as):
    client, user = client_as("sales_consultant")
    (record,) = _records(user.id)
    record.last_seen_at = record.last_seen_at - dt.timedelta(hours=1)
    db.session.commit()
    before = record.last_seen_at
    with count_queries() as statements:
        assert client.get("/account/password").status_code == 200
    assert any(s.lstrip().upper().startswith("UPDATE USER_SESSIONS") for s in statements)
    (record,) = _records(user.id)
    assert record.last_seen_at > before
    with count_queries() as statements:
        assert client.get("/account/password").status_code == 200
    assert len(statements) == 1  # fresh: the user's one statement and no write
