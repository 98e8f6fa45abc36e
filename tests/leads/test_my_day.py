"""My day: due and overdue cards, overdue first and oldest first, inline contact logging."""

from __future__ import annotations

import datetime as dt
import json

from dealer_saas.timeutil import local_today, utcnow

from .. import factories
from .factories import card, contact, save

HX = {"HX-Request": "true"}


def _cards(store, me):
    today = local_today()
    # the store's zone may be a day ahead of the machine's: keep offsets clear of the edge
    return {
        "oldest": card(
            store,
            consultant_id=me.id,
            next_contact_on=today - dt.timedelta(days=6),
            customer=factories.CustomerFactory(store=store, name="最早逾期"),
        ),
        "late": card(
            store,
            consultant_id=me.id,
            next_contact_on=today - dt.timedelta(days=2),
            customer=factories.CustomerFactory(store=store, name="逾期两天"),
        ),
        "future": card(
            store,
            consultant_id=me.id,
            next_contact_on=today + dt.timedelta(days=5),
            customer=factories.CustomerFactory(store=store, name="未到期"),
        ),
        "closed": card(
            store,
            consultant_id=me.id,
            status="won",
            next_contact_on=today - dt.timedelta(days=9),
            customer=factories.CustomerFactory(store=store, name="已成交"),
        ),
    }


def test_my_day_lists_due_cards_overdue_first(client_as, store):
    client, me = client_as("sales_consultant")
    other = factories.user_with_role("sales_consultant", store)
    cards = _cards(store, me)
    card(
        store,
        consultant_id=other.id,
        next_contact_on=local_today() - dt.timedelta(days=1),
        customer=factories.CustomerFactory(store=store, name="别人的"),
    )
    contact(cards["late"], utcnow() - dt.timedelta(days=3), content="上次说周末来")
    save()
    body = client.get("/leads/my-day").get_data(as_text=True)
    assert body.index("最早逾期") < body.index("逾期两天")
    assert "未到期" not in body and "已成交" not in body and "别人的" not in body
    assert "上次说周末来" in body and 'href="tel:' in body and "level-A" in body
    assert "逾期 6 天" in body or "逾期 7 天" in body or "逾期 5 天" in body
    assert "全部顾问逾期" not in body


def test_contact_from_my_day_replaces_the_row_and_updates_counts(client_as, store):
    client, me = client_as("sales_consultant")
    cards = _cards(store, me)
    save()
    response = client.post(
        f"/leads/cards/{cards['late'].id}/contacts",
        headers=HX,
        data={"ctx": "my_day", "content": "客户同意周六试驾", "level": "H"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.strip().startswith('<div class="card list-card') and f'id="my-day-card-{cards["late"].id}"' in body
    assert "已跟进" in body and "level-H" in body
    triggers = json.loads(response.headers["HX-Trigger"])
    assert "cardContacted" in triggers and "cardLevelChanged" in triggers
    counts = client.get("/leads/my-day/counts", headers=HX).get_data(as_text=True)
    assert "逾期 1" in counts
    bad = client.post(f"/leads/cards/{cards['oldest'].id}/contacts", headers=HX, data={"ctx": "my_day", "content": ""})
    assert bad.status_code == 200 and "请填写跟进内容" in bad.get_data(as_text=True)
    assert "collapse show" in bad.get_data(as_text=True)


def test_manager_toggle_shows_every_consultants_overdue_cards(client_as, store):
    client, _manager = client_as("sales_manager")
    a = factories.user_with_role("sales_consultant", store, name="顾问甲")
    b = factories.user_with_role("sales_consultant", store, name="顾问乙")
    card(
        store,
        consultant_id=a.id,
        next_contact_on=local_today() - dt.timedelta(days=3),
        customer=factories.CustomerFactory(store=store, name="甲的逾期"),
    )
    card(
        store,
        consultant_id=b.id,
        next_contact_on=local_today() - dt.timedelta(days=2),
        customer=factories.CustomerFactory(store=store, name="乙的逾期"),
    )
    card(
        store,
        consultant_id=b.id,
        next_contact_on=local_today() + dt.timedelta(days=3),
        customer=factories.CustomerFactory(store=store, name="乙的未到期"),
    )
    save()
    mine = client.get("/leads/my-day").get_data(as_text=True)
    assert "甲的逾期" not in mine and "全部顾问逾期" in mine
    everyone = client.get("/leads/my-day?scope=all").get_data(as_text=True)
    assert "甲的逾期" in everyone and "乙的逾期" in everyone and "乙的未到期" not in everyone
    assert "顾问甲" in everyone and "border-danger" in everyone
    # a consultant asking for everyone gets their own list
    consultant_client, _c = client_as("sales_consultant")
    save()
    assert "甲的逾期" not in consultant_client.get("/leads/my-day?scope=all").get_data(as_text=True)
