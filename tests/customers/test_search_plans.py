"""A search matches first: when all its matches fit in the window they are sorted in the
database and the page is loaded by id; when there are more, the page walks the list's
order. Both give the same pages, with the same keyset tokens, in every sort."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dealer_saas import tenancy
from dealer_saas.customers import services
from dealer_saas.extensions import db

from .. import factories
from ..conftest import count_queries


@pytest.fixture
def many_zhang(store):
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(13):
        factories.CustomerFactory(
            store=store,
            name=f"张{'伟芳娜秀英敏静丽强磊军洋勇'[i]}",
            mobile=f"1381234{i:04d}",
            mobile_last4=f"{i:04d}",
            created_at=base + dt.timedelta(hours=i % 5),  # ties: the id decides
        )
    factories.CustomerFactory(store=store, name="李四", mobile="13900000000", mobile_last4="0000")
    factories.CustomerFactory(store=factories.StoreFactory(), name="张外店", mobile="13812340099")
    db.session.flush()


def _all_pages(store, q: str, sort: str, size: int = 4) -> tuple[list[str], list[int]]:
    names, counts, after = [], [], None
    with tenancy.enter(store.id):
        while True:
            query = services.CustomerQuery(q=q, sort=sort, after=after)
            result = services.search_customers(query, size=size)
            names.extend(c.name for c in result.page.items)
            counts.append(result.count)
            after = result.page.next_token
            if not after:
                return names, counts


@pytest.mark.parametrize("sort", list(services.SORTS))
# "z" matches each 张's initials ("zw") and full pinyin ("zhangwei"): listed once
@pytest.mark.parametrize("q", ["张", "zh", "z", "1381234"])
def test_few_and_many_matches_give_the_same_pages(store, many_zhang, monkeypatch, sort, q):
    few, few_counts = _all_pages(store, q, sort)  # 13 matches, all in the window
    # "more than 5" shown, still matched first (the window is wider than the count limit)
    monkeypatch.setattr("dealer_saas.customers.services.search.COUNT_LIMIT", 5)
    counted, counted_counts = _all_pages(store, q, sort)
    # a window of 6: the ordered walk (the window as the search module reads it)
    monkeypatch.setattr("dealer_saas.customers.services.search.MATCH_WINDOW", 6)
    many, many_counts = _all_pages(store, q, sort)
    assert len(few) == 13 and "张外店" not in few and "李四" not in few
    assert few == counted == many
    assert few_counts[0] == 13 and counted_counts[0] == many_counts[0] == 5  # shown as "5+"


def test_a_store_search_walks_the_order_only_past_its_window(store, many_zhang, monkeypatch):
    """Matched first, the page's rows come by id; past the window, from the order's walk."""
    monkeypatch.setattr("dealer_saas.customers.services.search.COUNT_LIMIT", 5)
    for window, by_id in ((50, True), (6, False)):
        monkeypatch.setattr("dealer_saas.customers.services.search.MATCH_WINDOW", window)
        with tenancy.enter(store.id), count_queries() as statements:
            result = services.search_customers(services.CustomerQuery(q="张"), size=4)
        assert len(statements) == 2 and ("customers.id IN" in statements[1]) is by_id, window
        assert len(result.page.items) == 4 and result.count == 5 and result.count_is_more


def test_a_search_page_is_at_most_two_statements(store, many_zhang):
    with tenancy.enter(store.id):
        for q in ("张", "zh", "0003", "13812340003", "粤B1"):
            with count_queries() as statements:
                services.search_customers(services.CustomerQuery(q=q))
            assert len(statements) <= 2, (q, statements)
        with count_queries() as statements:
            result = services.search_customers(services.CustomerQuery())
        assert len(statements) == 1 and result.count == 14


def test_prefix_searches_are_a_plain_like_on_postgresql(store, many_zhang):
    """On PostgreSQL the prefix is one LIKE (the pattern_ops indexes serve it, estimated
    once); SQLite keeps the range its B-tree serves."""
    with tenancy.enter(store.id):
        with count_queries() as statements:
            services.search_customers(services.CustomerQuery(q="zh"))
    match = statements[0]
    if db.session.get_bind().dialect.name == "postgresql":
        assert "LIKE" in match and ">=" not in match
    else:
        assert "LIKE" in match and ">=" in match


@pytest.mark.parametrize("q", ["张", "zh", "z"])
def test_the_roll_up_matches_first_up_to_its_window(store, many_zhang, monkeypatch, q):
    """In the roll-up a search with more matches than the count limit but fewer than
    MATCH_WINDOW is still matched first (two statements, sorted in the database, "5+"
    shown); past the window the page walks the order index by ids first. Both give the pages of a store-sized search,
    and a pinyin search's two index reads (initials, full pinyin) are each scoped to the
    group and list a customer who matches both once."""
    from dealer_saas.permissions import ALL_PERMISSIONS

    sibling = factories.StoreFactory(organisation=store.organisation)
    factories.CustomerFactory(store=sibling, name="张邻店", mobile="13812340088")
    db.session.flush()
    ctx = tenancy.TenantContext(
        org_id=store.org_id, store_id=None, store_ids=(store.id, sibling.id), permissions=ALL_PERMISSIONS
    )
    monkeypatch.setattr("dealer_saas.customers.services.search.COUNT_LIMIT", 5)

    def pages() -> tuple[list[str], int, list[str]]:
        names, after, first_statements, first_count = [], None, [], 0
        with tenancy.use(ctx):
            while True:
                with count_queries() as statements:
                    result = services.search_customers(services.CustomerQuery(q=q, after=after), size=4)
                if after is None:
                    first_statements, first_count = list(statements), result.count
                names.extend(c.name for c in result.page.items)
                after = result.page.next_token
                if not after:
                    return names, first_count, first_statements

    monkeypatch.setattr("dealer_saas.customers.services.search.MATCH_WINDOW", 50)
    matched_first, count, statements = pages()
    assert len(statements) == 2 and "customers.id IN" in statements[1]  # the page's rows by id
    monkeypatch.setattr("dealer_saas.customers.services.search.MATCH_WINDOW", 6)
    walked, walked_count, walked_statements = pages()
    # the walk: the page's ids by the order (a subquery), then their rows, in one statement
    assert len(walked_statements) == 2 and re.search(r"customers\.id IN \(SELECT customers\.id\s", walked_statements[1])
    assert not re.search(r"customers\.id IN \(SELECT", statements[1])
    assert len(matched_first) == 14 and "张邻店" in matched_first and "张外店" not in matched_first
    assert matched_first == walked
    assert count == walked_count == 5  # shown as "5+" either way


def test_a_dense_pinyin_search_in_name_order_starts_its_walk_at_the_letter(store, monkeypatch):
    """Sorted by name, the walk of a dense pinyin search starts at the typed first letter
    (``name_pinyin >= 'd'``): the names before it are never read, and none that match is
    lost (邓 deng, 董 dong and a Latin "Dan"; 安 an and 白 bai sort before and do not match;
    杜 du matches, 郑 zheng sorts after and does not)."""
    names = ["安娜", "白雪", "邓丽", "董洁", "Dan Brown", "杜甫", "郑和", "邓超", "董卿"]
    for n, name in enumerate(names):
        factories.CustomerFactory(store=store, name=name, mobile=f"1370000{n:04d}")
    db.session.flush()
    few, _counts = _all_pages(store, "d", "name", size=2)
    monkeypatch.setattr("dealer_saas.customers.services.search.COUNT_LIMIT", 1)
    monkeypatch.setattr("dealer_saas.customers.services.search.MATCH_WINDOW", 2)
    with tenancy.enter(store.id), count_queries() as statements:
        services.search_customers(services.CustomerQuery(q="d", sort="name"), size=2)
    walk = statements[-1]
    # walked, from the letter (SQLite also writes the pinyin prefix itself as a range)
    prefix_ranges = 0 if db.session.get_bind().dialect.name == "postgresql" else 1
    assert "customers.id IN" not in walk and walk.count("customers.name_pinyin >=") == 1 + prefix_ranges
    many, _counts = _all_pages(store, "d", "name", size=2)
    assert few == many == ["Dan Brown", "邓超", "邓丽", "董洁", "董卿", "杜甫"]
