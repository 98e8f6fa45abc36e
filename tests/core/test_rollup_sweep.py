"""The all-stores roll-up works on every page: a group manager who picks "all stores" can
open every GET page of the app (lists, and details of rows of any store of the group)
without a server error, and every POST is refused as read-only unless the view says it
only reads (an export).

Like the isolation sweep, it walks ``app.url_map``, so new modules are covered without new
tests; the stores are filled by every module's demo seeder.
"""

from __future__ import annotations

import random

from dealer_saas import demo
from dealer_saas.extensions import db

from .. import factories
from ..conftest import login
from .test_isolation_sweep import _victim_ids, _victim_staff, id_arguments, model_for_argument

#: pages that are not screens of the roll-up (static files, sign-in and the like)
SKIP_PREFIXES = ("/static", "/login", "/logout", "/language", "/switch-store", "/quotes/shared")


def _status(request, url: str, **kwargs) -> int | str:
    """The status code, or the exception the view raised (the test client re-raises)."""
    try:
        return request(url, **kwargs).status_code
    except Exception as error:  # noqa: BLE001 - reported with the URL
        from dealer_saas.extensions import db as database

        database.session.rollback()
        return f"raised {type(error).__name__}: {error}"[:200]


def test_every_page_works_in_the_all_stores_roll_up(app, two_tenants):
    store, sibling = two_tenants.a1, two_tenants.a2
    rng = random.Random(11)
    demo.seed_store(_victim_staff(store), rng)
    demo.seed_store(_victim_staff(sibling), rng)
    manager = factories.user_with_role("group_manager", store, org_wide=True)
    db.session.commit()
    client = login(app.test_client(), manager, store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    ids = _victim_ids(sibling, model_for_argument())

    failures, pages = [], 0
    with app.test_request_context():
        from flask import url_for

        rules = [r for r in app.url_map.iter_rules() if not r.rule.startswith(SKIP_PREFIXES)]
        for rule in sorted(rules, key=lambda r: r.rule):
            arguments = id_arguments(rule)
            if set(rule.arguments) - set(arguments) or any(a not in ids for a in arguments):
                continue
            url = url_for(rule.endpoint, **{a: ids[a] for a in arguments})
            if "GET" in rule.methods:
                pages += 1
                status = _status(client.get, url)
                # a row of a sibling store is the roll-up's to see; a page without its
                # query arguments (a form for a customer) may answer 404
                if not isinstance(status, int) or status >= 500 or (status == 404 and arguments):
                    failures.append(f"GET {url}: {status}")
            if "POST" in rule.methods:
                view = app.view_functions[rule.endpoint]
                status = _status(client.post, url, data={})
                store_data = bool(getattr(view, "permissions", ()))  # not the user's own password
                if (
                    not isinstance(status, int)
                    or status >= 500
                    or (status < 400 and store_data and not getattr(view, "reads_only", False))
                ):
                    failures.append(f"POST {url}: {status} (the roll-up is read-only)")
    assert pages > 40
    assert not failures, "\n".join(failures)
