"""The audit log viewer: scoped to the stores in view plus the org's own rows (org-wide
auditors) or their staff's sign-ins (store-level ones), filters, keyset pages, readable diffs
with customers' phone numbers masked without customers.pii."""

from __future__ import annotations

import datetime as dt

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.tenancy import Membership, Role

from .. import factories
from ..auth.helpers import form_login
from ..conftest import count_queries, login


def _row(store, summary, org_id=None, store_id="same", **kw):
    row = AuditLog(
        org_id=org_id or store.org_id,
        store_id=store.id if store_id == "same" else store_id,
        action=kw.pop("action", "update"),
        entity=kw.pop("entity", "customers"),
        entity_id=kw.pop("entity_id", 1),
        summary=summary,
        **kw,
    )
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
    assert "本店记录" in body
    assert "集团记录" not in body  # the organisation's own rows are for org-wide auditors
    assert "兄弟店记录" not in body and "外集团记录" not in body and "外集团无门店记录" not in body
    group, _ = client_as("group_admin", org_wide=True)
    body = group.get("/admin/audit").get_data(as_text=True)
    assert "本店记录" in body and "集团记录" in body
    assert "兄弟店记录" not in body and "外集团记录" not in body and "外集团无门店记录" not in body


def test_store_auditor_sees_the_sign_ins_of_their_own_staff_only(app, store):
    """Sign-ins have no store: a store-level auditor reads those of users holding a role in
    their store (also one shared with a sibling store), never a sibling store's staff or the group's."""
    sibling = factories.StoreFactory(organisation=store.organisation)
    factories.user_with_role("sales_consultant", store, username="own_floor", name="本店小李")
    shared = factories.user_with_role("sales_consultant", sibling, username="shared_floor", name="两店小张")
    db.session.add(
        Membership(org_id=store.org_id, user_id=shared.id, store_id=store.id, role=factories.role("receptionist"))
    )
    factories.user_with_role("sales_consultant", sibling, username="sibling_floor", name="兄弟店小王")
    factories.user_with_role("group_manager", store, org_wide=True, username="group_boss", name="集团老板")
    manager = factories.user_with_role("sales_manager", store)
    group_admin = factories.user_with_role("group_admin", store, org_wide=True)
    db.session.commit()
    for username in ("own_floor", "shared_floor", "sibling_floor", "group_boss"):
        assert form_login(app.test_client(), username, factories.PASSWORD).status_code == 303
    body = login(app.test_client(), manager, store).get("/admin/audit?action=login").get_data(as_text=True)
    assert "本店小李" in body and "两店小张" in body
    for hidden in ("sibling_floor", "兄弟店小王", "group_boss", "集团老板"):
        assert hidden not in body, hidden  # neither in the rows nor in the user filter
    body = login(app.test_client(), group_admin, store).get("/admin/audit?action=login").get_data(as_text=True)
    assert all(name in body for name in ("本店小李", "两店小张", "兄弟店小王", "集团老板"))


def test_phone_numbers_are_masked_without_the_pii_permission(app, client_as, store):
    """An auditor without customers.pii reads customers' numbers masked; the log keeps them whole."""
    auditor_role = Role(
        org_id=store.org_id, code="auditor", name="审计员", permissions=["admin.audit", "dashboard.view"]
    )
    db.session.add(auditor_role)
    auditor = factories.UserFactory(org_id=store.org_id)
    db.session.add(Membership(org_id=store.org_id, user_id=auditor.id, store_id=store.id, role=auditor_role))
    edit = _row(
        store,
        "改手机",
        before={"mobile": "13811112222", "other_phones": "13933334444,87654321"},
        after={"mobile": "13855556666", "other_phones": ""},
    )
    _row(store, "联系人", action="create", entity="customer_contacts", after={"name": "李四", "mobile": "13677778888"})
    _row(
        store,
        "合并",
        action="merge",
        before={"survivor": {"mobile": "13511112222"}, "loser": {"mobile": "13522223333"}},
        after={"survivor": {"mobile": "13511112222", "other_phones": "13522223333"}},
    )
    _row(
        store,
        "短信",
        action="create",
        entity="outbound_messages",
        after={"channel": "sms", "recipient": "13744445555", "body": "您好"},
    )
    _row(
        store,
        "邮件",
        action="create",
        entity="outbound_messages",
        after={"channel": "email", "recipient": "li@example.com", "body": "您好"},
    )
    db.session.flush()
    full = (
        "13811112222",
        "13933334444",
        "87654321",
        "13855556666",
        "13677778888",
        "13511112222",
        "13522223333",
        "13744445555",
    )
    body = login(app.test_client(), auditor, store).get("/admin/audit").get_data(as_text=True)
    assert not [number for number in full if number in body]
    assert "138****2222" in body and "139****4444,****4321" in body and "137****5555" in body
    assert "135****2222" in body and "li@example.com" in body
    manager, _ = client_as("store_manager")  # holds customers.pii
    body = manager.get("/admin/audit").get_data(as_text=True)
    assert all(number in body for number in full)
    db.session.refresh(edit)
    assert edit.before["mobile"] == "13811112222"


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
    base = dt.datetime(2026, 1, 10, 4, 0, tzinfo=dt.UTC)
    _row(store, "老记录", at=base - dt.timedelta(days=5), entity="stock_vehicles", entity_id=7)
    for n in range(55):
        _row(
            store,
            f"记录{n:02d}",
            at=base + dt.timedelta(minutes=n),
            user_id=user.id,
            action="transition",
            entity="sales_orders",
            entity_id=n,
            before={"state": "draft", "note": "旧"},
            after={"state": "submitted", "note": "旧", "items": ["座椅", "脚垫"]},
        )
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
