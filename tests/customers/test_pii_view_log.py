"""Viewing a full phone or ID number is audit-logged: one ``view_pii`` row per page (360, edit
form, list page) naming the customers and the fields shown in full; nothing when masked."""

from __future__ import annotations

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db

from .. import factories


def _views() -> list[AuditLog]:
    return list(db.session.query(AuditLog).filter_by(action="view_pii").order_by(AuditLog.id))


def test_the_360_with_full_mobile_and_id_number_is_logged(client_as, store):
    client, manager = client_as("store_manager")
    customer = factories.CustomerFactory(store=store, mobile="13700000011", id_number="110101199003071234")
    db.session.commit()
    page = client.get(f"/customers/{customer.id}")
    assert page.status_code == 200 and "13700000011" in page.text and "110101199003071234" in page.text
    [row] = _views()
    assert row.user_id == manager.id and row.store_id == store.id and row.entity_id == customer.id
    assert row.after == {
        "page": "detail",
        "customer_ids": [customer.id],
        "fields": {str(customer.id): ["id_number", "mobile"]},
    }


def test_a_masked_360_is_not_logged(client_as, store):
    client, _consultant = client_as("sales_consultant")
    pooled = factories.CustomerFactory(store=store, mobile="13700000012", owner_id=None)
    db.session.commit()
    page = client.get(f"/customers/{pooled.id}")
    assert page.status_code == 200 and "13700000012" not in page.text
    assert _views() == []


def test_the_edit_form_filled_with_full_numbers_is_logged_on_load_only(client_as, store):
    client, _manager = client_as("store_manager")
    customer = factories.CustomerFactory(store=store, mobile="13700000013", other_phones="13700000014")
    db.session.commit()
    form = client.get(f"/customers/{customer.id}/edit")
    assert form.status_code == 200 and "13700000013" in form.text
    [row] = _views()
    assert row.after["page"] == "edit" and row.after["fields"] == {str(customer.id): ["mobile", "other_phones"]}


def test_one_row_per_list_page_with_the_ids_shown_in_full(client_as, store):
    client, consultant = client_as("sales_consultant")
    mine = [factories.CustomerFactory(store=store, owner_id=consultant.id) for _ in range(2)]
    factories.CustomerFactory(store=store, owner_id=None)  # the pool: masked on the list
    db.session.commit()
    page = client.get("/customers/")
    assert page.status_code == 200 and mine[0].mobile in page.text
    [row] = _views()
    assert row.after["page"] == "list" and row.after["customer_ids"] == sorted(c.id for c in mine)
    assert row.entity_id is None


def test_a_list_page_with_only_masked_numbers_is_not_logged(client_as, store):
    client, _consultant = client_as("sales_consultant")
    factories.CustomerFactory(store=store, owner_id=None)
    db.session.commit()
    assert client.get("/customers/").status_code == 200
    assert _views() == []
