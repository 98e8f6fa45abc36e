"""The sign-in captcha that replaced the hard lock: shown after repeated failures per account
and per address, drawn by our own code, single use; X-Forwarded-For only behind trusted
proxies; an admin reset lifts it; unknown names cost a real argon2 verification; password
length cap and the common-passwords list for new passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from flask import Flask, current_app, request
from sqlalchemy import func, select

from dealer_saas import create_app, tenancy
from dealer_saas.auth import captcha, services
from dealer_saas.auth.models import LoginCaptcha
from dealer_saas.extensions import db
from dealer_saas.keys import trust_proxies

from .. import factories
from .helpers import config, form_login

ANSWER = "42"


@pytest.fixture(autouse=True)
def known_answer(monkeypatch):
    monkeypatch.setattr(captcha, "_random_challenge", lambda: ("12+30=?", ANSWER))


def _user(store, username, **fields):
    user = factories.user_with_role("sales_consultant", store, username=username, **fields)
    db.session.commit()
    return user


def _fail(client, username, times, **environ):
    for n in range(times):
        body = form_login(client, username, f"wrong{n}pass", **environ).get_data(as_text=True)
        assert "用户名或密码不正确" in body or "验证码" in body


def _post(client, username, password, answer=None, **environ):
    data = {"username": username, "password": password}
    if answer is not None:
        data["captcha"] = answer
    return client.post("/login", data=data, environ_base=environ)


def test_captcha_after_three_failures_then_right_password_and_answer_sign_in(store):
    _user(store, "cap1")
    client = current_app.test_client()
    _fail(client, "cap1", 2)
    second = form_login(client, "cap1", factories.PASSWORD)  # two failures: no captcha yet
    assert second.status_code == 303
    client = current_app.test_client()
    _fail(client, "cap1", 2)
    body = form_login(client, "cap1", "wrong-3rd-1").get_data(as_text=True)  # the third failure
    assert 'data-testid="login-captcha"' in body and "/login/captcha.png" in body
    page = client.get("/login").get_data(as_text=True)
    assert 'data-testid="login-captcha"' not in page  # the address alone is below its threshold
    refused = _post(client, "cap1", factories.PASSWORD)  # right password, no captcha: refused
    assert refused.status_code == 200 and "请输入图中算式的结果" in refused.text
    client.get("/login/captcha.png")
    wrong = _post(client, "cap1", factories.PASSWORD, "41")
    assert wrong.status_code == 200 and "验证码不正确" in wrong.text
    client.get("/login/captcha.png")
    assert _post(client, "cap1", factories.PASSWORD, ANSWER).status_code == 303
    # a success starts the account's count again
    other = current_app.test_client()
    _fail(other, "cap1", 2)
    assert _post(other, "cap1", factories.PASSWORD).status_code == 303


def test_the_image_is_our_own_png_never_cached_and_each_answers_once(store):
    _user(store, "cap2")
    client = current_app.test_client()
    _fail(client, "cap2", 3)
    image = client.get("/login/captcha.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n") and b"IHDR" in image.data
    assert image.headers["Cache-Control"] == "no-store"
    with client.session_transaction() as session:
        challenge = session[captcha.SESSION_KEY]
        saved_cookie = dict(session)
    row = db.session.get(LoginCaptcha, challenge)
    assert row is not None and len(row.answer_hash) == 64  # a keyed hash, not the answer
    assert ANSWER not in saved_cookie.values()  # the signed (readable) cookie holds only the id
    # a second image replaces the first challenge
    client.get("/login/captcha.png")
    assert db.session.execute(select(func.count()).select_from(LoginCaptcha)).scalar_one() == 1
    with client.session_transaction() as session:
        current = session[captcha.SESSION_KEY]
    assert _post(client, "cap2", "still-wrong1", ANSWER).status_code == 200  # captcha used, password wrong
    # replaying the cookie with the solved challenge finds nothing
    with client.session_transaction() as session:
        session[captcha.SESSION_KEY] = current
    replay = _post(client, "cap2", factories.PASSWORD, ANSWER)
    assert replay.status_code == 200 and "验证码不正确" in replay.text
    assert db.session.get(LoginCaptcha, current) is None


def test_the_image_draws_the_question():
    png = captcha.render("12+30=?")
    assert png.startswith(b"\x89PNG") and len(png) > 500
    assert captcha.render("12+30=?") != png  # random noise and placement every time


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(store):
    _user(store, "cap3")
    with config(LOGIN_CAPTCHA_AFTER_FAILURES_PER_IP=3):
        for n in range(3):  # a client cannot dodge the address count with a made-up header
            form_login(current_app.test_client(), f"nobody{n}", "wrong-pass1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        response = _post(current_app.test_client(), "cap3", factories.PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert response.status_code == 200 and "请输入图中算式的结果" in response.text

    bare = Flask(__name__)

    @bare.route("/ip")
    def ip():
        return request.remote_addr

    headers = {"X-Forwarded-For": "198.51.100.7"}
    assert bare.test_client().get("/ip", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).text == "10.0.0.1"
    bare.config["TRUSTED_PROXIES"] = 1
    trust_proxies(bare)
    assert bare.test_client().get("/ip", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.1"}).text == (
        "198.51.100.7"
    )
    from werkzeug.middleware.proxy_fix import ProxyFix

    proxied = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TRUSTED_PROXIES": 1})
    assert isinstance(proxied.wsgi_app, ProxyFix)
    assert not isinstance(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).wsgi_app, ProxyFix)


def test_admin_reset_lifts_the_captcha_for_that_account(store):
    user = _user(store, "cap4")
    client = current_app.test_client()
    _fail(client, "cap4", 5)
    assert "请输入图中算式的结果" in _post(client, "cap4", factories.PASSWORD).text
    with tenancy.enter(store.id):
        temporary = services.reset_password_by_admin(user)
    db.session.commit()
    response = _post(current_app.test_client(), "cap4", temporary)
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/password")


def test_unknown_names_cost_an_argon2_verification_too(store, monkeypatch):
    _user(store, "cap5")
    calls: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash_, password):
            calls.append(hash_)
            return super().verify(hash_, password)

    monkeypatch.setattr(services, "_hasher", Spy())
    client = current_app.test_client()
    assert "用户名或密码不正确" in form_login(client, "no-such-user", "whatever1").text
    assert len(calls) == 1 and calls[0].startswith("$argon2")
    assert "用户名或密码不正确" in form_login(client, "cap5", "whatever1").text
    assert len(calls) == 2 and calls[1] != calls[0]
    # an inactive account is verified as well (no early answer)
    _user(store, "cap5off", is_active=False)
    assert "用户名或密码不正确" in form_login(client, "cap5off", factories.PASSWORD).text
    assert len(calls) == 3


def test_password_length_is_capped(store, monkeypatch):
    user = _user(store, "cap6")
    verified = []

    class Spy(PasswordHasher):
        def verify(self, hash_, password):
            verified.append(hash_)
            return super().verify(hash_, password)

    monkeypatch.setattr(services, "_hasher", Spy())
    long = "a1" * 65  # 130 characters
    response = form_login(current_app.test_client(), "cap6", long)
    assert response.status_code == 200 and "不能超过 128 位" in response.text and not verified
    with pytest.raises(services.PasswordRuleError, match="128"):
        services.set_password(user, long)
    services.check_password_rules("a1" * 64)  # 128 is fine


def test_common_passwords_are_refused_when_set_but_still_sign_in(client_as, store):
    assert len(services.common_passwords()) >= 1000
    for common in ("password123", "Password1", "abc12345", "qwerty123", "Demo1234", "woaini1314", "1qaz2wsx"):
        with pytest.raises(services.PasswordRuleError, match="太常见"):
            services.check_password_rules(common)
    client, user = client_as("sales_consultant")
    response = client.post(
        "/account/password",
        data={"current_password": factories.PASSWORD, "new_password": "Welcome123", "confirm": "Welcome123"},
    )
    assert response.status_code == 200 and "太常见" in response.text
    # a password on the list that was set before (the demo's Demo1234) still signs in
    from dealer_saas.demo import DEMO_PASSWORD

    _user(store, "cap7", password_hash=services.hash_password(DEMO_PASSWORD))
    assert form_login(current_app.test_client(), "cap7", DEMO_PASSWORD).status_code == 303
