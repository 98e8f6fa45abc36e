"""Card pages: ownership (404), edit with version check, contact logging, lost queue."""

from __future__ import annotations

import datetime as dt
import json

from dealer_saas.extensions import db
from dealer_saas.leads.models import CardContact
from dealer_saas.sales.models import Quote
from dealer_saas.timeutil import local_today

from .. import factories
from .factories import card, rows, save

HX = {"HX-Request": "true"}


def test_consultant_sees_only_own_cards_and_the_pool(client_as, store):
    client, me = client_as("sales_consultant")
    other = factories.user_with_role("sales_consultant", store)
    mine = card(store, consultant_id=me.id, customer=factories.CustomerFactory(store=store, name="我的客户"))
    pool = card(store, consultant_id=None, customer=factories.CustomerFactory(store=store, name="公海客户"))
    theirs = card(store, consultant_id=other.id, customer=factories.CustomerFactory(store=store, name="别人的客户"))
    save()
    body = client.get("/leads/cards").get_data(as_text=True)
    assert "我的客户" in body and "公海客户" in body and "别人的客户" not in body
    assert client.get(f"/leads/cards/{mine.id}").status_code == 200
    assert client.get(f"/leads/cards/{pool.id}").status_code == 200
    assert client.get(f"/leads/cards/{theirs.id}").status_code == 404
    assert client.get(f"/leads/cards/{theirs.id}/edit").status_code == 404
    assert client.post(f"/leads/cards/{theirs.id}/contacts", data={"content": "x"}).status_code == 404
    assert client.post(f"/leads/cards/{theirs.id}/level", data={"level": "H"}).status_code == 404
    assert rows(CardContact, store) == []


def test_manager_sees_every_card(client_as, store):
    client, _manager = client_as("sales_manager")
    other = factories.user_with_role("sales_consultant", store)
    theirs = card(store, consultant_id=other.id)
    save()
    assert client.get(f"/leads/cards/{theirs.id}").status_code == 200
    assert f"card-row-{theirs.id}" in client.get("/leads/cards?status=open").get_data(as_text=True)


def test_card_list_filters(client_as, store):
    client, me = client_as("sales_consultant")
    today = local_today()
    late = card(store, consultant_id=me.id, level="H", next_contact_on=today - dt.timedelta(days=3))
    later = card(store, consultant_id=me.id, level="B", next_contact_on=today + dt.timedelta(days=5))
    won = card(store, consultant_id=me.id, status="won")
    save()
    body = client.get("/leads/cards?overdue=1").get_data(as_text=True)
    assert f"card-row-{late.id}" in body and f"card-row-{later.id}" not in body
    body = client.get("/leads/cards?level=B").get_data(as_text=True)
    assert f"card-row-{later.id}" in body and f"card-row-{late.id}" not in body
    body = client.get("/leads/cards?status=won").get_data(as_text=True)
    assert f"card-row-{won.id}" in body and f"card-row-{late.id}" not in body
    fragment = client.get("/leads/cards?status=all&sort=new&unknown=1", headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and 'id="card-rows"' in body and "<html" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert all(f"card-row-{c.id}" in body for c in (late, later, won))


def test_new_card_from_customer_and_edit_with_version(client_as, store):
    client, me = client_as("sales_consultant")
    customer = factories.CustomerFactory(store=store, owner_id=me.id)
    save()
    assert client.get(f"/leads/cards/new?customer_id={customer.id}").status_code == 200
    response = client.post(
        f"/leads/cards/new?customer_id={customer.id}",
        data={
            "level": "A",
            "intended_model": "途观L",
            "payment_method": "loan",
            "source": "walk_in",
            "consultant_id": me.id,
        },
    )
    assert response.status_code == 303
    from dealer_saas.leads.models import FollowUpCard

    created = [c for c in rows(FollowUpCard, store) if c.customer_id == customer.id][0]
    assert created.level == "A" and created.consultant_id == me.id and created.payment_method == "loan"
    page = client.get(f"/leads/cards/{created.id}/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{created.version}"' in page or f'value="{created.version}"' in page
    stale = client.post(
        f"/leads/cards/{created.id}/edit",
        data={"level": "H", "version": created.version - 1, "payment_method": "cash", "source": "walk_in"},
    )
    assert stale.status_code == 200 and "已被他人修改" in stale.get_data(as_text=True)
    db.session.refresh(created)
    assert created.level == "A"
    ok = client.post(
        f"/leads/cards/{created.id}/edit",
        data={
            "level": "H",
            "version": created.version,
            "payment_method": "cash",
            "source": "walk_in",
            "intended_model": "途观L",
        },
    )
    assert ok.status_code == 303
    db.session.refresh(created)
    assert created.level == "H" and created.next_contact_on >= local_today()


def test_contact_from_card_page_sends_triggers(client_as, store):
    client, me = client_as("sales_consultant")
    row = card(store, consultant_id=me.id, level="B")
    save()
    response = client.post(
        f"/leads/cards/{row.id}/contacts",
        headers=HX,
        data={"channel": "wechat", "content": "发了报价", "objections": "价格", "next_step": "约试驾", "level": "A"},
    )
    assert response.status_code == 200
    triggers = json.loads(response.headers["HX-Trigger"])
    assert "cardContacted" in triggers and "cardLevelChanged" in triggers
    assert 'id="card-detail"' in response.get_data(as_text=True) and "发了报价" in response.get_data(as_text=True)
    contact = rows(CardContact, store)[0]
    assert contact.channel == "wechat" and contact.level_after == "A"
    same_level = client.post(f"/leads/cards/{row.id}/contacts", headers=HX, data={"content": "再联系"})
    assert "cardLevelChanged" not in json.loads(same_level.headers["HX-Trigger"])
    empty = client.post(f"/leads/cards/{row.id}/contacts", headers=HX, data={"content": ""})
    assert empty.status_code == 200 and "请填写跟进内容" in empty.get_data(as_text=True)
    assert "HX-Trigger" not in empty.headers
    assert len(rows(CardContact, store)) == 2


def test_request_lost_from_card_page(client_as, store):
    client, me = client_as("sales_consultant")
    row = card(store, consultant_id=me.id)
    save()
    missing = client.post(f"/leads/cards/{row.id}/status", data={"action": "request_lost", "reason": "价格"})
    assert missing.status_code == 200 and "请填写战败去向" in missing.get_data(as_text=True)
    db.session.refresh(row)
    assert row.status == "open"
    ok = client.post(
        f"/leads/cards/{row.id}/status", data={"action": "request_lost", "reason": "价格", "competitor": "凯美瑞"}
    )
    assert ok.status_code == 303
    db.session.refresh(row)
    assert row.status == "lost_pending"
    illegal = client.post(f"/leads/cards/{row.id}/status", data={"action": "reactivate"})
    assert illegal.status_code == 200 and "不能执行" in illegal.get_data(as_text=True)


def test_lost_queue_approve_and_send_back(client_as, store):
    client, manager = client_as("sales_manager")
    consultant = factories.user_with_role("sales_consultant", store)
    first = card(
        store,
        consultant_id=consultant.id,
        status="lost_pending",
        lost_requested_by_id=consultant.id,
        lost_reason="价格",
        lost_competitor="雅阁",
    )
    second = card(store, consultant_id=consultant.id, status="lost_pending", lost_requested_by_id=consultant.id)
    own = card(store, consultant_id=manager.id, status="lost_pending", lost_requested_by_id=manager.id)
    save()
    page = client.get("/leads/cards/lost-requests").get_data(as_text=True)
    assert f"lost-row-{first.id}" in page and "雅阁" in page and "这是你自己的申请" in page
    approved = client.post(f"/leads/cards/{first.id}/lost-decision", headers=HX, data={"decision": "approve_lost"})
    assert approved.status_code == 200 and approved.get_data(as_text=True) == ""
    assert "cardLostDecided" in json.loads(approved.headers["HX-Trigger"])
    no_note = client.post(f"/leads/cards/{second.id}/lost-decision", headers=HX, data={"decision": "send_back"})
    assert no_note.status_code == 200 and "退回时请填写说明" in no_note.get_data(as_text=True)
    assert "HX-Trigger" not in no_note.headers
    sent_back = client.post(
        f"/leads/cards/{second.id}/lost-decision", headers=HX, data={"decision": "send_back", "note": "再约一次试驾"}
    )
    assert "cardLostDecided" in sent_back.headers["HX-Trigger"]
    refused = client.post(f"/leads/cards/{own.id}/lost-decision", headers=HX, data={"decision": "approve_lost"})
    assert "不能审批自己的战败申请" in refused.get_data(as_text=True)
    for row in (first, second, own):
        db.session.refresh(row)
    assert (first.status, second.status, own.status) == ("lost", "open", "lost_pending")


def test_consultant_has_no_lost_queue(client_as, store):
    client, me = client_as("sales_consultant")
    row = card(store, consultant_id=me.id, status="lost_pending", lost_requested_by_id=me.id)
    save()
    assert client.get("/leads/cards/lost-requests").status_code == 403
    assert client.post(f"/leads/cards/{row.id}/lost-decision", data={"decision": "approve_lost"}).status_code == 403


def test_list_pages_run_a_handful_of_queries(client_as, store):
    from ..conftest import count_queries

    client, me = client_as("sales_consultant")
    for n in range(8):
        row = card(store, consultant_id=me.id, next_contact_on=local_today() - dt.timedelta(days=n % 3))
        factories.VisitFactory(store=store, consultant_id=me.id)
        from dealer_saas.timeutil import utcnow

        from .factories import contact

        contact(row, utcnow())
    save()
    for url in ("/leads/cards", "/leads/my-day", "/leads/pipeline", "/leads/visits/today", "/leads/visits"):
        client.get(url, headers=HX)  # warm-up: the session's user and store loads
        with count_queries() as statements:
            assert client.get(url, headers=HX).status_code == 200
        assert len(statements) <= 10, (url, statements)


def test_an_open_card_leads_to_a_quote_that_carries_it(client_as, store):
    client, me = client_as("sales_consultant")
    model = factories.VehicleModelFactory(org_id=store.org_id)
    open_card = card(store, consultant_id=me.id, model_id=model.id, intended_colour="极地白")
    closed = card(store, consultant_id=me.id, status="won")
    save()
    page = client.get(f"/leads/cards/{open_card.id}").get_data(as_text=True)
    assert 'data-testid="card-quote"' in page and 'data-testid="card-test-drive"' in page
    link = f"/sales/quotes/new?customer_id={open_card.customer_id}&amp;follow_up_card_id={open_card.id}"
    assert link in page
    url = link.replace("&amp;", "&")
    form = client.get(url).get_data(as_text=True)  # prefilled from the card
    assert 'value="极地白"' in form and f'<option selected value="{model.id}">' in form
    assert (
        client.post(url, data={"model_id": model.id, "payment_method": "cash", "colour": "极地白"}).status_code == 303
    )
    assert [q.card_id for q in rows(Quote, store)] == [open_card.id]
    assert 'data-testid="card-quote"' not in client.get(f"/leads/cards/{closed.id}").get_data(as_text=True)


def test_sales_forms_do_not_read_another_consultants_card(client_as, store):
    client, _me = client_as("sales_consultant")
    someone = factories.user_with_role("sales_consultant", store)
    pool_customer = factories.CustomerFactory(store=store, owner_id=None)
    theirs = card(store, consultant_id=someone.id, customer=pool_customer, intended_colour="秘密紫")
    save()
    assert client.get(f"/leads/cards/{theirs.id}").status_code == 404
    for url in ("/sales/quotes/new", "/sales/test-drives/new"):
        response = client.get(f"{url}?customer_id={pool_customer.id}&follow_up_card_id={theirs.id}")
        assert response.status_code == 404 and "秘密紫" not in response.text, url
    response = client.post(
        f"/sales/quotes/new?customer_id={pool_customer.id}&follow_up_card_id={theirs.id}",
        data={"payment_method": "cash"},
    )
    assert response.status_code == 404 and rows(Quote, store) == []
    manager, _m = client_as("sales_manager")
    page = manager.get(f"/sales/quotes/new?customer_id={pool_customer.id}&follow_up_card_id={theirs.id}")
    assert page.status_code == 200 and 'value="秘密紫"' in page.text


def test_phone_numbers_on_card_pages_follow_the_pii_rule(client_as, store):
    """The card's consultant has to call: full number and a tel: link. A pool card's customer
    is masked for a consultant, and the masked number is nowhere in the page."""
    client, me = client_as("sales_consultant")
    someone = factories.user_with_role("sales_consultant", store)
    worked = card(
        store,
        consultant_id=me.id,
        next_contact_on=local_today(),
        customer=factories.CustomerFactory(store=store, mobile="13800138011", owner_id=someone.id),
    )
    pool = card(
        store, consultant_id=None, customer=factories.CustomerFactory(store=store, mobile="13800138012", owner_id=None)
    )
    save()
    assert 'href="tel:13800138011"' in client.get(f"/leads/cards/{worked.id}").text
    assert 'href="tel:13800138011"' in client.get("/leads/my-day").text
    pool_page = client.get(f"/leads/cards/{pool.id}").text
    assert "13800138012" not in pool_page and "138****8012" in pool_page
    manager, _m = client_as("sales_manager")
    assert 'href="tel:13800138012"' in manager.get(f"/leads/cards/{pool.id}").text
