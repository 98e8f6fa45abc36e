"""Changing one's password (rules, wrong current password, other sessions end) and the
admin reset that forces a change at the next sign-in."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.auth import services
from dealer_saas.extensions import db
from dealer_saas.tenancy import User

from .. import factories
from ..conftest import login
from .helpers import form_login


def test_change_password_rules_and_wrong_current_password(client_as):
    client, user = client_as("sales_consultant")
    response = client.post(
        "/account/password", data={"current_password": "nope-123", "new_password": "Better456", "confirm": "Better456"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "当前密码不正确" in body
    assert (
        body.index('id="field-current_password"') < body.index("当前密码不正确") < body.index('id="field-new_password"')
    )
    for weak, message in (
        ("short1", "至少需要"),
        ("onlyletters", "同时包含字母和数字"),
        ("1234567890", "同时包含字母和数字"),
    ):
        response = client.post(
            "/account/password", data={"current_password": factories.PASSWORD, "new_password": weak, "confirm": weak}
        )
        assert message in response.get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": "Better456", "confirm": "Other456"},
    )
    assert "两次输入的密码不一致" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert services.verify_password(user, factories.PASSWORD)


def test_change_password_ends_other_sessions(client_as, store):
    client, user = client_as("sales_consultant")
    other = login(current_app.test_client(), user, store)
    assert other.get("/").status_code == 200
    response = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": "Better456", "confirm": "Better456"},
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200  # this session carries on with the new stamp
    assert other.get("/").status_code == 302  # the other one is signed out
    db.session.refresh(user)
    assert services.verify_password(user, "Better456") and not user.must_change_password


def test_admin_reset_forces_a_change_at_next_sign_in(store):
    user = factories.user_with_role("sales_consultant", store, username="resetme")
    with tenancy.enter(store.id):
        temporary = services.reset_password_by_admin(user)
    db.session.commit()
    client = current_app.test_client()
    assert form_login(client, "resetme", factories.PASSWORD).status_code == 200  # old password gone
    response = form_login(client, "resetme", temporary)
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/password")
    # nothing else is reachable until the password is changed
    blocked = client.get("/")
    assert blocked.status_code == 303 and blocked.headers["Location"].endswith("/account/password")
    assert client.get("/", headers={"HX-Request": "true"}).headers["HX-Redirect"].endswith("/account/password")
    response = client.post(
        "/account/password", data={"current_password": temporary, "new_password": "Mine12345", "confirm": "Mine12345"}
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert not db.session.execute(select(User.must_change_password).where(User.id == user.id)).scalar_one()


def test_deactivated_user_is_signed_out(client_as):
    client, user = client_as("sales_consultant")
    user.is_active = False
    db.session.commit()
    assert client.get("/").status_code == 302
    assert "用户名或密码不正确" in form_login(current_app.test_client(), user.username, factories.PASSWORD).get_data(
        as_text=True
    )
