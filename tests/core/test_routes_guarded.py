"""Every module view carries an access decision: a permission, sign-in only, or public."""

from __future__ import annotations

from dealer_saas.permissions import ALL_PERMISSIONS

#: endpoints that are deliberately public: Flask's static files
ALLOWED_UNSTAMPED = {"static"}


def test_every_view_is_guarded_or_explicitly_public(app):
    unguarded = []
    unknown = []
    for endpoint, view in app.view_functions.items():
        if endpoint in ALLOWED_UNSTAMPED or getattr(view, "is_public", False):
            continue
        permissions = getattr(view, "permissions", None)
        if permissions is None:
            unguarded.append(endpoint)
        else:
            unknown += [f"{endpoint}: {p}" for p in permissions if p not in ALL_PERMISSIONS]
    assert not unguarded, f"views without @permission_required/@login_only/@public: {unguarded}"
    assert not unknown, f"views naming unknown permissions: {unknown}"


def test_anonymous_users_are_sent_to_sign_in(app, client):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if (
            rule.arguments
            or "GET" not in rule.methods
            or getattr(view, "is_public", False)
            or rule.endpoint == "static"
        ):
            continue
        response = client.get(rule.rule)
        assert response.status_code == 302 and "/login" in response.headers["Location"], rule.rule
        htmx = client.get(rule.rule, headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and "/login" in htmx.headers["HX-Redirect"], rule.rule
