"""The list's one search box finds by name, pinyin, mobile (full, last 4, part), plate and VIN;
filters, sorts and keyset pages; a bounded count; htmx fragment with Vary."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dealer_saas.customers import services
from dealer_saas.customers.models import Customer, CustomerTag
from dealer_saas.extensions import db

from .. import factories
from ..conftest import count_queries


def _names(store, **args):
    query = services.CustomerQuery.from_args(args)
    from dealer_saas import tenancy

    with tenancy.enter(store.id):
        return [c.name for c in services.search_customers(query).page.items]


@pytest.fixture
def people(store):
    zs = factories.CustomerFactory(store=store, name="张三", mobile="13812345678", mobile_last4="5678")
    ls = factories.CustomerFactory(
        store=store, name="李四", mobile="13987654321", mobile_last4="4321", source="phone", level="vip"
    )
    ww = factories.CustomerFactory(store=store, name="王五", mobile="15000001111", mobile_last4="1111")
    car = factories.CustomerVehicleFactory(store=store, owner=ww, plate="粤B12345")
    other_store = factories.StoreFactory()
    factories.CustomerFactory(store=other_store, name="张三丰", mobile="13812345670")
    return {"zs": zs, "ls": ls, "ww": ww, "car": car}


@pytest.mark.parametrize(
    "q, expected",
    [
        ("张", ["张三"]),
        ("zs", ["张三"]),
        ("zhangs", ["张三"]),
        ("ZS", ["张三"]),
        ("13812345678", ["张三"]),
        ("138 1234 5678", ["张三"]),
        ("4321", ["李四"]),
        ("876", ["李四"]),
        ("粤B12345", ["王五"]),
        ("粤b·123", ["王五"]),
        ("B12345", ["王五"]),
    ],
)
def test_search_by_each_kind_of_input(store, people, q, expected):
    assert _names(store, q=q) == expected


def test_short_names_match_from_the_start_and_longer_ones_anywhere(store, people):
    """One or two characters are a prefix (the surname first; trigram indexes need three
    characters for a substring), three or more match anywhere in the name."""
    factories.CustomerFactory(store=store, name="欧阳三丰", mobile="13600000001")
    assert _names(store, q="三") == []
    assert _names(store, q="欧阳") == ["欧阳三丰"]
    assert _names(store, q="阳三丰") == ["欧阳三丰"]


def test_search_by_vin_exact_and_suffix(store, people):
    vin = people["car"].vin
    assert _names(store, q=vin) == ["王五"]
    assert _names(store, q=vin[-6:]) == ["王五"]
    assert _names(store, q=vin.lower()) == ["王五"]


def test_the_kind_of_search_is_chosen_by_shape():
    assert services.search_clause("13812345678")[0] == "mobile"
    assert services.search_clause("5678")[0] == "last4"
    assert services.search_clause("zs")[0] == "pinyin"
    assert services.search_clause("粤B12345")[0] == "plate"
    assert services.search_clause("LSVAU2180N2000001")[0] == "vin"
    assert services.search_clause("N2000001")[0] == "vin_part"
    assert services.search_clause("张三")[0] == "name"
    assert services.search_clause("50%_")[0] == "name"  # LIKE wildcards are escaped


def test_filters_source_level_tag_owner_and_dates(store, people):
    db.session.add(CustomerTag(customer_id=people["ww"].id, tag="团购", store_id=store.id, org_id=store.org_id))
    people["zs"].created_at = dt.datetime(2026, 1, 10, 4, tzinfo=dt.UTC)
    consultant = factories.user_with_role("sales_consultant", store)
    people["ls"].owner_id = consultant.id
    db.session.flush()
    assert _names(store, source="phone") == ["李四"]
    assert _names(store, level="vip") == ["李四"]
    assert _names(store, tag="团购") == ["王五"]
    assert _names(store, owner=str(consultant.id)) == ["李四"]
    assert sorted(_names(store, owner="none")) == ["张三", "王五"]
    assert _names(store, created_from="2026-01-10", created_to="2026-01-10") == ["张三"]
    assert _names(store, source="bogus") != []  # unknown values are ignored


def test_sorts_and_keyset_pages_walk_every_row_once(store):
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    for n in range(7):
        factories.CustomerFactory(store=store, name=f"客户{n}", created_at=base + dt.timedelta(hours=n % 3))
    from dealer_saas import tenancy

    with tenancy.enter(store.id):
        for sort in services.SORTS:
            seen, token = [], None
            while True:
                query = services.CustomerQuery(sort=sort, after=token)
                result = services.search_customers(query, size=3)
                seen += [c.id for c in result.page.items]
                if not result.page.has_more:
                    break
                token = result.page.next_token
            assert len(seen) == len(set(seen)) == 7, sort
        oldest = services.search_customers(services.CustomerQuery(sort="oldest")).page.items[0]
        assert db.session.get(Customer, oldest.id).created_at == min(
            c.created_at for c in db.session.execute(select(Customer)).scalars()
        )
        ids = [c.id for c in services.search_customers(services.CustomerQuery(sort="name")).page.items]
        names = [db.session.get(Customer, i).name_pinyin for i in ids]
        assert names == sorted(names)


def test_list_page_is_a_fragment_for_htmx_with_vary_and_bounded_count(client_as, store, people):
    client, _user = client_as("sales_manager")
    page = client.get("/customers/?q=zs")
    assert page.status_code == 200 and "张三" in page.text and "李四" not in page.text
    assert "HX-Request" in page.headers["Vary"] and "<html" in page.text
    fragment = client.get("/customers/?q=zs", headers={"HX-Request": "true"})
    assert "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in fragment.text and 'id="customer-list"' in fragment.text
    # each debounced keystroke replaces the address (issue 14: no back-button entry per query)
    assert 'hx-replace-url="true"' in page.text and "delay:300ms" in page.text
    assert "hx-push-url" not in page.text


def test_load_more_link_carries_the_filters(client_as, store):
    for n in range(30):
        factories.CustomerFactory(store=store, name=f"客户{n}", source="phone")
    client, _user = client_as("sales_manager")
    first = client.get("/customers/?source=phone")
    assert first.text.count('class="card list-card') == 25
    import re

    link = re.search(r'href="(/customers/\?[^"]*after=[^"]+)"', first.text).group(1).replace("&amp;", "&")
    assert "source=phone" in link
    second = client.get(link, headers={"HX-Request": "true"})
    assert second.text.count('class="card list-card') == 5


def test_list_page_runs_a_constant_number_of_statements(client_as, store):
    client, user = client_as("sales_manager")
    owner = factories.user_with_role("sales_consultant", store)
    for n in range(3):
        customer = factories.CustomerFactory(store=store, owner_id=owner.id)
        db.session.add(CustomerTag(customer_id=customer.id, tag=f"t{n}", store_id=store.id, org_id=store.org_id))
    db.session.flush()
    client.get("/customers/")  # warm the identity map (the user's organisation)
    with count_queries() as few:
        assert client.get("/customers/", headers={"HX-Request": "true"}).status_code == 200
    for n in range(25):
        customer = factories.CustomerFactory(store=store, owner_id=owner.id)
        db.session.add(CustomerTag(customer_id=customer.id, tag=f"x{n}", store_id=store.id, org_id=store.org_id))
    db.session.flush()
    with count_queries() as many:
        response = client.get("/customers/", headers={"HX-Request": "true"})
    assert response.text.count('class="card list-card') == 25
    assert len(many) == len(few) and len(many) <= 7, (
        "\n".join(s[:150] for s in many) + "\n---\n" + "\n".join(s[:150] for s in few)
    )
