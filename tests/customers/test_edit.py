"""Create/edit: duplicates beside the field with a link, optimistic locking, PII masking,
# Requests that fail roll the session back to its last commit: tests commit their set-up
# first (a savepoint inside the outer transaction, which still rolls everything back).
bad input saves nothing, visibility 404s."""

from __future__ import annotations

from sqlalchemy import func, select, text

from dealer_saas.audit import AuditLog
from dealer_saas.customers.models import Customer, CustomerTag, CustomerVehicle
from dealer_saas.extensions import db

from .. import factories
from .pages import with_panels

FORM = {
    "name": "赵六",
    "kind": "individual",
    "mobile": "138-0013-8001",
    "gender": "M",
    "source": "walk_in",
    "level": "prospect",
    "tags": "老客户，团购",
    "id_number": "",
}


def _count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_create_normalises_mobile_fills_pinyin_and_tags(client_as, store):
    client, user = client_as("sales_consultant")
    response = client.post("/customers/new", data=FORM)
    assert response.status_code == 303
    customer = factories.first(Customer, name="赵六")
    assert (customer.mobile, customer.mobile_last4, customer.name_initials) == ("13800138001", "8001", "zl")
    assert customer.owner_id == user.id
    assert sorted(customer.tag_names) == ["团购", "老客户"]
    assert factories.first(AuditLog, entity="customers", entity_id=customer.id, action="create")


def test_duplicate_mobile_is_shown_beside_the_field_with_a_link(client_as, store):
    existing = factories.CustomerFactory(store=store, mobile="13800138001")
    client, _user = client_as("sales_manager")
    db.session.commit()
    before = _count(Customer)
    response = client.post("/customers/new", data=FORM)
    assert response.status_code == 200
    assert "该手机号已登记为本店客户" in response.text
    assert f'href="/customers/{existing.id}"' in response.text
    assert _count(Customer) == before


def test_bad_input_saves_nothing(client_as, store):
    client, _user = client_as("sales_manager")
    db.session.commit()
    before = (_count(Customer), _count(CustomerTag))
    for bad in ({"mobile": "12345"}, {"id_number": "110101199003071234"}, {"name": ""}, {"email": "x@"}):
        response = client.post("/customers/new", data={**FORM, **bad})
        assert response.status_code == 200 and "is-invalid" in response.text, bad
    assert (
        "身份证号校验位不正确" in client.post("/customers/new", data={**FORM, "id_number": "110101199003071234"}).text
    )
    assert (_count(Customer), _count(CustomerTag)) == before


def test_second_of_two_edits_is_told_and_nothing_is_overwritten(client_as, store):
    customer = factories.CustomerFactory(store=store, name="钱七", mobile="13800138002")
    client, _user = client_as("sales_manager")
    version = customer.version
    db.session.commit()
    first = client.post(
        f"/customers/{customer.id}/edit", data={**FORM, "name": "钱七甲", "mobile": "13800138002", "version": version}
    )
    assert first.status_code == 303
    second = client.post(
        f"/customers/{customer.id}/edit", data={**FORM, "name": "钱七乙", "mobile": "13800138002", "version": version}
    )
    assert second.status_code == 200 and "该客户已被他人修改" in second.text
    assert 'value="钱七甲"' in second.text  # the current values are shown
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "钱七甲"


def test_id_number_is_encrypted_masked_and_never_audited(client_as, store):
    client, _user = client_as("sales_manager")
    id_number = "11010519491231002X"
    assert client.post("/customers/new", data={**FORM, "name": "身份证客户", "id_number": id_number}).status_code == 303
    customer = factories.first(Customer, name="身份证客户")
    assert customer.id_number == id_number
    raw = db.session.execute(text("SELECT id_number FROM customers WHERE id = :id"), {"id": customer.id}).scalar()
    assert id_number not in raw
    logs = db.session.execute(select(AuditLog).where(AuditLog.entity_id == customer.id)).scalars().all()
    assert logs and all("id_number" not in (log.after or {}) for log in logs)
    manager_page = client.get(f"/customers/{customer.id}").text
    assert id_number in manager_page
    consultant, _c = client_as("sales_consultant")
    page = consultant.get(f"/customers/{customer.id}").text  # unassigned pool: visible
    assert id_number not in page and "110" in page


def test_full_mobile_for_pii_roles_and_the_owner_masked_for_others(client_as, store):
    consultant, me = client_as("sales_consultant")
    mine = factories.CustomerFactory(store=store, mobile="13800138003", owner_id=me.id)
    pool = factories.CustomerFactory(store=store, mobile="13800138004", owner_id=None)
    assert 'href="tel:13800138003"' in consultant.get(f"/customers/{mine.id}").text
    pool_page = consultant.get(f"/customers/{pool.id}").text
    assert "13800138004" not in pool_page and "138****8004" in pool_page
    listing = consultant.get("/customers/").text
    assert "tel:13800138003" in listing and "13800138004" not in listing
    manager, _m = client_as("sales_manager")
    assert 'href="tel:13800138004"' in manager.get(f"/customers/{pool.id}").text
    # editing a masked number: the field stays empty and a blank keeps the stored value
    form = consultant.get(f"/customers/{pool.id}/edit").text
    assert "13800138004" not in form
    response = consultant.post(f"/customers/{pool.id}/edit", data={**FORM, "mobile": "", "version": pool.version})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, pool.id).mobile == "13800138004"


def test_hidden_other_phones_stay_out_of_the_edit_form_and_a_blank_keeps_them(client_as, store):
    consultant, _me = client_as("sales_consultant")
    pool = factories.CustomerFactory(
        store=store, mobile="13800138005", owner_id=None, other_phones="13700001111,020-88886666"
    )
    db.session.commit()
    form = consultant.get(f"/customers/{pool.id}/edit").text
    assert "13700001111" not in form and "020-88886666" not in form and "137****1111" in form
    response = consultant.post(
        f"/customers/{pool.id}/edit", data={**FORM, "mobile": "", "other_phones": "", "version": pool.version}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, pool.id).other_phones == "13700001111,020-88886666"
    # a number typed by someone who could not see the others is added, not a replacement
    version = db.session.get(Customer, pool.id).version
    response = consultant.post(
        f"/customers/{pool.id}/edit", data={**FORM, "mobile": "", "other_phones": "13600002222", "version": version}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, pool.id).other_phones == "13700001111,020-88886666,13600002222"
    # a PII role sees them in full and may clear them
    manager, _m = client_as("sales_manager")
    assert "13700001111" in manager.get(f"/customers/{pool.id}/edit").text
    version = db.session.get(Customer, pool.id).version
    response = manager.post(
        f"/customers/{pool.id}/edit", data={**FORM, "mobile": "13800138005", "other_phones": "", "version": version}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, pool.id).other_phones == ""


def test_another_consultants_customer_is_404_everywhere(client_as, store):
    consultant, _me = client_as("sales_consultant")
    other = factories.user_with_role("sales_consultant", store)
    theirs = factories.CustomerFactory(store=store, owner_id=other.id)
    vehicle = factories.CustomerVehicleFactory(store=store, owner=theirs)
    db.session.commit()
    for url in (
        f"/customers/{theirs.id}",
        f"/customers/{theirs.id}/edit",
        f"/customers/{theirs.id}/timeline",
        f"/customers/{theirs.id}/vehicles/new",
        f"/customers/vehicles/{vehicle.id}/edit",
        f"/customers/vehicles/{vehicle.id}/transfer",
        f"/customers/{theirs.id}/contacts/new",
    ):
        assert consultant.get(url).status_code == 404, url
    assert consultant.post(f"/customers/{theirs.id}/edit", data=FORM).status_code == 404
    assert consultant.post(f"/customers/{theirs.id}/claim").status_code == 404
    assert theirs.name not in consultant.get("/customers/").text


def test_consultant_claims_an_unassigned_customer(client_as, store):
    consultant, me = client_as("sales_consultant")
    pool = factories.CustomerFactory(store=store, owner_id=None)
    assert "认领此客户" in consultant.get(f"/customers/{pool.id}").text
    assert consultant.post(f"/customers/{pool.id}/claim").status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, pool.id).owner_id == me.id
    assert factories.first(AuditLog, action="claim", entity_id=pool.id)


def test_only_staff_who_may_own_customers_can_claim(client_as, store):
    """Owning a customer shows their full number: a service advisor or a receptionist may
    edit customers, but only the sales floor (those a customer can be assigned to) claims."""
    pool = factories.CustomerFactory(store=store, mobile="13800138020", owner_id=None)
    db.session.commit()
    for role in ("service_advisor", "receptionist"):
        client, _user = client_as(role)
        assert "认领此客户" not in client.get(f"/customers/{pool.id}").text, role
        response = client.post(f"/customers/{pool.id}/claim")
        assert response.status_code == 303, role
        db.session.expire_all()
        assert db.session.get(Customer, pool.id).owner_id is None, role
        page = client.get(f"/customers/{pool.id}").text
        assert "只有本店的销售人员可以认领客户" in page and "13800138020" not in page, role
    assert factories.first(AuditLog, action="claim", entity_id=pool.id) is None


def test_vehicle_vin_check_digit_duplicate_and_transfer(client_as, store):
    client, _user = client_as("sales_manager")
    owner = factories.CustomerFactory(store=store)
    buyer = factories.CustomerFactory(store=store, mobile="13800138009")
    vin = factories.vin(42)
    bad_vin = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    db.session.commit()
    before = _count(CustomerVehicle)
    response = client.post(f"/customers/{owner.id}/vehicles/new", data={"vin": bad_vin, "plate": "粤b 12345"})
    assert response.status_code == 200 and "车架号校验位不正确" in response.text
    assert _count(CustomerVehicle) == before
    assert (
        client.post(f"/customers/{owner.id}/vehicles/new", data={"vin": vin.lower(), "plate": "粤b 12345"}).status_code
        == 303
    )
    vehicle = factories.first(CustomerVehicle, vin=vin)
    assert vehicle.plate == "粤B12345" and len(vehicle.ownerships) == 1
    duplicate = client.post(f"/customers/{buyer.id}/vehicles/new", data={"vin": vin})
    assert "该车架号已登记在本店" in duplicate.text and f"/customers/{owner.id}#vehicle-{vehicle.id}" in duplicate.text
    moved = client.post(f"/customers/vehicles/{vehicle.id}/transfer", data={"mobile": "13800138009"})
    assert moved.status_code == 303
    db.session.expire_all()
    vehicle = db.session.get(CustomerVehicle, vehicle.id)
    assert vehicle.owner_id == buyer.id
    history = sorted(vehicle.ownerships, key=lambda o: o.id)
    assert [o.customer_id for o in history] == [owner.id, buyer.id] and history[0].ended_on is not None
    assert history[1].ended_on is None
    assert factories.first(AuditLog, action="transfer", entity_id=vehicle.id)
    assert client.get(f"/customers/vehicles/{vehicle.id}/edit").status_code == 200


def test_company_contacts_add_edit_remove(client_as, store):
    client, _user = client_as("sales_manager")
    company = factories.CustomerFactory(store=store, kind="company", name="华发贸易")
    person = factories.CustomerFactory(store=store)
    db.session.commit()
    assert "只有公司客户" in client.post(f"/customers/{person.id}/contacts/new", data={"name": "甲"}).text
    assert (
        client.post(
            f"/customers/{company.id}/contacts/new", data={"name": "采购王", "mobile": "13800138010", "is_primary": "y"}
        ).status_code
        == 303
    )
    from dealer_saas.customers.models import CustomerContact

    contact = factories.first(CustomerContact, name="采购王")
    assert contact.is_primary and contact.mobile == "13800138010"
    assert client.post(f"/customers/contacts/{contact.id}/edit", data={"name": "采购王总"}).status_code == 303
    assert "采购王总" in with_panels(client, f"/customers/{company.id}")  # the contacts panel
    assert client.post(f"/customers/contacts/{contact.id}/delete").status_code == 303
    assert factories.first(CustomerContact, id=contact.id) is None


def test_contact_mobile_is_hidden_in_the_edit_form_and_a_blank_keeps_it(client_as, store):
    from dealer_saas.customers.models import CustomerContact

    company = factories.CustomerFactory(store=store, kind="company", name="宏达物流", owner_id=None)
    contact = CustomerContact(
        store_id=store.id, org_id=store.org_id, customer_id=company.id, name="王经理", mobile="13800138030"
    )
    db.session.add(contact)
    client, _user = client_as("receptionist")  # customers.edit, no customers.pii
    db.session.commit()
    form = client.get(f"/customers/contacts/{contact.id}/edit").text
    assert "13800138030" not in form and "138****8030" in form
    response = client.post(f"/customers/contacts/{contact.id}/edit", data={"name": "王总", "mobile": ""})
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(CustomerContact, contact.id)
    assert (saved.name, saved.mobile) == ("王总", "13800138030")
    manager, _m = client_as("sales_manager")
    assert 'value="13800138030"' in manager.get(f"/customers/contacts/{contact.id}/edit").text
