"""An H or A card from the walk-in form needs a consultant (issue 14, floor item 7): without
one the save is refused beside the consultant field, unless a manager (``cards.approve_lost``)
ticks "暂不分配（经理确认）"."""

from __future__ import annotations

from dealer_saas.customers.models import Customer
from dealer_saas.leads.models import FollowUpCard, Visit

from .. import factories
from .factories import rows, save

HX = {"HX-Request": "true"}
REFUSED = "H、A 级意向客户必须指定接待顾问"


def _walk_in(level, **extra):
    return {"kind": "walk_in", "mobile": "13700007777", "name": "钱八", "card_level": level, **extra}


def test_h_or_a_card_without_consultant_is_refused_beside_the_field(client_as, store):
    client, _user = client_as("receptionist")
    save()
    form = client.get("/leads/visits/new").get_data(as_text=True)
    assert "暂不分配（经理确认）" not in form  # a receptionist may not leave it unassigned
    for level in ("H", "A"):
        # the receptionist cannot tick the manager's box either (the post is checked, not the form)
        response = client.post("/leads/visits/new", headers=HX, data=_walk_in(level, allow_unassigned="y"))
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "HX-Trigger" not in response.headers
        field = body.split('id="field-consultant_id"')[1].split("</div>\n")[0]
        assert REFUSED in field and "is-invalid" in field and "autofocus" in field
        assert "autofocus" not in body.split('id="field-mobile"')[1].split("</div>")[0]
        assert 'value="钱八"' in body  # what was typed is kept
    assert rows(Visit, store) == [] and rows(FollowUpCard, store) == [] and rows(Customer, store) == []


def test_b_and_c_cards_and_visits_without_card_need_no_consultant(client_as, store):
    client, _user = client_as("receptionist")
    save()
    assert client.post("/leads/visits/new", data=_walk_in("B")).status_code == 303
    assert client.post("/leads/visits/new", data={"kind": "walk_in", "name": "路人"}).status_code == 303
    cards = rows(FollowUpCard, store)
    assert [(c.level, c.consultant_id) for c in cards] == [("B", None)]
    assert len(rows(Visit, store)) == 2


def test_a_manager_may_leave_an_h_card_unassigned_only_by_ticking_the_box(client_as, store):
    client, _user = client_as("sales_manager")
    save()
    form = client.get("/leads/visits/new").get_data(as_text=True)
    assert 'name="allow_unassigned"' in form and "暂不分配（经理确认）" in form
    refused = client.post("/leads/visits/new", headers=HX, data=_walk_in("H"))
    assert REFUSED in refused.get_data(as_text=True) and rows(FollowUpCard, store) == []
    saved = client.post("/leads/visits/new", headers=HX, data=_walk_in("H", allow_unassigned="y"))
    assert saved.status_code == 200 and "cardSaved" in saved.headers["HX-Trigger"]
    [card] = rows(FollowUpCard, store)
    assert card.level == "H" and card.consultant_id is None


def test_with_a_consultant_the_h_card_is_theirs(client_as, store):
    client, _user = client_as("receptionist")
    consultant = factories.user_with_role("sales_consultant", store)
    save()
    response = client.post("/leads/visits/new", data=_walk_in("H", consultant_id=consultant.id))
    assert response.status_code == 303
    [card] = rows(FollowUpCard, store)
    assert card.consultant_id == consultant.id
