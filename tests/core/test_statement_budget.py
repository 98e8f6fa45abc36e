"""At most four SQL statements per page or fragment (issue 15).

Walks ``app.url_map`` for every GET page without URL arguments (lists, forms, boards), opens
it as a full page and as the htmx fragment (``HX-Request: true``) with demo rows in the
store, and counts the statements the request sends (``before_cursor_execute`` on the
engine; the test's savepoints are not counted). The signed-in user, their session record,
memberships, roles and the organisation's stores are one statement (``shell._load_user``);
a page has three more for its own data. Lazily loaded fragments are requests of their own
and are measured on their own URL.
"""

from __future__ import annotations

import random

import pytest

from dealer_saas import demo
from dealer_saas.extensions import db

from .. import factories
from ..conftest import count_queries, login
from .test_isolation_sweep import _victim_staff

BUDGET = 4

#: not screens of a signed-in user (static files, sign-in, the public quote link)
SKIP_PREFIXES = ("/static", "/login", "/logout", "/language", "/switch-store", "/quotes/shared")

#: pages allowed above the budget, with their count today (keep empty; a page listed here
#: must not get worse, and should be fixed and removed).
ALLOWLIST: dict[str, int] = {
    # the duplicate finder (a manager's tool, not a list): plates, other phones and their
    # matching mobiles are three look-ups, plus the view_pii row of the full numbers it shows
    "/customers/duplicates": 5,
}


def _pages(app) -> list[str]:
    with app.test_request_context():
        from flask import url_for

        rules = [
            r
            for r in app.url_map.iter_rules()
            if "GET" in r.methods and not r.arguments and not r.rule.startswith(SKIP_PREFIXES)
        ]
        return sorted({url_for(r.endpoint) for r in rules})


def _measure(client, url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    client.get(url, headers=headers)  # first hit: anything cached per process is warm
    with count_queries() as statements:
        status = client.get(url, headers=headers).status_code
    return status, list(statements)


@pytest.mark.parametrize("who", ["store_manager", "sales_consultant", "group_manager_rollup"])
def test_every_page_and_fragment_stays_within_the_statement_budget(app, two_tenants, who):
    store = two_tenants.a1
    demo.seed_store(_victim_staff(store), random.Random(11))
    if who == "group_manager_rollup":
        user = factories.user_with_role("group_manager", store, org_wide=True)
    else:
        user = factories.user_with_role(who, store)
    db.session.commit()
    client = login(app.test_client(), user, store)
    if who == "group_manager_rollup":
        with client.session_transaction() as session:
            session["store_id"] = "all"

    pages = _pages(app)
    assert len(pages) > 30
    over, measured = [], 0
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            status, statements = _measure(client, url, headers)
            assert status < 500, f"GET {url} {headers}: {status}"
            measured += status == 200
            allowed = ALLOWLIST.get(url, BUDGET)
            if len(statements) > allowed:
                kind = "fragment" if headers else "page"
                listing = "\n    ".join(s.replace("\n", " ")[:160] for s in statements)
                over.append(f"{kind} {url}: {len(statements)} statements (budget {allowed})\n    {listing}")
    assert measured > 20
    assert not over, "\n".join(over)


def test_the_user_and_everything_the_shell_needs_is_one_statement(app, two_tenants):
    """A signed-in request that renders nothing of its own (the password form) costs
    exactly one statement, for a store user and for a group role with many stores."""
    store = two_tenants.a1
    for _ in range(3):
        factories.StoreFactory(organisation=store.organisation)
    for user in (
        factories.user_with_role("sales_consultant", store),
        factories.user_with_role("group_manager", store, org_wide=True),
    ):
        db.session.commit()
        client = login(app.test_client(), user, store)
        status, statements = _measure(client, "/account/password", {})
        assert status == 200
        assert len(statements) == 1, statements
        assert "user_sessions" in statements[0] and "memberships" in statements[0] and "stores" in statements[0]
