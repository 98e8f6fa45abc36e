"""The shell: store switching, the read-only "all stores" mode, menus per role, error pages
as pages or htmx fragments, and the language switch."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.tenancy import Membership

from .. import factories


def _two_store_manager(store):
    sibling = factories.StoreFactory(organisation=store.organisation, name="第二家店")
    user = factories.user_with_role("store_manager", store)
    db.session.add(
        Membership(org_id=store.org_id, user_id=user.id, store_id=sibling.id, role=factories.role("store_manager"))
    )
    db.session.commit()
    return user, sibling


def _client(app, user, store):
    from ..conftest import login

    return login(app.test_client(), user, store)


def test_switching_store_is_limited_to_memberships_remembered_and_audited(app, store):
    user, sibling = _two_store_manager(store)
    foreign = factories.StoreFactory(name="外集团店")
    unrelated = factories.StoreFactory(organisation=store.organisation, name="没有角色的店")
    db.session.commit()
    client = _client(app, user, store)
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="store-switcher"' in page and "第二家店" in page and "没有角色的店" not in page
    assert client.post("/switch-store", data={"store_id": str(foreign.id)}).status_code == 404
    assert client.post("/switch-store", data={"store_id": str(unrelated.id)}).status_code == 404
    assert client.post("/switch-store", data={"store_id": "all"}).status_code == 403  # no group role
    assert client.post("/switch-store", data={"store_id": "junk"}).status_code == 404

    response = client.post("/switch-store", data={"store_id": str(sibling.id)}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Location"])["path"] == "/"
    assert "storeSwitched" in response.headers["HX-Trigger"]
    with client.session_transaction() as session:
        assert session["store_id"] == sibling.id
    assert re.search(rf'<option value="{sibling.id}"\s+selected', client.get("/").get_data(as_text=True))
    row = db.session.execute(
        select(AuditLog).where(AuditLog.action == "switch_store", AuditLog.user_id == user.id)
    ).scalar_one()
    assert row.store_id == sibling.id and row.after == {"store": sibling.id}

    plain = client.post("/switch-store", data={"store_id": str(store.id)})
    assert plain.status_code == 303


def test_a_stale_session_store_falls_back_to_a_membership(app, store):
    user = factories.user_with_role("sales_consultant", store)
    foreign = factories.StoreFactory()
    db.session.commit()
    client = _client(app, user, foreign)
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        assert session["store_id"] == store.id


def test_group_manager_all_stores_is_read_only(app, store):
    factories.StoreFactory(organisation=store.organisation)
    user = factories.user_with_role("group_manager", store, org_wide=True)
    db.session.commit()
    client = _client(app, user, store)
    assert "全部门店（汇总）" in client.get("/").get_data(as_text=True)
    assert client.post("/switch-store", data={"store_id": "all"}).status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert "汇总视图：只读" in page
    response = client.post(f"/admin/stores/{store.id}/settings", data={"callback_h": "1"})
    assert response.status_code == 403 and "只读" in response.get_data(as_text=True)
    fragment = client.post(f"/admin/stores/{store.id}/settings", data={}, headers={"HX-Request": "true"})
    assert fragment.status_code == 403 and 'id="error-fragment"' in fragment.get_data(as_text=True)
    # switching back to a store is always possible
    assert client.post("/switch-store", data={"store_id": str(store.id)}).status_code == 303


def test_store_only_user_cannot_choose_all_stores(app, store):
    user, _sibling = _two_store_manager(store)
    client = _client(app, user, store)
    assert "全部门店（汇总）" not in client.get("/").get_data(as_text=True)
    assert client.post("/switch-store", data={"store_id": "all"}).status_code == 403


def _menu(client) -> set[str]:
    page = client.get("/").get_data(as_text=True)
    nav = page.split('data-testid="menu-bar"')[1].split('<hr class="d-lg-none">')[0]  # sections nest lists
    return set(re.findall(r'href="([^"]+)"', nav))


def test_menus_show_only_permitted_entries(client_as):
    receptionist, _ = client_as("receptionist")
    consultant, _ = client_as("sales_consultant")
    manager, _ = client_as("store_manager")
    group_admin, _ = client_as("group_admin", org_wide=True)
    db.session.commit()
    menus = {
        name: _menu(c)
        for name, c in (
            ("receptionist", receptionist),
            ("consultant", consultant),
            ("manager", manager),
            ("group_admin", group_admin),
        )
    }
    assert not any(h.startswith("/admin") for h in menus["receptionist"])
    assert "/admin/users" not in menus["consultant"] and "/admin/audit" not in menus["consultant"]
    assert "/admin/users" in menus["manager"] and "/admin/audit" in menus["manager"]
    assert "/admin/stores" not in menus["manager"] and "/admin/orgs" not in menus["manager"]
    assert {"/admin/users", "/admin/stores", "/admin/roles", "/admin/audit"} <= menus["group_admin"]
    assert "/admin/orgs" not in menus["group_admin"]


def test_error_pages_full_or_fragment(client_as):
    client, _ = client_as("sales_consultant")
    db.session.commit()
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get("/no/such/page", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 404 and "<html" not in body and 'id="error-fragment"' in body
    assert "HX-Request" in fragment.headers["Vary"]
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403 and "<html" in forbidden.get_data(as_text=True)
    assert "HX-Request" in forbidden.headers["Vary"]
    forbidden = client.get("/admin/users", headers={"HX-Request": "true"})
    assert forbidden.status_code == 403 and "<html" not in forbidden.get_data(as_text=True)
    assert 'data-status="403"' in forbidden.get_data(as_text=True)


def test_language_switch_to_english(client_as):
    client, user = client_as("sales_consultant")
    db.session.commit()
    assert '<html lang="zh-CN">' in client.get("/").get_data(as_text=True)
    response = client.post("/language", data={"language": "en", "next": "/"})
    assert response.status_code == 303
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.locale == "en"
    assert client.post("/language", data={"language": "fr"}).status_code == 400


def test_switching_store_keeps_the_user_on_the_same_screen_unless_it_is_a_row(app, store):
    user, sibling = _two_store_manager(store)
    db.session.commit()
    client = _client(app, user, store)
    page = client.get("/customers/").get_data(as_text=True)
    assert 'name="next" value="/customers/"' in page

    def lands_on(next_path, store_id):
        response = client.post(
            "/switch-store", data={"store_id": str(store_id), "next": next_path}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        return json.loads(response.headers["HX-Location"])["path"]

    assert lands_on("/customers/", sibling.id) == "/customers/"  # the same list, now of the other store
    assert lands_on("/customers/?consultant_id=7&after=x", store.id) == "/customers/"  # old filters dropped
    assert lands_on("/customers/12", sibling.id) == "/"  # a row of the old store: the dashboard
    assert lands_on("//evil.example/customers/", store.id) == "/"
    assert lands_on("/no/such/page", sibling.id) == "/"
    assert lands_on("", store.id) == "/"
    plain = client.post("/switch-store", data={"store_id": str(sibling.id), "next": "/customers/"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/customers/")


def test_a_group_role_starts_on_the_roll_up_and_a_store_role_on_its_store(app, store):
    factories.StoreFactory(organisation=store.organisation, name="集团第二店")
    group_manager = factories.user_with_role("group_manager", store, org_wide=True)
    manager = factories.user_with_role("store_manager", store)
    db.session.commit()
    client = _client(app, group_manager, None)
    client.get("/")
    with client.session_transaction() as session:
        assert session["store_id"] == "all"
    client = _client(app, manager, None)
    client.get("/")
    with client.session_transaction() as session:
        assert session["store_id"] == store.id


def test_pinned_entries_fold_back_into_their_sections_when_the_bar_would_overflow():
    from dealer_saas.registry import MenuEntry
    from dealer_saas.shell import MAX_MENU_PLACES, menu_groups

    def entry(name, section, order, pinned=False):
        return MenuEntry(f"x.{name}", name, "p", "", section, order=order, pinned=pinned)

    few = [
        entry("today", "销售", 1, True),
        entry("cards", "销售", 2),
        entry("visits", "销售", 3),
        entry("ro", "售后", 4),
    ]
    assert [len(g.entries) for g in menu_groups(few)] == [1, 2, 1]  # the pinned one stands alone
    many = [entry(f"p{n}", "销售", n, True) for n in range(5)] + [
        entry(f"s{n}-{k}", f"section{n}", 10 + n * 2 + k) for n in range(7) for k in range(2)
    ]
    groups = menu_groups(many)
    assert len(groups) <= MAX_MENU_PLACES
    assert sum(len(g.entries) for g in groups) == len(many)  # nothing dropped, only folded
    assert groups[0].entries[0].endpoint == "x.p0"  # the first pinned entries keep their place


def test_the_cached_menu_follows_the_role_and_the_language_and_marks_the_active_entry(app, store):
    """The menu is built once per permission set, scope and language (issue 15): a
    consultant and a manager of the same store see their own menus, English labels come
    with English, and each page still marks its own entry."""
    manager = factories.user_with_role("store_manager", store)
    consultant = factories.user_with_role("sales_consultant", store)
    db.session.commit()
    as_manager, as_consultant = _client(app, manager, store), _client(app, consultant, store)
    for _ in range(2):  # the second round is served from the cache
        manager_page = as_manager.get("/customers/").get_data(as_text=True)
        consultant_page = as_consultant.get("/customers/").get_data(as_text=True)
        assert "/admin/" in manager_page
        assert "/admin/" not in consultant_page
    assert re.search(r'class="[^"]*nav-link active"\s+href="/customers/"', manager_page)
    other = as_manager.get("/leads/my-day").get_data(as_text=True)
    assert not re.search(r'active"\s+href="/customers/"', other)
    as_manager.post("/language", data={"language": "en"})
    english = as_manager.get("/customers/").get_data(as_text=True)
    assert '<html lang="en">' in english and "Customers" in english
    assert len(app.extensions["shell_menu"]) >= 3  # manager zh, consultant zh, manager en


def _roll_up_of_three_stores(store):
    siblings = [factories.StoreFactory(organisation=store.organisation, name=f"分店{i}") for i in (1, 2)]
    customers = [factories.CustomerFactory(store=s, name=f"汇总客户{i}") for i, s in enumerate([store, *siblings])]
    user = factories.user_with_role("group_manager", store, org_wide=True)
    db.session.commit()
    return siblings, customers, user


def test_the_roll_up_loads_no_store_rows_with_the_user_and_still_names_each_rows_store(app, store):
    """The shell's one statement brings the active store's row, and none in the roll-up
    (the stores' names come from the worker's Access); the list still names each row's store."""
    from dealer_saas import shell
    from dealer_saas.auth import sessions
    from dealer_saas.tenancy import Store

    siblings, customers, user = _roll_up_of_three_stores(store)
    token = sessions.start(user.id, "127.0.0.1", "test-client")
    db.session.commit()

    def stores_loaded(store_id: int) -> list:
        params = {"user_id": user.id, "token_hash": sessions.hash_token(token), "store_id": store_id}
        rows = db.session.execute(shell._validating_statement(), params).all()
        return [row[1] for row in rows]

    assert stores_loaded(-1) == [None]  # the roll-up (no store chosen)
    assert [s.id for s in stores_loaded(siblings[0].id) if isinstance(s, Store)] == [siblings[0].id]
    page = _client(app, user, "all").get("/customers/", headers={"HX-Request": "true"}).get_data(as_text=True)
    for s in (store, *siblings):
        assert f'data-testid="row-store">{s.name}</span>' in page
    assert all(c.name in page for c in customers)


def test_a_roll_up_detail_page_reads_its_store_with_its_row(app, store):
    """``tenancy.with_store_of``: the 360 of another store's customer in the roll-up reads
    that store in the customer's own statement (no statement of its own for the store)."""
    from ..conftest import count_queries

    siblings, customers, user = _roll_up_of_three_stores(store)
    client = _client(app, user, "all")
    customer_id, name = customers[2].id, customers[2].name
    client.get("/customers/")  # warm the worker's Access
    with count_queries() as statements:
        response = client.get(f"/customers/{customer_id}")
    assert response.status_code == 200 and name in response.get_data(as_text=True)
    assert len(statements) <= 4, "\n".join(s[:150] for s in statements)
    assert not [s for s in statements if re.search(r"FROM stores\s+WHERE stores\.id =", s)], statements
