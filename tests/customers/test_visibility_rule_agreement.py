"""The consultant visibility rule, once (dealer_saas/visibility.py): for a consultant, a
colleague and a manager, on customers and cards that are the consultant's own, the
colleague's or unassigned, the lists, the detail pages (200 vs 404) and the actions (edit,
claim, contact) all give the answer ``visibility`` gives."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from dealer_saas import tenancy, visibility
from dealer_saas.customers.models import Customer, CustomerContact
from dealer_saas.extensions import db
from dealer_saas.leads.models import CardContact, FollowUpCard
from dealer_saas.permissions import BUILTIN_ROLES

from .. import factories
from ..conftest import login

VIEWERS = {"consultant": "sales_consultant", "colleague": "sales_consultant", "manager": "sales_manager"}
OWNERS = ("own", "colleague", "unassigned")


@dataclass
class World:
    users: dict[str, object]
    customers: dict[str, Customer]
    cards: dict[str, FollowUpCard]


def _world(store) -> World:
    users = {name: factories.user_with_role(role, store) for name, role in VIEWERS.items()}
    owner_ids = {"own": users["consultant"].id, "colleague": users["colleague"].id, "unassigned": None}
    customers, cards = {}, {}
    for whose, owner_id in owner_ids.items():
        customers[whose] = factories.CustomerFactory(
            store=store, name=f"可见性{whose}", kind="company", owner_id=owner_id
        )
        # the card's customer is the card consultant's too, as the visit log makes them
        cards[whose] = factories.FollowUpCardFactory(
            store=store,
            customer=factories.CustomerFactory(store=store, name=f"卡片客户{whose}", owner_id=owner_id),
            consultant_id=owner_id,
        )
    db.session.commit()  # requests that end in a 404 roll back to here, not further
    return World(users, customers, cards)


def _rule(store, built: World, viewer: str, owner_id: int | None) -> bool:
    """What visibility.py answers for this viewer (with their role's permissions) and this
    owner: the expected answer of every check below."""
    permissions = BUILTIN_ROLES[VIEWERS[viewer]].permissions
    with tenancy.enter(store.id, user_id=built.users[viewer].id, permissions=permissions):
        return visibility.is_mine_or_pool(owner_id)


@pytest.fixture
def world(store, app):
    built = _world(store)
    clients = {name: login(app.test_client(), user, store) for name, user in built.users.items()}
    return built, clients


def test_the_rule_itself_reads_as_documented(store, world):
    """The expected answers below come from visibility.py; pin them once, so a change of
    the rule is a deliberate change of this table."""
    built, _clients = world
    owner_of = {"own": built.users["consultant"].id, "colleague": built.users["colleague"].id, "unassigned": None}
    table = {(viewer, whose): _rule(store, built, viewer, owner_of[whose]) for viewer in VIEWERS for whose in OWNERS}
    assert table == {
        ("consultant", "own"): True,
        ("consultant", "colleague"): False,
        ("consultant", "unassigned"): True,
        ("colleague", "own"): False,
        ("colleague", "colleague"): True,
        ("colleague", "unassigned"): True,
        ("manager", "own"): True,
        ("manager", "colleague"): True,
        ("manager", "unassigned"): True,
    }


@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_lists_show_exactly_what_the_rule_allows(store, world, viewer):
    built, clients = world
    client = clients[viewer]
    customer_list = client.get("/customers/")
    card_list = client.get("/leads/cards")
    pipeline = client.get("/leads/pipeline")
    assert customer_list.status_code == card_list.status_code == pipeline.status_code == 200
    for whose in OWNERS:
        customer, card = built.customers[whose], built.cards[whose]
        expected_customer = _rule(store, built, viewer, customer.owner_id)
        expected_card = _rule(store, built, viewer, card.consultant_id)
        assert (f'href="/customers/{customer.id}"' in customer_list.text) is expected_customer, whose
        assert (f'href="/leads/cards/{card.id}"' in card_list.text) is expected_card, whose
        assert (f"/leads/cards/{card.id}" in pipeline.text) is expected_card, whose


@pytest.mark.parametrize("whose", OWNERS)
@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_detail_pages_answer_200_or_404_as_the_rule_says(store, world, viewer, whose):
    built, clients = world
    client = clients[viewer]
    customer, card = built.customers[whose], built.cards[whose]
    sees_customer = _rule(store, built, viewer, customer.owner_id)
    sees_card = _rule(store, built, viewer, card.consultant_id)
    assert client.get(f"/customers/{customer.id}").status_code == (200 if sees_customer else 404)
    assert client.get(f"/customers/{customer.id}/timeline").status_code == (200 if sees_customer else 404)
    assert client.get(f"/leads/cards/{card.id}").status_code == (200 if sees_card else 404)
    # opening a card for a customer follows the customer's visibility
    assert client.get(f"/leads/cards/new?customer_id={customer.id}").status_code == (200 if sees_customer else 404)


@pytest.mark.parametrize("whose", OWNERS)
@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_customer_actions_agree_with_the_rule(store, world, viewer, whose):
    built, clients = world
    client = clients[viewer]
    customer = built.customers[whose]
    customer_id, owner_id = customer.id, customer.owner_id
    sees = _rule(store, built, viewer, owner_id)
    expected = 200 if sees else 404

    # edit: the form, and the save
    assert client.get(f"/customers/{customer_id}/edit").status_code == expected
    saved = client.post(
        f"/customers/{customer_id}/edit",
        data={
            "name": f"改名{whose}",
            "kind": "company",
            "mobile": "",
            "gender": "",
            "source": "walk_in",
            "level": "prospect",
            "tags": "",
            "version": customer.version,
        },
    )
    assert saved.status_code == (303 if sees else 404)

    # contact persons of the (company) customer
    assert client.get(f"/customers/{customer_id}/contacts/new").status_code == expected
    added = client.post(f"/customers/{customer_id}/contacts/new", data={"name": f"联系人{viewer}"})
    assert added.status_code == (303 if sees else 404)

    # claim: the button shows exactly when the claim goes through
    detail = client.get(f"/customers/{customer_id}")
    button = f"/customers/{customer_id}/claim" in detail.text
    claimed = client.post(f"/customers/{customer_id}/claim")
    assert claimed.status_code == (303 if sees else 404)

    db.session.expire_all()
    after = db.session.execute(select(Customer).where(Customer.id == customer_id)).scalar_one()
    assert (after.name == f"改名{whose}") is sees
    contacts = db.session.execute(
        select(CustomerContact).where(
            CustomerContact.customer_id == customer_id, CustomerContact.name == f"联系人{viewer}"
        )
    ).all()
    assert bool(contacts) is sees
    took = after.owner_id == built.users[viewer].id and owner_id is None
    assert button is took, "the claim button and the claim disagree"
    # only a visible, unassigned customer can be claimed, and every viewer here may own customers
    assert took is (sees and owner_id is None)


@pytest.mark.parametrize("whose", OWNERS)
@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_card_actions_agree_with_the_rule(store, world, viewer, whose):
    built, clients = world
    client = clients[viewer]
    card = built.cards[whose]
    card_id, consultant_id, version = card.id, card.consultant_id, card.version
    sees = _rule(store, built, viewer, consultant_id)

    assert client.get(f"/leads/cards/{card_id}/edit").status_code == (200 if sees else 404)
    edited = client.post(
        f"/leads/cards/{card_id}/edit",
        data={
            "level": "A",
            "intended_model": f"途观{viewer}",
            "payment_method": "cash",
            "source": "walk_in",
            "consultant_id": consultant_id or "",
            "version": version,
        },
    )
    assert edited.status_code == (303 if sees else 404)

    contacted = client.post(
        f"/leads/cards/{card_id}/contacts", data={"channel": "phone", "content": f"回访{viewer}", "ctx": "card"}
    )
    assert contacted.status_code == (303 if sees else 404)

    db.session.expire_all()
    after = db.session.execute(select(FollowUpCard).where(FollowUpCard.id == card_id)).scalar_one()
    assert (after.intended_model == f"途观{viewer}") is sees
    logged = db.session.execute(
        select(CardContact).where(CardContact.card_id == card_id, CardContact.content == f"回访{viewer}")
    ).all()
    assert bool(logged) is sees
    assert after.consultant_id == consultant_id  # nobody's card changed hands on the way


def test_who_sees_the_pool_but_may_not_own_gets_no_claim_button_and_no_claim(store, app):
    """A receptionist sees the whole store (customers.view_all) but may not hold customers:
    the 360 page offers no claim, and a claim posted anyway is refused."""
    receptionist = factories.user_with_role("receptionist", store)
    pooled = factories.CustomerFactory(store=store, owner_id=None)
    db.session.commit()
    client = login(app.test_client(), receptionist, store)
    detail = client.get(f"/customers/{pooled.id}")
    assert detail.status_code == 200 and f"/customers/{pooled.id}/claim" not in detail.text
    refused = client.post(f"/customers/{pooled.id}/claim", follow_redirects=True)
    assert "只有本店的销售人员可以认领客户" in refused.text
    db.session.expire_all()
    assert db.session.execute(select(Customer.owner_id).where(Customer.id == pooled.id)).scalar_one() is None
