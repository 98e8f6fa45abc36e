"""The audit log viewer: scoped to the stores in view plus the org's own rows, filters,
keyset pages, readable diffs."""
from __future__ import annotations

import datetime as dt

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db

from .. import factories
from ..conftest import count_queries


def _row(store, summary, org_id=None, store_id="same", **kw):
    row = AuditLog(org_id=org_id or store.org_id, store_id=store.id if store_id == "same" else store_id,
                   action=kw.pop("action", "update"), entity=kw.pop("entity", "customers"),
                   entity_id=kw.pop("entity_id", 1), summary=summary, **kw)
    db.session.add(row)
    return row


def test_audit_is_scoped_to_the_active_store_and_org_rows(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation)
    foreign = factories.StoreFactory()
    _row(store, "本店记录")
    _row(sibling, "兄弟店记录")
    _row(store, "集团记录", store_id=None)
    _row(foreign, "外集团记录")
    _row(foreign, "外集团无门店记录", store_id=None)
    db.session.flush()
    client, _ = client_as("store_manager")
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "本店记录" in body and "集团记录" in body
    assert "兄弟店记录" not in body and "外集团记录" not in body and "外集团无门店记录" not in body


def test_group_rollup_sees_every_store_of_the_org(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation)
    _row(store, "本店记录")
    _row(sibling, "兄弟店记录")
    _row(factories.StoreFactory(), "外集团记录")
    client, _ = client_as("group_admin", org_wide=True)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    body = client.get("/admin/audit").get_data(as_text=True)
    assert "本店记录" in body and "兄弟店记录" in body and "外集团记录" not in body


def test_filters_pages_and_diff(client_as, store):
    user = factories.user_with_role("sales_consultant", store)
    base = dt.datetime(2026, 1, 10, 4, 0, tzinfo=dt.timezone.utc)
    _row(store, "老记录", at=base - dt.timedelta(days=5), entity="stock_vehicles", entity_id=7)
    for n in range(55):
        _row(store, f"记录{n:02d}", at=base + dt.timedelta(minutes=n), user_id=user.id, action="transition",
             entity="sales_orders", entity_id=n, before={"state": "draft", "note": "旧"},
             after={"state": "submitted", "note": "旧", "items": ["座椅", "脚垫"]})
    client, _ = client_as("store_manager")
    first = client.get("/admin/audit?entity=sales_orders").get_data(as_text=True)
    assert "记录54" in first and "记录05" in first and "记录04" not in first and "老记录" not in first
    assert "draft" in first and "submitted" in first and "座椅" in first  # readable, not \\u escapes
    import re

    next_url = re.search(r'hx-get="([^"]*after=[^"]*)"', first).group(1).replace("&amp;", "&")
    second = client.get(next_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "记录04" in second and "记录00" in second and "记录05" not in second
    by_id = client.get("/admin/audit?entity=sales_orders&entity_id=3").get_data(as_text=True)
    assert "记录03" in by_id and "记录04" not in by_id
    assert "老记录" in client.get("/admin/audit?date_from=2026-01-01&date_to=2026-01-06").get_data(as_text=True)
    assert "记录00" not in client.get("/admin/audit?date_to=2026-01-06").get_data(as_text=True)
    assert "老记录" not in client.get(f"/admin/audit?user_id={user.id}").get_data(as_text=True)
    assert "老记录" in client.get("/admin/audit?action=update&bogus=1").get_data(as_text=True)


def test_audit_page_runs_few_queries(client_as, store):
    users = [factories.user_with_role("sales_consultant", store) for _ in range(5)]
    for n in range(30):
        _row(store, f"r{n}", user_id=users[n % 5].id)
    client, _ = client_as("store_manager")
    client.get("/admin/audit")
    with count_queries() as statements:
        assert client.get("/admin/audit").status_code == 200
    assert len(statements) <= 10, statements


def test_audit_needs_permission(client_as, store):
    client, _ = client_as("receptionist")
    assert client.get("/admin/audit").status_code == 403
