"""Segments: a saved filter evaluated as one SQL select; cleaning drops unknown values."""

from __future__ import annotations

import datetime as dt

import pytest

from dealer_saas.customers.models import CustomerTag
from dealer_saas.extensions import db
from dealer_saas.marketing.services import MarketingError, segments
from dealer_saas.timeutil import local_today, utcnow

from .. import factories
from ..conftest import count_queries


def _ids(segment):
    return set(db.session.execute(segments.customer_ids(segment)).scalars())


def test_each_criterion_narrows_the_segment(store, in_store):
    web_vip = factories.CustomerFactory(store=store, source="web", level="vip")
    walk_owner = factories.CustomerFactory(store=store, source="walk_in", level="owner")
    tagged = factories.CustomerFactory(store=store, source="web", level="owner")
    db.session.add(CustomerTag(store_id=store.id, org_id=store.org_id, customer_id=tagged.id, tag="车友会"))
    factories.CustomerVehicleFactory(store=store, owner=walk_owner, model="途观L")
    visited = factories.VisitFactory(store=store, customer=web_vip)
    visited.time_in = utcnow() - dt.timedelta(days=10)
    no_mobile = factories.CustomerFactory(store=store, mobile=None)
    deleted = factories.CustomerFactory(store=store)
    deleted.deleted_at = utcnow()
    other_store = factories.CustomerFactory()
    db.session.flush()
    with in_store():
        assert _ids({}) == {web_vip.id, walk_owner.id, tagged.id}
        assert _ids({"sources": ["web"]}) == {web_vip.id, tagged.id}
        assert _ids({"sources": ["web"], "levels": ["owner"]}) == {tagged.id}
        assert _ids({"tags": "车友会"}) == {tagged.id}
        assert _ids({"model": "途观"}) == {walk_owner.id}
        since = (local_today() - dt.timedelta(days=15)).isoformat()
        assert _ids({"visited_from": since}) == {web_vip.id}
        assert _ids({"visited_to": (local_today() - dt.timedelta(days=20)).isoformat()}) == set()
        with count_queries() as statements:
            assert segments.count({"sources": ["web"], "tags": ["车友会"], "model": "x"}) == 0
        assert len(statements) == 1
    assert no_mobile.id not in _ids({}) and other_store.id


def test_cleaning_drops_unknown_values_and_refuses_a_reversed_range():
    assert segments.clean({"sources": ["web", "evil'--"], "levels": "vip", "junk": 1}) == {
        "sources": ["web"],
        "levels": ["vip"],
    }
    with pytest.raises(MarketingError) as refused:
        segments.clean({"visited_from": "2026-05-02", "visited_to": "2026-05-01"})
    assert refused.value.field == "visited_to"
    assert segments.clean({"model": "%_"})["model"] == "%_"
