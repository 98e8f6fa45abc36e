"""The all-stores roll-up works on every page: a group manager who picks "all stores" can
open every GET page of the app (lists, dashboard tiles, and details of rows of any store of
the group) without a server error, and every POST is refused as read-only unless the view
says it only reads (an export).

Like the isolation sweep, it walks ``app.url_map``, so new modules are covered without new
tests; the stores are filled by every module's demo seeder, and a URL argument that is not a
row id takes every value of its registry (every registered tile). Besides the group manager,
a group user holding every permission walks it too, so no page or tile is skipped for want
of a permission: every tile must answer 200 to them.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from dealer_saas import demo
from dealer_saas.extensions import db
from dealer_saas.permissions import ALL_PERMISSIONS, PLATFORM
from dealer_saas.tenancy import Membership, Role
from dealer_saas.timeutil import DEFAULT_TZ, utcnow

from .. import factories
from ..conftest import login
from .test_isolation_sweep import (
    NOT_SWEPT,
    _victim_ids,
    _victim_staff,
    id_arguments,
    model_for_argument,
    non_id_arguments,
    rule_urls,
)

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


#: requests the sweep made before it covered routes without a row id (67 GET + 65 POST)
TRIED_BEFORE = 132


def _group_user_with_every_permission(store):
    role = Role(
        org_id=store.org_id,
        code="all_group",
        name="全部权限（集团）",
        is_group_role=True,
        permissions=sorted(set(ALL_PERMISSIONS) - {PLATFORM}),
    )
    db.session.add(role)
    db.session.flush()
    user = factories.UserFactory(org_id=store.org_id)
    db.session.add(Membership(org_id=store.org_id, user_id=user.id, store_id=None, role=role))
    db.session.flush()
    return user


def test_every_page_works_in_the_all_stores_roll_up(app, two_tenants):
    store, sibling = two_tenants.a1, two_tenants.a2
    rng = random.Random(11)
    demo.seed_store(_victim_staff(store), rng)
    demo.seed_store(_victim_staff(sibling), rng)
    viewers = {
        "group manager": factories.user_with_role("group_manager", store, org_wide=True),
        "every permission": _group_user_with_every_permission(store),
    }
    db.session.commit()
    ids = _victim_ids(sibling, model_for_argument())

    failures, pages, tried = [], 0, 0
    rules = [r for r in app.url_map.iter_rules() if not r.rule.startswith(SKIP_PREFIXES)]
    rules = sorted((r for r in rules if r.endpoint not in NOT_SWEPT), key=lambda r: r.rule)
    for viewer_name, viewer in viewers.items():
        client = login(app.test_client(), viewer, store)
        with client.session_transaction() as session:
            session["store_id"] = "all"
        for rule in rules:
            arguments = id_arguments(rule)
            if any(a not in ids for a in arguments):
                continue
            urls, problem = rule_urls(app, rule, ids)
            if problem:
                failures.append(problem)
                continue
            view = app.view_functions[rule.endpoint]
            for url in urls:
                if "GET" in rule.methods:
                    pages += 1
                    tried += 1
                    status = _status(client.get, url)
                    # a row of a sibling store is the roll-up's to see; a page without its
                    # query arguments (a form for a customer) may answer 404; a registered
                    # name (a tile) is there for a viewer with every permission
                    named = bool(non_id_arguments(rule)) and viewer_name == "every permission"
                    if not isinstance(status, int) or status >= 500 or (status == 404 and arguments):
                        failures.append(f"GET {url} as {viewer_name}: {status}")
                    elif named and status != 200:
                        failures.append(f"GET {url} as {viewer_name}: {status}, not 200")
                if "POST" in rule.methods:
                    tried += 1
                    status = _status(client.post, url, data={})
                    store_data = bool(getattr(view, "permissions", ()))  # not the user's own password
                    if (
                        not isinstance(status, int)
                        or status >= 500
                        or (status < 400 and store_data and not getattr(view, "reads_only", False))
                    ):
                        failures.append(f"POST {url} as {viewer_name}: {status} (the roll-up is read-only)")
    print(f"roll-up sweep: {tried} requests ({pages} GET pages)")
    assert pages > 40
    assert tried > TRIED_BEFORE
    assert not failures, "\n".join(failures)


def _tile_value(client, name: str) -> str:
    response = client.get(f"/tiles/{name}", headers={"HX-Request": "true"})
    assert response.status_code == 200, response.status_code
    body = response.get_data(as_text=True)
    match = re.search(rf'data-testid="tile-value-{name}">\s*(?:<a[^>]*>)?([^<\s]+)', body)
    assert match, body
    return match.group(1)


def test_dated_sales_tiles_count_every_store_in_the_roll_up(app, two_tenants):
    """Issue 14: 今日试驾 and 本月交车 answered 500 in the roll-up (they asked for the one
    store). In the roll-up they count every store of the view by the default zone's calendar
    and say so; in one store they count that store only."""
    from dealer_saas.sales.models import TestDrive

    from ..sales import factories as sales_factories

    now = utcnow()
    for shop in (two_tenants.a1, two_tenants.a2):
        w = sales_factories.world(shop)
        db.session.add(
            TestDrive(
                store_id=shop.id,
                org_id=shop.org_id,
                customer_id=w.customer.id,
                vehicle_id=w.demo_car.id,
                consultant_id=w.consultant.id,
                starts_at=now,
                ends_at=now + dt.timedelta(hours=1),
            )
        )
        sales_factories.order(w, status="delivered", vehicle=w.cars[0], delivered_at=now)
    db.session.flush()
    manager = factories.user_with_role("group_manager", two_tenants.a1, org_wide=True)
    client = login(app.test_client(), manager, two_tenants.a1)
    assert _tile_value(client, "sales_test_drives_today") == "1"
    assert _tile_value(client, "sales_deliveries_this_month") == "1"
    note = f"全部门店，按 {DEFAULT_TZ} 的日期"
    assert note not in client.get("/tiles/sales_test_drives_today").get_data(as_text=True)

    with client.session_transaction() as session:
        session["store_id"] = "all"
    assert _tile_value(client, "sales_test_drives_today") == "2"
    assert _tile_value(client, "sales_deliveries_this_month") == "2"
    for name in ("sales_test_drives_today", "sales_deliveries_this_month"):
        assert note in client.get(f"/tiles/{name}").get_data(as_text=True)
