"""The read-only roll-up shows no write control at all and names the store beside every row;
the phone shell has its bottom tab bar, header search and web app manifest."""

from __future__ import annotations

import json

from dealer_saas.extensions import db

from .. import factories
from ..conftest import login


def _rollup_client(app, two_tenants):
    manager = factories.user_with_role("group_manager", two_tenants.a1, org_wide=True)
    db.session.commit()
    client = login(app.test_client(), manager, two_tenants.a1)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    return client


def test_the_roll_up_customer_list_names_each_rows_store_and_offers_no_writes(app, two_tenants):
    client = _rollup_client(app, two_tenants)
    page = client.get("/customers/").get_data(as_text=True)
    assert "甲一标记客户" in page and "甲二标记客户" in page and "乙一标记客户" not in page
    assert page.count('data-testid="row-store"') >= 2
    assert "甲一店</span>" in page and "甲二店</span>" in page
    assert "/customers/new" not in page  # 新建客户
    assert 'name="customer_ids"' not in page and 'id="bulk-assign"' not in page  # bulk assign
    assert 'data-testid="export-form"' in page  # export reads only: it stays


def test_the_same_list_in_one_store_shows_its_write_controls_and_no_store_badges(app, two_tenants):
    manager = factories.user_with_role("store_manager", two_tenants.a1)
    db.session.commit()
    page = login(app.test_client(), manager, two_tenants.a1).get("/customers/").get_data(as_text=True)
    assert "/customers/new" in page and 'name="customer_ids"' in page
    assert 'data-testid="row-store"' not in page


def test_no_write_control_on_the_roll_up_visit_and_card_pages(app, two_tenants):
    client = _rollup_client(app, two_tenants)
    for url in ("/leads/visits/today", "/leads/visits", "/leads/cards", "/sales/orders", "/sales/quotes"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert "/leads/visits/new" not in page.split('data-testid="tab-bar"')[0], url  # ＋登记 (not the tab bar)


def test_the_phone_shell_has_tabs_search_and_a_manifest(app, client_as):
    consultant, _ = client_as("sales_consultant")
    db.session.commit()
    page = consultant.get("/").get_data(as_text=True)
    tab_bar = page.split('data-testid="tab-bar"')[1].split("</nav>")[0]
    for target in ('href="/"', 'href="/leads/my-day"', 'href="/customers/"', 'href="/leads/visits/new"'):
        assert target in tab_bar
    assert 'data-testid="header-search"' in page
    assert 'rel="manifest"' in page
    manifest = json.loads(app.test_client().get("/static/manifest.webmanifest").get_data(as_text=True))
    assert manifest["display"] == "standalone" and any(i["sizes"] == "512x512" for i in manifest["icons"])


def test_the_roll_up_tab_bar_has_no_write_tab(app, two_tenants):
    page = _rollup_client(app, two_tenants).get("/").get_data(as_text=True)
    if 'data-testid="tab-bar"' in page:
        assert "/leads/visits/new" not in page.split('data-testid="tab-bar"')[1].split("</nav>")[0]


def test_an_empty_search_for_a_mobile_offers_to_create_that_customer(app, client_as):
    consultant, _ = client_as("sales_consultant")
    db.session.commit()
    page = consultant.get("/customers/?q=13912345678").get_data(as_text=True)
    assert 'data-testid="create-with-mobile"' in page and "/customers/new?mobile=13912345678" in page
    assert 'data-testid="create-with-mobile"' not in consultant.get("/customers/?q=张").get_data(as_text=True)
    form = consultant.get("/customers/new?mobile=13912345678").get_data(as_text=True)
    assert 'value="13912345678"' in form
