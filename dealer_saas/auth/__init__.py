"""Sign-in, sign-out, passwords, store switching and language choice."""

from flask import Blueprint, Flask

bp = Blueprint("auth", __name__)

from . import models, views  # noqa: E402,F401

#: endpoints a user who must change their password may still reach
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "auth.login", "auth.set_language", "static"}


def init_app(app: Flask) -> None:
    """After an admin reset (or a first sign-in), nothing but the password change is reachable."""
    from flask import request, url_for
    from flask_login import current_user

    from ..web import htmx_response

    @app.before_request
    def _force_password_change():
        if request.endpoint in _ALLOWED_BEFORE_PASSWORD_CHANGE or request.endpoint is None:
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            from flask import redirect

            target = url_for("auth.change_password")
            if request.htmx:
                return htmx_response("", 200, redirect_to=target)
            return redirect(target, code=303)
        return None
