"""The customer 360 agrees with the follow-up card (issue 14, floor item 4): a pool customer
with an open H card shows that card, its consultant and state; the card's consultant gets the
full number there as on the card; nobody is offered to claim it or to open a second card."""

from __future__ import annotations

from dealer_saas.extensions import db

from .. import factories


def _pool_customer_with_card(store, consultant, level="H"):
    customer = factories.CustomerFactory(store=store, owner=None, level="inactive", mobile="13812345678")
    factories.FollowUpCardFactory(store=store, customer=customer, consultant_id=consultant.id, level=level)
    return customer


def test_the_cards_consultant_sees_the_card_the_full_number_and_no_claim_or_second_card(app, client_as, store):
    client, consultant = client_as("sales_consultant")
    customer = _pool_customer_with_card(store, consultant)
    db.session.commit()
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'data-testid="open-work-card"' in page and '<span class="badge level-H">H</span>' in page
    assert consultant.name in page.split('data-testid="open-work-card"')[1].split("</a>")[0]
    assert 'href="tel:13812345678"' in page  # the same rule as on the card
    assert "认领此客户" not in page
    assert f"/leads/cards/new?customer_id={customer.id}" not in page  # no second card
    assert client.post(f"/customers/{customer.id}/claim").status_code in (200, 303)
    db.session.refresh(customer)
    assert customer.owner_id is None  # the claim is refused by the same rule


def test_a_colleague_sees_who_follows_the_customer_and_cannot_claim(app, client_as, store):
    _, consultant = client_as("sales_consultant")
    colleague, _ = client_as("sales_consultant")
    customer = _pool_customer_with_card(store, consultant)
    db.session.commit()
    page = colleague.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "认领此客户" not in page
    assert 'href="tel:13812345678"' not in page


def test_a_pool_customer_without_an_open_card_can_still_be_claimed(app, client_as, store):
    client, _ = client_as("sales_consultant")
    customer = factories.CustomerFactory(store=store, owner=None)
    db.session.commit()
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "认领此客户" in page and 'data-testid="open-work-card"' not in page
    assert "新建跟进卡" in page
