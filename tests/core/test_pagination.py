"""Keyset pages walk a list exactly once, in order, whatever the sort."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.customers.models import Customer
from dealer_saas.pagination import Sort, count_upto, keyset_page

from .. import factories


def test_pages_cover_every_row_once_with_ties_on_the_sort_column(store):
    same_time = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    for n in range(23):
        factories.CustomerFactory(store=store, created_at=same_time if n % 2 else same_time + dt.timedelta(hours=n))
    sort = Sort("newest", (Customer.created_at, Customer.id), desc=True)
    seen, token = [], None
    with tenancy.enter(store.id):
        while True:
            page = keyset_page(select(Customer), sort, token, 5)
            seen += [c.id for c in page.items]
            if not page.has_more:
                break
            token = page.next_token
        expected = list(
            __import__("dealer_saas.extensions", fromlist=["db"])
            .db.session.execute(select(Customer.id).order_by(Customer.created_at.desc(), Customer.id.desc()))
            .scalars()
        )
        assert seen == expected and len(seen) == 23
        assert count_upto(select(Customer), limit=10) == (10, True)
        assert count_upto(select(Customer), limit=100) == (23, False)


def test_a_mangled_token_starts_again_from_the_first_page(store):
    factories.CustomerFactory(store=store)
    with tenancy.enter(store.id):
        page = keyset_page(select(Customer), Sort("id", (Customer.id,)), "%%garbage%%", 5)
    assert len(page.items) == 1


def test_bounded_counts_are_scoped_to_the_store(two_tenants):
    t = two_tenants
    for _ in range(3):
        factories.CustomerFactory(store=t.a2)
    with tenancy.enter(t.a1.id):
        assert count_upto(select(Customer)) == (1, False)
    with tenancy.enter(t.a2.id):
        assert count_upto(select(Customer)) == (4, False)
