"""Security headers: a Content-Security-Policy without inline scripts (and templates that
need none), HSTS in production only, no-store on everything a signed-in user is shown."""

from __future__ import annotations

import re

from flask import current_app

from dealer_saas.config import ROOT

from ..auth.helpers import config

CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_content_security_policy_on_pages_fragments_and_errors(client_as):
    anonymous = current_app.test_client()
    client, _user = client_as("sales_consultant")
    for response in (
        anonymous.get("/login"),
        client.get("/"),
        client.get("/customers/", headers={"HX-Request": "true"}),
        client.get("/no-such-page"),
    ):
        directives = _csp(response)
        for name, value in CSP_DIRECTIVES.items():
            assert directives.get(name) == value, (response.request.path, name, directives)
        assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in directives["script-src"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_in_production(client_as):
    client, _user = client_as("sales_consultant")
    assert "Strict-Transport-Security" not in client.get("/").headers
    with config(PRODUCTION=True):
        assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert current_app.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_store_on_everything_a_signed_in_user_is_shown(client_as):
    client, _user = client_as("sales_consultant")
    for response in (
        client.get("/"),
        client.get("/customers/"),
        client.get("/customers/", headers={"HX-Request": "true"}),
        client.get("/leads/my-day"),
    ):
        assert response.status_code == 200, response.request.path
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    # static files and the plain login page may be cached
    static = client.get("/static/js/app.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    assert "no-store" not in current_app.test_client().get("/login").headers.get("Cache-Control", "")


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_templates_have_no_inline_scripts_handlers_or_hx_on():
    """The policy blocks inline scripts, inline handlers and eval (hx-on needs eval)."""
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (_INLINE_SCRIPT, _HANDLER, re.compile(r"hx-on", re.I), re.compile(r"javascript:", re.I)):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(0)!r}")
    assert offenders == []


def test_pipeline_and_confirmations_use_static_scripts(client_as):
    client, _user = client_as("sales_manager")
    page = client.get("/leads/pipeline").get_data(as_text=True)
    assert "/static/js/pipeline.js" in page and "fetch(" not in page
    script = (ROOT / "static" / "js" / "pipeline.js").read_text(encoding="utf-8")
    assert "htmx.ajax(" in script
    app_js = (ROOT / "static" / "js" / "app.js").read_text(encoding="utf-8")
    assert "data-confirm" in app_js and "data-autosubmit" in app_js and "data-print" in app_js
