"""The metrics on known data (tests/reports/conftest.py): the numbers, per store, per
breakdown, and in the group roll-up with a store column; another store's rows never count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from dealer_saas import tenancy
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.reports import metrics
from dealer_saas.reports.metrics import Period
from dealer_saas.reports.models import SalesTarget

from .conftest import OCTOBER

TZ = "Asia/Shanghai"
OCT = Period(*OCTOBER)


@pytest.fixture
def in_world(world):
    with tenancy.enter(world.store.id):
        yield world


@pytest.fixture
def rollup(world):
    ctx = tenancy.TenantContext(
        org_id=world.store.org_id,
        store_id=None,
        store_ids=(world.store.id, world.sibling.id),
        permissions=ALL_PERMISSIONS,
    )
    with tenancy.use(ctx):
        yield world


def test_a_visit_counts_once_per_customer_per_local_day(in_world):
    # k1: 5 Oct (twice) + 6 Oct = 2; k2: 10 and 11 Oct local (one UTC day) = 2; two anonymous = 2;
    # k3's visits at 23:30 on 30 Sep and 00:10 on 1 Nov local are outside October
    assert metrics.visit_count(OCT, tz=TZ) == {(in_world.store.id, None): 6}
    assert metrics.visit_count(Period(dt.date(2026, 10, 5), dt.date(2026, 10, 5)), tz=TZ) == {
        (in_world.store.id, None): 1
    }
    assert metrics.visit_count(Period(dt.date(2026, 9, 30), dt.date(2026, 9, 30)), tz=TZ) == {
        (in_world.store.id, None): 1
    }


def test_the_day_is_the_stores_calendar_day_not_utcs(in_world):
    # in UTC k2's two visits fall on one day (10 Oct 15:30 and 16:30): one visit, not two
    assert metrics.visit_count(Period(dt.date(2026, 10, 10), dt.date(2026, 10, 11)), tz="UTC") == {
        (in_world.store.id, None): 1
    }
    assert metrics.visit_count(Period(dt.date(2026, 10, 10), dt.date(2026, 10, 11)), tz=TZ) == {
        (in_world.store.id, None): 2
    }


def test_cards_drives_and_orders_are_counted_in_the_period_of_their_creation(in_world):
    sid = in_world.store.id
    assert metrics.card_count(OCT, tz=TZ) == {(sid, None): 3}  # card3 at 23:00 on 31 Oct is in, card4 is not
    assert metrics.test_drive_count(OCT, tz=TZ) == {(sid, None): 2}  # cancelled and no-show are out
    assert metrics.order_count(OCT, tz=TZ) == {(sid, None): 2}  # draft and cancelled are out
    # deliveries by handover date: one ordered in September is an October delivery
    assert metrics.delivery_count(OCT, tz=TZ) == {(sid, None): 2}
    september = Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert metrics.order_count(september, tz=TZ) == {(sid, None): 1}
    assert metrics.card_count(september, tz=TZ) == {(sid, None): 1}
    assert metrics.delivery_count(september, tz=TZ) == {}


def test_funnel_counts_and_conversions(in_world):
    (row,) = metrics.funnel(OCT, tz=TZ)
    assert row.counts == {"visits": 6, "cards": 3, "test_drives": 2, "orders": 2, "deliveries": 2}
    assert row.conversions == [Decimal("0.5000"), Decimal("0.6667"), Decimal("1.0000"), Decimal("1.0000")]
    assert row.overall == Decimal("0.3333")


def test_funnel_by_source(in_world):
    rows = {r.key: r.counts for r in metrics.funnel(OCT, by="source", tz=TZ, per_store=False)}
    assert rows["walk_in"] == {"visits": 4, "cards": 1, "test_drives": 1, "orders": 1, "deliveries": 1}
    # the September order's delivery has no card: its customer's source (web)
    assert rows["web"] == {"visits": 2, "cards": 1, "test_drives": 1, "orders": 1, "deliveries": 1}
    assert rows["referral"] == {"visits": 0, "cards": 1, "test_drives": 0, "orders": 0, "deliveries": 0}
    assert set(rows) == {"walk_in", "web", "referral"}


def test_funnel_by_consultant_and_model(in_world):
    w = in_world
    by_consultant = {r.key: r.counts for r in metrics.funnel(OCT, by="consultant", tz=TZ, per_store=False)}
    assert by_consultant[w.c1.id] == {"visits": 2, "cards": 2, "test_drives": 1, "orders": 1, "deliveries": 1}
    assert by_consultant[w.c2.id] == {"visits": 2, "cards": 1, "test_drives": 1, "orders": 1, "deliveries": 1}
    assert by_consultant[None]["visits"] == 2  # the anonymous walk-ins had no consultant
    m1, m2 = w.models
    by_model = {r.key: r.counts for r in metrics.funnel(OCT, by="model", tz=TZ, per_store=False)}
    assert by_model[m1.id] == {"visits": 2, "cards": 2, "test_drives": 1, "orders": 1, "deliveries": 1}
    assert by_model[m2.id] == {"visits": 2, "cards": 1, "test_drives": 1, "orders": 1, "deliveries": 1}


def test_gross_margin_of_deliveries(in_world):
    w = in_world
    # 229 900 - 9 900 - 200 000 and 180 000 - 150 000
    assert metrics.gross_margin(OCT, tz=TZ) == {(w.store.id, None): Decimal("50000.00")}
    assert metrics.gross_margin(OCT, by="consultant", tz=TZ) == {
        (w.store.id, w.c1.id): Decimal("20000.00"),
        (w.store.id, w.c2.id): Decimal("30000.00"),
    }


def test_ranking_against_targets(in_world):
    w = in_world
    target = SalesTarget(consultant_id=w.c1.id, month=OCT.start, units=4, deliveries=2, gross_margin=Decimal("40000"))
    from dealer_saas.extensions import db

    db.session.add(target)
    db.session.flush()
    first, second = metrics.consultant_ranking(OCT, tz=TZ)
    # one delivery and one order each: the higher margin ranks first
    assert (first.consultant_id, first.units, first.deliveries, first.gross_margin) == (
        w.c2.id,
        1,
        1,
        Decimal("30000.00"),
    )
    assert first.target_units is None and first.units_attainment is None
    assert (second.consultant_id, second.target_units, second.target_deliveries) == (w.c1.id, 4, 2)
    assert second.units_attainment == Decimal("0.2500")
    assert second.deliveries_attainment == Decimal("0.5000")
    assert second.margin_attainment == Decimal("0.5000")
    # a target of another month is not this month's
    assert all(r.target_units is None for r in metrics.consultant_ranking(Period.month_of(dt.date(2026, 9, 1)), tz=TZ))


def test_forecast_weights_open_cards_by_the_stores_probabilities(in_world):
    w = in_world
    (row,) = metrics.pipeline_forecast()
    # open cards: card2 (H) and card4 (A); won and lost cards are out
    assert row.open_cards == {"H": 1, "A": 1, "B": 0, "C": 0}
    assert row.expected_orders == Decimal("1.1")  # 70 % + 40 %
    w.store.settings = {"forecast_probabilities": {"H": "50", "A": "20", "B": "10", "C": "0"}}
    (row,) = metrics.pipeline_forecast()
    assert row.expected_orders == Decimal("0.7")
    w.store.settings = {"forecast_probabilities": {"H": "junk", "A": "150"}}
    (row,) = metrics.pipeline_forecast()
    assert row.expected_orders == Decimal("1.1")  # junk falls back to the defaults


def test_the_roll_up_has_a_store_column(rollup):
    w = rollup
    rows = {r.store_id: r.counts for r in metrics.funnel(OCT, tz=TZ)}
    assert rows[w.store.id] == {"visits": 6, "cards": 3, "test_drives": 2, "orders": 2, "deliveries": 2}
    assert rows[w.sibling.id] == {"visits": 5, "cards": 1, "test_drives": 0, "orders": 1, "deliveries": 1}
    total = metrics.funnel_total(metrics.funnel(OCT, tz=TZ))
    assert total.counts["visits"] == 11
    assert metrics.gross_margin(OCT, tz=TZ)[(w.sibling.id, None)] == Decimal("50000.00")
    # narrowed to one store of the roll-up; a store outside it is dropped, never added
    assert {r.store_id for r in metrics.funnel(OCT, tz=TZ, store_ids=(w.sibling.id,))} == {w.sibling.id}
    assert metrics.funnel(OCT, tz=TZ, store_ids=(999_999,)) == []
    assert {r.store_id for r in metrics.pipeline_forecast()} == {w.store.id, w.sibling.id}


def test_another_stores_rows_never_count(world):
    with tenancy.enter(world.sibling.id):
        (row,) = metrics.funnel(OCT, tz=TZ)
        assert row.counts == {"visits": 5, "cards": 1, "test_drives": 0, "orders": 1, "deliveries": 1}
        # asking for the other store by id from inside this one gives nothing
        assert metrics.visit_count(OCT, tz=TZ, store_ids=(world.store.id,)) == {}
        assert [r.store_id for r in metrics.consultant_ranking(OCT, tz=TZ)] == [world.sibling.id]


def test_unknown_breakdown_is_refused(in_world):
    with pytest.raises(ValueError):
        metrics.visit_count(OCT, by="store_id; drop table", tz=TZ)


def test_metrics_run_together_in_one_statement_give_the_figures_of_each_alone(rollup):
    """A report page runs its metrics as one UNION ALL (``metrics.run``): the figures are those
    of every metric run on its own, with or without a breakdown, counts and amounts alike."""
    from ..conftest import count_queries

    w = rollup
    alone = [
        metrics.visit_count(OCT, tz=TZ),
        metrics.card_count(OCT, by="source", tz=TZ),
        metrics.order_count(OCT, by="source", tz=TZ),
        metrics.gross_margin(OCT, tz=TZ),
        metrics.delivery_count(OCT, by="source", tz=TZ),
    ]
    with count_queries() as statements:
        together = metrics.run(
            metrics.visit_count.tally(OCT, tz=TZ),
            metrics.card_count.tally(OCT, by="source", tz=TZ),
            metrics.order_count.tally(OCT, by="source", tz=TZ),
            metrics.gross_margin.tally(OCT, tz=TZ),
            metrics.delivery_count.tally(OCT, by="source", tz=TZ),
        )
    assert len(statements) == 1
    assert together == alone
    assert together[0] == {(w.store.id, None): 6, (w.sibling.id, None): 5}
    assert together[3][(w.sibling.id, None)] == Decimal("50000.00")
    # the stores report's run: the funnel, the margin and the forecast's open cards by level
    *stages, margins, open_cards = metrics.run(
        *metrics.funnel_tallies(OCT, tz=TZ), metrics.gross_margin.tally(OCT, tz=TZ), metrics.forecast_tally()
    )
    assert metrics.funnel_rows(stages) == metrics.funnel(OCT, tz=TZ)
    assert margins == metrics.gross_margin(OCT, tz=TZ)
    expected = [(r.store_id, r.open_cards) for r in metrics.pipeline_forecast()]
    assert [(r.store_id, r.open_cards) for r in metrics.forecast_rows(open_cards)] == expected
