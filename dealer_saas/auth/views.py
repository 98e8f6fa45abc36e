from __future__ import annotations

import datetime as dt

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh as refresh_babel
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import HTTPException

from .. import audit, events
from ..shell import ALL_STORES
from ..web import htmx_response, login_only, public, redirect_to, safe_next
from . import bp, captcha, services, sessions
from .forms import ChangePasswordForm, LoginForm


def _throttle() -> services.Throttle:
    config = current_app.config
    return services.Throttle(
        captcha_after_per_account=config["LOGIN_CAPTCHA_AFTER_FAILURES_PER_ACCOUNT"],
        captcha_after_per_ip=config["LOGIN_CAPTCHA_AFTER_FAILURES_PER_IP"],
        window=dt.timedelta(seconds=config["LOGIN_FAILURE_WINDOW_SECONDS"]),
    )


def _client_ip() -> str:
    """The client's address: the proxy's X-Forwarded-For only with TRUSTED_PROXIES set
    (ProxyFix, dealer_saas/keys.py), otherwise the socket's peer."""
    return request.remote_addr or ""


@bp.before_app_request
def _sign_out_frozen():
    """A frozen account (too many customer records opened in an hour) is signed out on its
    next request, on every device, until an admin unfreezes it."""
    if request.endpoint == "static" or not current_user.is_authenticated or current_user.frozen_at is None:
        return None
    audit.record(
        "logout", "users", current_user.id, org_id=current_user.org_id, user_id=current_user.id, summary="frozen"
    )
    logout_user()
    session.clear()
    flash(services.frozen_message(), "error")
    return redirect_to(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Sign in with username and password; after repeated failures for the account or the
    address, also with the captcha."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm(next=request.args.get("next", ""))
    ip, throttle = _client_ip(), _throttle()
    if form.validate_on_submit():
        needed = services.captcha_needed(form.username.data, ip, throttle)
        solved = needed and captcha.check(form.captcha.data)
        try:
            if needed and not solved:
                if form.captcha.data:
                    raise services.CaptchaRequired(_("验证码不正确，请重新输入。"))
                raise services.CaptchaRequired(_("登录失败次数较多，请输入图中算式的结果。"))
            user = services.authenticate(form.username.data, form.password.data, ip, throttle, captcha_solved=solved)
        except services.CaptchaRequired as error:
            form.captcha.errors.append(str(error))
            return _login_page(form, captcha_shown=True)
        except services.AuthError as error:
            form.password.errors.append(str(error))
            # The failed attempt is recorded and committed: it counts toward the captcha.
            return _login_page(form, captcha_shown=services.captcha_needed(form.username.data, ip, throttle))
        session.clear()
        login_user(user)
        session[sessions.SESSION_KEY] = sessions.start(
            user.id, request.remote_addr or "", request.user_agent.string or ""
        )
        target = safe_next(form.next.data, url_for("dashboard.index"))
        if user.must_change_password:
            flash(_("请先设置新密码。"), "warning")
            target = url_for("auth.change_password")
        return redirect_to(target)
    return _login_page(form, captcha_shown=bool(ip) and services.captcha_needed("", ip, throttle))


def _login_page(form: LoginForm, *, captcha_shown: bool) -> Response:
    form.captcha.data = ""
    response = make_response(render_template("auth/login.html", form=form, captcha_shown=captcha_shown))
    if captcha_shown:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login/captcha.png")
@public
def login_captcha():
    """A fresh captcha image for this session (each one answers once)."""
    response = make_response(captcha.new_challenge())
    response.mimetype = "image/png"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Sign out (POST only, with the CSRF token, so a link cannot sign anyone out)."""
    if current_user.is_authenticated:
        audit.record("logout", "users", current_user.id, org_id=current_user.org_id, user_id=current_user.id)
    sessions.revoke(session.get(sessions.SESSION_KEY))  # a copy of the cookie ends too
    logout_user()
    session.clear()
    return redirect_to(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_only
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except services.WrongCurrentPassword as error:
            form.current_password.errors.append(str(error))
        except services.PasswordRuleError as error:
            form.new_password.errors.append(str(error))
        else:
            # The change ended every session of the user (and the id changed with the
            # password stamp): this browser goes on in a new one.
            login_user(current_user._get_current_object())
            session[sessions.SESSION_KEY] = sessions.start(
                current_user.id, request.remote_addr or "", request.user_agent.string or ""
            )
            flash(_("密码已修改。"), "success")
            return redirect_to(url_for("dashboard.index"))
    return render_template("auth/change_password.html", form=form)


def _same_page_in_new_store(path: str | None) -> str:
    """Where the user lands after switching stores: the same screen (a list, a board, the
    settings) when it names no row, else the dashboard (a row belongs to the old store).
    Query arguments (filters, pages) are dropped: they may name the old store's rows."""
    home = url_for("dashboard.index")
    path = safe_next(path, home).split("?", 1)[0]
    try:
        endpoint, arguments = current_app.url_map.bind("").match(path, method="GET")
    except HTTPException:
        return home
    if arguments or endpoint in ("auth.switch_store", "static") or endpoint.startswith("public"):
        return home
    return path


@bp.route("/switch-store", methods=["POST"])
@login_only
def switch_store():
    """Make another of the user's stores (or "all stores") active; audit-logged."""
    choice = request.form.get("store_id", "")
    access = g.access
    before = session.get("store_id")
    if choice == ALL_STORES:
        if not access.can_rollup:
            abort(403)
        session["store_id"] = ALL_STORES
        org_store = None
    else:
        try:
            store_id = int(choice)
        except ValueError:
            abort(404)
        if store_id not in {s.id for s in access.stores}:
            abort(404)
        session["store_id"] = store_id
        org_store = store_id
    refresh_babel()  # the time zone follows the store
    audit.record(
        "switch_store",
        "stores",
        org_store,
        store_id=org_store,
        org_id=current_user.org_id,
        before={"store": before},
        after={"store": session["store_id"]},
    )
    target = _same_page_in_new_store(request.form.get("next"))
    if request.htmx:
        return htmx_response(
            "",
            200,
            location={"path": target, "target": "body"},
            trigger={events.STORE_SWITCHED: {"store": session["store_id"]}},
        )
    return redirect(target, code=303)


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """Switch the interface language (remembered for the session and on the user)."""
    language = request.form.get("language", "zh")
    if language not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = language
    if current_user.is_authenticated:
        current_user.locale = language
    refresh_babel()  # the cached locale must not outlive the choice
    return redirect_to(safe_next(request.form.get("next"), url_for("dashboard.index")))
