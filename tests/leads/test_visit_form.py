"""The one-screen visit form: customer by mobile, optional card, one save."""

from __future__ import annotations

import json

from sqlalchemy import select

from dealer_saas import audit
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.leads.models import FollowUpCard, Visit
from dealer_saas.timeutil import local_today

from .. import factories
from ..conftest import login
from .factories import rows, save

HX = {"HX-Request": "true"}


def _count(model, store):
    return len(rows(model, store))


def test_walk_in_new_customer_and_h_card_in_one_post(client_as, store):
    vehicle_model = factories.VehicleModelFactory(store=store, series="帕萨特")
    client, user = client_as("sales_consultant")
    save()
    page = client.get("/leads/visits/new")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'type="tel"' in body and 'inputmode="numeric"' in body and "帕萨特" in body
    assert f'value="{user.id}" selected' in body or f'selected value="{user.id}"' in body
    response = client.post(
        "/leads/visits/new",
        headers=HX,
        data={
            "kind": "walk_in",
            "mobile": "138 0013 8000",
            "name": "张三",
            "model_id": vehicle_model.id,
            "card_level": "H",
            "consultant_id": user.id,
            "party_size": "2",
        },
    )
    assert response.status_code == 200
    triggers = json.loads(response.headers["HX-Trigger"])
    assert "visitLogged" in triggers and "cardSaved" in triggers
    assert "HX-Request" in response.headers.get("Vary", "")
    customer = rows(Customer, store, Customer.mobile == "13800138000")[0]
    visit = rows(Visit, store)[0]
    card = rows(FollowUpCard, store)[0]
    assert customer.name == "张三" and customer.owner_id == user.id
    assert visit.customer_id == customer.id and visit.card_id == card.id and visit.party_size == 2
    assert visit.model_id == vehicle_model.id and visit.intended_model == "帕萨特"
    assert card.level == "H" and card.consultant_id == user.id and card.intended_model == "帕萨特"
    assert (card.next_contact_on - local_today()).days in (0, 1, 2)  # one day in the store's zone
    assert "已登记" in response.get_data(as_text=True)
    logged = db.session.execute(select(audit.AuditLog).where(audit.AuditLog.store_id == store.id)).scalars()
    actions = {(a.entity, a.action) for a in logged}
    assert {("visits", "create"), ("follow_up_cards", "create"), ("customers", "create")} <= actions


def test_existing_mobile_reuses_the_customer_and_hint_names_them(client_as, store):
    client, user = client_as("receptionist")
    owner = factories.user_with_role("sales_consultant", store, name="李四")
    known = factories.CustomerFactory(store=store, name="王五", mobile="13900001111", owner_id=owner.id)
    save()
    hint = client.get("/leads/visits/customer-hint?mobile=139 0000 1111", headers=HX)
    assert "老客户：王五" in hint.get_data(as_text=True) and "李四" in hint.get_data(as_text=True)
    assert "老客户" not in client.get("/leads/visits/customer-hint?mobile=1390000", headers=HX).get_data(as_text=True)
    response = client.post(
        "/leads/visits/new",
        headers=HX,
        data={"kind": "phone", "mobile": "13900001111", "name": "", "consultant_id": owner.id},
    )
    assert response.status_code == 200
    assert "cardSaved" not in json.loads(response.headers["HX-Trigger"])
    assert _count(Customer, store) == 1
    visit = rows(Visit, store)[0]
    assert visit.customer_id == known.id and visit.kind == "phone" and visit.source == "phone"


def test_bad_mobile_saves_nothing_and_keeps_the_input(client_as, store):
    client, user = client_as("receptionist")
    save()
    response = client.post(
        "/leads/visits/new",
        headers=HX,
        data={"kind": "walk_in", "mobile": "12345", "name": "赵六", "summary": "看途观", "card_level": "A"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "手机号格式不正确" in body and 'value="12345"' in body and 'value="赵六"' in body and "看途观" in body
    assert "HX-Trigger" not in response.headers
    assert _count(Visit, store) == 0 and _count(Customer, store) == 0 and _count(FollowUpCard, store) == 0


def test_new_customer_without_name_is_refused_beside_the_name(client_as, store):
    client, _user = client_as("receptionist")
    save()
    response = client.post("/leads/visits/new", headers=HX, data={"kind": "walk_in", "mobile": "13700001234"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "新客户请填写姓名" in body
    assert _count(Visit, store) == 0 and _count(Customer, store) == 0


def test_visit_without_contact_details_is_logged_and_counted(client_as, store):
    client, _user = client_as("sales_manager")
    save()
    response = client.post("/leads/visits/new", data={"kind": "walk_in"})
    assert response.status_code == 303
    visit = rows(Visit, store)[0]
    assert visit.customer_id is None and visit.consultant_id is None
    board = client.get("/leads/visits/today", headers=HX)
    body = board.get_data(as_text=True)
    assert board.status_code == 200 and 'id="visit-board"' in body
    assert 'data-testid="count-no-contact">1<' in body and 'data-testid="count-in-showroom">1<' in body
    assert "bg-danger-subtle" in body  # highlighted for the manager
    assert 'hx-trigger="visitLogged from:body"' in body


def test_card_needs_a_mobile(client_as, store):
    client, _user = client_as("receptionist")
    save()
    response = client.post("/leads/visits/new", headers=HX, data={"kind": "walk_in", "name": "路人", "card_level": "B"})
    assert "开意向跟进卡需要客户手机号" in response.get_data(as_text=True)
    assert _count(Visit, store) == 0


def test_leave_button_sets_time_out_once(client_as, store):
    client, _user = client_as("receptionist")
    visit = factories.VisitFactory(store=store)
    save()
    response = client.post(f"/leads/visits/{visit.id}/leave", headers=HX)
    assert response.status_code == 200 and "visitLogged" in response.headers["HX-Trigger"]
    db.session.refresh(visit)
    first = visit.time_out
    assert first is not None
    client.post(f"/leads/visits/{visit.id}/leave", headers=HX)
    db.session.refresh(visit)
    assert visit.time_out == first


def test_visit_list_filters_and_detail_edit(client_as, store):
    client, _user = client_as("sales_manager")
    with_contact = factories.VisitFactory(store=store, kind="phone")
    anonymous = factories.VisitFactory(store=store, customer=None, customer_id=None, visitor_name="无名氏")
    save()
    body = client.get("/leads/visits?no_contact=1").get_data(as_text=True)
    assert "无名氏" in body and f"visit-row-{with_contact.id}" not in body
    body = client.get("/leads/visits?kind=phone").get_data(as_text=True)
    assert f"visit-row-{with_contact.id}" in body and f"visit-row-{anonymous.id}" not in body
    assert client.get(f"/leads/visits/{anonymous.id}").status_code == 200
    assert client.get(f"/leads/visits/{anonymous.id}/edit").status_code == 200
    response = client.post(
        f"/leads/visits/{anonymous.id}/edit",
        data={"kind": "walk_in", "mobile": "13600002222", "name": "补登", "party_size": "1"},
    )
    assert response.status_code == 303
    db.session.refresh(anonymous)
    assert anonymous.customer_id is not None and anonymous.customer.name == "补登"


def test_visit_edit_form_follows_the_pii_rule_and_a_blank_mobile_keeps_the_customer(app, client_as, store):
    owner = factories.user_with_role("sales_consultant", store)
    known = factories.CustomerFactory(store=store, mobile="13900002222", owner_id=owner.id)
    visit = factories.VisitFactory(store=store, customer=known)
    save()
    for role in ("receptionist", "sales_consultant"):  # no customers.pii, not the customer's consultant
        client, _user = client_as(role)
        form = client.get(f"/leads/visits/{visit.id}/edit").get_data(as_text=True)
        assert "13900002222" not in form and "139****2222" in form, role
    client, _user = client_as("receptionist")
    response = client.post(
        f"/leads/visits/{visit.id}/edit", data={"kind": "walk_in", "mobile": "", "name": known.name, "party_size": "3"}
    )
    assert response.status_code == 303
    db.session.refresh(visit)
    assert visit.customer_id == known.id and visit.party_size == 3
    assert db.session.get(Customer, known.id).mobile == "13900002222"
    for viewer in (client_as("sales_manager")[0], login(app.test_client(), owner, store)):
        assert 'value="13900002222"' in viewer.get(f"/leads/visits/{visit.id}/edit").get_data(as_text=True)


def test_a_card_for_another_consultants_customer_goes_to_their_consultant(client_as, store):
    """A consultant logs a returning customer of a colleague with an intent level: the visit
    is theirs, the card is the customer's own consultant's, and nothing of it leaks."""
    owner = factories.user_with_role("sales_consultant", store, name="甲顾问")
    known = factories.CustomerFactory(store=store, name="甲的客户", mobile="13988887777", owner_id=owner.id)
    client, me = client_as("sales_consultant")
    save()
    response = client.post(
        "/leads/visits/new",
        headers=HX,
        data={"kind": "walk_in", "mobile": "13988887777", "name": "", "consultant_id": me.id, "card_level": "H"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "H 级跟进卡已交给归属顾问 甲顾问" in body and "/leads/cards/" not in body
    visit = rows(Visit, store)[0]
    card = rows(FollowUpCard, store)[0]
    assert visit.customer_id == known.id and visit.consultant_id == me.id and visit.card_id == card.id
    assert card.customer_id == known.id and card.consultant_id == owner.id and card.level == "H"
    assert client.get(f"/leads/cards/{card.id}").status_code == 404
    # whoever sees the whole store (reception, managers) still chooses the consultant
    reception, _r = client_as("receptionist")
    reception.post(
        "/leads/visits/new",
        data={"kind": "walk_in", "mobile": "13988887777", "consultant_id": me.id, "card_level": "A"},
    )
    assert {c.consultant_id for c in rows(FollowUpCard, store, FollowUpCard.level == "A")} == {me.id}


def test_customer_hint_in_the_group_roll_up_with_a_number_in_two_stores(client_as, store):
    sibling = factories.StoreFactory(organisation=store.organisation)
    factories.CustomerFactory(store=store, name="本店王五", mobile="13900003333")
    factories.CustomerFactory(store=sibling, name="兄弟店王五", mobile="13900003333")
    client, _user = client_as("group_manager", org_wide=True)
    save()
    with client.session_transaction() as session:
        session["store_id"] = "all"
    hint = client.get("/leads/visits/customer-hint?mobile=13900003333", headers=HX)
    assert hint.status_code == 200 and 'id="customer-hint"' in hint.get_data(as_text=True)
