"""Request plumbing every module uses: the one commit per request, after-commit effects,
the permission decorator, page-or-fragment rendering for htmx, and what comes in by URL:
ids in paths (the ``int`` converter) and query arguments (clean text, bounded ids).

This is the only place that commits in a request, and the one wrapper around htmx-flask.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Flask, Response, abort, current_app, g, redirect, render_template, request, url_for
from flask import Request as FlaskRequest
from flask_login import current_user
from htmx_flask import make_response as htmx_make_response
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from .extensions import db
from .validation import DATE_MAX, DATE_MIN, ID_MAX, bounded_id, strip_controls

log = logging.getLogger(__name__)

# htmx-flask 0.1.0 misses a comma in its list of allowed HX-Reswap values, so
# "beforebegin" and "afterbegin" are refused; headers we set ourselves have no such gap.
_RESWAPS_HTMX_FLASK_REFUSES = {"beforebegin", "afterbegin"}


# --------------------------------------------------------------------------- commit


def after_commit(fn: Callable[[], Any]) -> None:
    """Run ``fn`` once the request's (or job's) transaction has committed: enqueues,
    messages, anything a worker or the outside world must not see before the commit."""
    g.setdefault("after_commit", []).append(fn)


def rollback_only() -> None:
    """Mark the request as failed (a domain error shown in a form): nothing is committed."""
    g.rollback_only = True


def keep_record(fn: Callable[[], Any]) -> None:
    """Run ``fn`` at the end of the request, before the commit, and also when the request's
    own changes are rolled back (then in a transaction of its own): for records of what a
    user was shown (the ``view_pii`` audit rows), which must exist whatever the request did."""
    g.setdefault("keep_records", []).append(fn)


def _write_kept_records() -> None:
    for fn in g.pop("keep_records", []):
        fn()


def commit_and_run_effects() -> None:
    """Commit the unit of work, then run what waited for the commit. Jobs call it too."""
    _write_kept_records()
    db.session.commit()
    effects = g.pop("after_commit", [])
    for effect in effects:
        effect()


def _commit_after_request(response: Response) -> Response:
    if response.status_code < 400 and not g.get("rollback_only"):
        commit_and_run_effects()
    else:
        db.session.rollback()
        g.pop("after_commit", None)
        if g.get("keep_records"):
            try:
                _write_kept_records()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("could not write the records kept for a failed request")
    return response


#: scripts only from our own files (no inline <script>, no on...= handlers, no eval: htmx's
#: allowEval is off in base.html); inline styles stay allowed (style="" attributes, htmx's
#: indicator styles); images from us or data: URIs (Bootstrap's form icons)
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    )
)
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if current_app.config.get("PRODUCTION"):
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    # Anything a signed-in user is shown may carry customer data: no cache keeps it (shared
    # computers in the showroom, the back button after sign-out). Static files may cache.
    if request.endpoint != "static" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    # before any blueprint registers: rules look their converters up when they are added
    app.url_map.converters["int"] = IdConverter
    # on top of the request class htmx-flask installs (request.htmx)
    app.request_class = type("Request", (CleanArgs, app.request_class), {})
    app.after_request(_commit_after_request)
    app.after_request(_security_headers)


# --------------------------------------------------------------------------- input


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: 1 .. 2**31 - 1, the ids an INTEGER column holds. A
    bigger number does not match the rule (a 404), so no query ever sees it."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = ID_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class CleanArgs(FlaskRequest):
    """Mixed into the app's request class: query arguments without control characters (a NUL in ``?q=`` would reach a
    PostgreSQL query and fail there); a search box's tabs and line breaks go too."""

    @cached_property
    def args(self):  # type: ignore[override]
        pairs = parse_qsl(self.query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
        return self.parameter_storage_class([(strip_controls(k), strip_controls(v)) for k, v in pairs])


def arg_date(name: str) -> dt.date | None:
    """The query argument ``name`` as an ISO date within DATE_MIN..DATE_MAX, or None."""
    try:
        day = dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if DATE_MIN <= day <= DATE_MAX else None


def arg_datetime(name: str) -> dt.datetime | None:
    """The query argument ``name`` as an ISO date and time within DATE_MIN..DATE_MAX, or None."""
    try:
        moment = dt.datetime.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return moment if DATE_MIN <= moment.date() <= DATE_MAX else None


def arg_id(name: str) -> int | None:
    """The query argument ``name`` as a row id (``?customer_id=12``), or None when missing
    or not an id (garbage, 0, a number no INTEGER column holds)."""
    return bounded_id(request.args.get(name))


# --------------------------------------------------------------------------- htmx


def wants_fragment() -> bool:
    """True for an htmx swap; boosted navigation and history restores want the page."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def htmx_response(
    body: Any = "",
    status: int = 200,
    *,
    trigger: str | dict | None = None,
    redirect_to: str | None = None,
    location: str | dict | None = None,
    retarget: str | None = None,
    reswap: str | None = None,
    push_url: str | None = None,
    refresh: bool = False,
) -> Response:
    """The one wrapper around ``htmx_flask.make_response``."""
    special_reswap = reswap if reswap in _RESWAPS_HTMX_FLASK_REFUSES else None
    response = htmx_make_response(
        body,
        status,
        trigger=trigger,
        redirect=redirect_to,
        location=location,
        retarget=retarget,
        reswap=None if special_reswap else reswap,
        push_url=push_url,
        refresh=refresh,
    )
    if special_reswap:
        response.headers["HX-Reswap"] = special_reswap
    return response


def render_htmx(
    page: str, partial: str, *, http_status: int = 200, trigger: str | dict | None = None, **context: Any
) -> Response:
    """Render the full page, or only its partial for an htmx swap. The page includes the
    partial, so the markup exists once; ``Vary`` keeps caches and the back button honest.
    Everything else in ``context`` goes to the template (a template's ``status`` is never
    taken for the HTTP status)."""
    template = partial if wants_fragment() else page
    response = htmx_response(render_template(template, **context), http_status, trigger=trigger)
    response.vary.add("HX-Request")
    return response


def redirect_to(url: str, *, trigger: str | dict | None = None) -> Response:
    """Move on after a successful POST: HX-Redirect for htmx, 303 otherwise."""
    if request.htmx:
        return htmx_response("", 200, redirect_to=url, trigger=trigger)
    return redirect(url, code=303)


def trigger(name: str, **payload: Any) -> dict[str, Any]:
    """An HX-Trigger value for one event with an id-only payload."""
    return {name: payload or True}


def merge_triggers(*triggers: dict[str, Any] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for t in triggers:
        if t:
            merged.update(t)
    return merged


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login: one leading "/", and no
    backslash or control character anywhere. Browsers read a backslash as "/" and drop tabs
    and newlines, so either could turn the path into "//host", another site."""
    if not target:
        return default
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


# --------------------------------------------------------------------------- access


def _login_response() -> Response:
    wanted = request.full_path.rstrip("?") if request.method == "GET" else None  # full_path ends in "?"
    target = url_for("auth.login", next=wanted if wanted != "/" else None)
    if request.htmx:
        return htmx_response("", 401, redirect_to=target)
    return redirect(target)


def permission_required(*permissions: str, write: bool = False, reads_only: bool = False) -> Callable:
    """Guard a view: anonymous users go to the login page, users whose active role lacks any
    of ``permissions`` get a 403. The read-only all-stores mode is refused for ``write=True``
    and for every POST, except a POST that changes no store data (``reads_only=True``: an
    export, posted for its CSRF token; it may still write the audit log).

    The view is stamped with ``view.permissions`` so the route sweep can prove that every
    module view is guarded.
    """

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return _login_response()
            from . import tenancy

            ctx = tenancy.maybe_current()
            if ctx is None or not all(ctx.can(p) for p in permissions):
                abort(403)
            posts = request.method not in ("GET", "HEAD") and not reads_only
            if (write or posts) and ctx.is_rollup:
                abort(403, description="rollup_read_only")
            return view(*args, **kwargs)

        wrapped.permissions = permissions  # type: ignore[attr-defined]
        wrapped.reads_only = reads_only  # type: ignore[attr-defined]
        return wrapped

    return decorator


def login_only(view: Callable) -> Callable:
    """For the few views every signed-in user may use (own profile, password)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _login_response()
        return view(*args, **kwargs)

    wrapped.permissions = ()  # type: ignore[attr-defined]
    return wrapped


def public(view: Callable) -> Callable:
    """Mark a view as deliberately open (login page, signed customer links)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def json_header(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False)
