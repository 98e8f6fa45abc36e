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


def test_a_full_number_on_another_modules_page_is_logged_under_that_page(client_as, store):
    """The card page shows the customer's number through the shared phone helper: a consultant
    who may call their own card's customer is logged once, under the card page."""
    client, consultant = client_as("sales_consultant")
    customer = factories.CustomerFactory(store=store, mobile="13700000021", owner_id=consultant.id)
    card = factories.FollowUpCardFactory(store=store, customer=customer, consultant_id=consultant.id)
    db.session.commit()
    page = client.get(f"/leads/cards/{card.id}")
    assert page.status_code == 200 and "13700000021" in page.text
    [row] = _views()
    assert row.after == {
        "page": "leads.card_detail",
        "customer_ids": [customer.id],
        "fields": {str(customer.id): ["mobile"]},
    }


def test_the_360_writes_one_row_however_many_places_show_the_number(client_as, store):
    client, _manager = client_as("store_manager")
    customer = factories.CustomerFactory(store=store, mobile="13700000022", other_phones="13700000023")
    factories.FollowUpCardFactory(store=store, customer=customer)
    db.session.commit()
    assert client.get(f"/customers/{customer.id}").status_code == 200
    [row] = _views()
    assert row.after["page"] == "detail"


def test_a_refused_form_that_showed_full_numbers_is_still_logged(client_as, store):
    """The row is kept when the request's own changes roll back (here: a bad mobile)."""
    client, _manager = client_as("store_manager")
    customer = factories.CustomerFactory(store=store, mobile="13700000024")
    db.session.commit()
    client.get(f"/customers/{customer.id}/edit")
    before = len(_views())
    version = customer.version
    response = client.post(
        f"/customers/{customer.id}/edit",
        data={
            "name": customer.name,
            "mobile": "13700000024",
            "source": "walk_in",
            "kind": "individual",
            "version": str(version - 1),
        },  # stale: the form is re-filled from the database
    )
    assert response.status_code in (200, 409, 422)
    assert len(_views()) == before + 1
    db.session.expire_all()
    assert db.session.get(type(customer), customer.id).name == customer.name


def test_a_deleted_customer_is_neither_named_nor_dialled_on_other_pages(client_as, store, in_store):
    from dealer_saas.customers import services

    client, manager = client_as("store_manager")
    customer = factories.CustomerFactory(store=store, name="王已删", mobile="13700000025")
    card = factories.FollowUpCardFactory(store=store, customer=customer)
    db.session.commit()
    with in_store(manager):
        services.delete_customer(customer.id, "客户要求删除")
    db.session.commit()
    page = client.get(f"/leads/cards/{card.id}")
    assert page.status_code == 200
    assert "王已删" not in page.text and "13700000025" not in page.text and "已删除客户" in page.text
    assert _views() == []


def test_the_list_re_rendered_after_an_assignment_logs_its_full_numbers_with_the_actor(client_as, store):
    client, manager = client_as("sales_manager")  # sees every number of the store in full
    consultant = factories.user_with_role("sales_consultant", store)
    customer = factories.CustomerFactory(store=store)
    db.session.commit()
    response = client.post(
        "/customers/assign",
        data={"customer_ids": [customer.id], "owner_id": consultant.id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and customer.mobile in response.text
    [row] = _views()
    assert row.after == {"page": "list", "customer_ids": [customer.id], "fields": {str(customer.id): ["mobile"]}}
    assert (row.user_id, row.store_id, row.org_id, row.entity_id) == (manager.id, store.id, store.org_id, customer.id)
    assert row.ip == "127.0.0.1" and row.at is not None
