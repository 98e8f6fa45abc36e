"""The funnel's visits summarised per store and day (``reports.visit_stats``): on the known
visits of tests/reports/conftest.py, the figures read through the summary are the live
query's, in total and under every breakdown, for periods before, across and after the
summary's cut-off day; a foreign-zone summary is ignored, summarised and live stores mix in
the roll-up, a late change shows at the next refresh, and the report reads the stamps once."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dealer_saas import tenancy
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.jobs import run_job_now
from dealer_saas.leads.models import Visit
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.reports import metrics, visit_stats
from dealer_saas.reports.metrics import Period
from dealer_saas.reports.models import VisitStat

from .. import factories
from ..conftest import login
from .conftest import ZONE, _visit, at

TZ = "Asia/Shanghai"
PERIODS = (
    Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
    Period(dt.date(2026, 9, 25), dt.date(2026, 11, 5)),
    Period(dt.date(2026, 10, 5), dt.date(2026, 10, 5)),
    Period(dt.date(2026, 9, 30), dt.date(2026, 9, 30)),
    Period(dt.date(2026, 10, 10), dt.date(2026, 10, 11)),
    Period(dt.date(2026, 10, 11), dt.date(2026, 11, 20)),
    Period(dt.date(2026, 11, 2), dt.date(2026, 11, 30)),
)
BREAKDOWNS = (None, *metrics.DIMENSIONS)


def _clock(monkeypatch, day: int, month: int = 11, hour: int = 12) -> dt.datetime:
    """Pin "now" (store-local) for the summary's writer."""
    now = dt.datetime(2026, month, day, hour, tzinfo=ZONE).astimezone(dt.UTC)
    monkeypatch.setattr(visit_stats, "utcnow", lambda: now)
    return now


@pytest.fixture
def visits(world):
    """The known visits, plus k1 seen a second time on 5 October under another source,
    consultant and model: once in the day's total, once under each key."""
    (k1_id,) = db.session.query(Visit.customer_id).filter_by(store_id=world.store.id, time_in=at(5, 10)).one()
    k1 = db.session.get(Customer, k1_id)
    _visit(world.store, k1, world.c2, at(5, 14), source="phone", model=world.models[1])
    db.session.flush()
    return world


def _figures(tz: str = TZ) -> dict:
    return {(p, by): metrics.visit_count(p, by=by, tz=tz) for p in PERIODS for by in BREAKDOWNS}


def test_the_figures_from_the_summary_are_the_live_query(visits, monkeypatch):
    store = visits.store
    with tenancy.enter(store.id):
        live = _figures()
        assert live[(PERIODS[2], None)] == {(store.id, None): 1}  # k1 twice on 5 Oct
        assert live[(PERIODS[2], "source")] == {(store.id, "walk_in"): 1, (store.id, "phone"): 1}
        _clock(monkeypatch, 20)
        rows = visit_stats.refresh(store.id, store.org_id, TZ)
        assert rows == db.session.query(VisitStat).filter_by(store_id=store.id).count() > 1
        assert _figures() == live
        # and it is the summary being read: change a summarised row and the figure follows
        db.session.query(VisitStat).filter_by(store_id=store.id, kind="all", day=dt.date(2026, 10, 5)).update({"n": 40})
        assert metrics.visit_count(PERIODS[2], tz=TZ) == {(store.id, None): 40}


def test_the_cut_off_day_and_after_are_counted_live(visits, monkeypatch):
    store = visits.store
    with tenancy.enter(store.id):
        live = _figures()
        _clock(monkeypatch, 11, month=10, hour=8)  # the summary holds 1-10 October and before
        visit_stats.refresh(store.id, store.org_id, TZ)
        days = {d for (d,) in db.session.query(VisitStat.day).filter_by(store_id=store.id, kind="all")}
        assert dt.date(2026, 10, 10) in days and max(days) == dt.date(2026, 10, 10)
        stamp = db.session.query(VisitStat).filter_by(store_id=store.id, kind="stamp").one()
        assert (stamp.day, stamp.zone) == (dt.date(2026, 10, 11), TZ)
        assert _figures() == live


def test_a_summary_of_another_zone_is_not_used(visits, monkeypatch):
    store = visits.store
    with tenancy.enter(store.id):
        live_utc = _figures("UTC")
        _clock(monkeypatch, 20)
        visit_stats.refresh(store.id, store.org_id, TZ)
        db.session.query(VisitStat).filter(VisitStat.kind != "stamp").update({"n": 99})
        assert _figures("UTC") == live_utc  # counted live: the summary is Shanghai's days


def test_a_late_change_shows_at_the_next_refresh_and_today_at_once(visits, monkeypatch):
    store = visits.store
    october = PERIODS[0]
    with tenancy.enter(store.id):
        now = _clock(monkeypatch, 20)
        visit_stats.refresh(store.id, store.org_id, TZ)
        before = metrics.visit_count(october, tz=TZ)[(store.id, None)]
        # a visit of 20 October logged late: the summary has that day, so not before the next refresh
        _visit(store, None, None, at(20, 10))
        # a walk-in today (the cut-off day): counted at once
        _visit(store, None, None, now - dt.timedelta(minutes=5))
        db.session.flush()
        today = Period(dt.date(2026, 11, 20), dt.date(2026, 11, 20))
        assert metrics.visit_count(october, tz=TZ)[(store.id, None)] == before
        assert metrics.visit_count(today, tz=TZ) == {(store.id, None): 1}
        visit_stats.refresh(store.id, store.org_id, TZ)
        assert metrics.visit_count(october, tz=TZ)[(store.id, None)] == before + 1
        assert metrics.visit_count(today, tz=TZ) == {(store.id, None): 1}


def test_summarised_and_live_stores_in_the_rollup(visits, monkeypatch):
    ctx = tenancy.TenantContext(
        org_id=visits.store.org_id,
        store_id=None,
        store_ids=(visits.store.id, visits.sibling.id),
        permissions=ALL_PERMISSIONS,
    )
    with tenancy.use(ctx):
        live = _figures()
        assert {s for figures in live.values() for s, _key in figures} == {visits.store.id, visits.sibling.id}
        _clock(monkeypatch, 20)
        visit_stats.refresh(visits.store.id, visits.store.org_id, TZ)  # the sibling stays live
        assert _figures() == live
        visit_stats.refresh(visits.sibling.id, visits.sibling.org_id, TZ)
        assert _figures() == live
        # narrowed to one store, never widened
        assert set(metrics.visit_count(PERIODS[0], tz=TZ, store_ids=[visits.sibling.id])) == {(visits.sibling.id, None)}


def test_a_report_reads_the_stamps_once(visits, monkeypatch):
    store = visits.store
    _clock(monkeypatch, 20)
    statements = []

    def count(*args, **kwargs):
        statements.append(args[2])

    with tenancy.enter(store.id):
        visit_stats.refresh(store.id, store.org_id, TZ)
        engine = db.session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            figures = metrics.run(
                *metrics.funnel_tallies(PERIODS[0], tz=TZ), *metrics.funnel_tallies(PERIODS[0], by="source", tz=TZ)
            )
            assert visit_stats.as_of((store.id,), PERIODS[0], TZ) == visit_stats.utcnow()
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert len(statements) == 2  # the stamps, then every stage of both funnels
        assert figures[0] == {(store.id, None): 6}  # k1 twice on 5 October is one visit
        # a period wholly from the cut-off on does not use the summary: no "as of" note
        assert visit_stats.as_of((store.id,), Period(dt.date(2026, 11, 20), dt.date(2026, 11, 30)), TZ) is None


def test_the_hourly_job_rebuilds_the_store(visits, monkeypatch):
    store = visits.store
    _clock(monkeypatch, 20)
    rows = run_job_now("reports.refresh_visit_stats", store.id)["rows"]
    assert rows > 5
    assert db.session.query(VisitStat).filter_by(store_id=store.id, kind="stamp").count() == 1
    assert run_job_now("reports.refresh_visit_stats", store.id)["rows"] == rows  # whole again, not added
    assert db.session.query(VisitStat).filter_by(store_id=store.id).count() == rows
    assert not db.session.query(VisitStat).filter_by(store_id=visits.sibling.id).count()


def test_the_group_report_from_the_summary_says_when_it_was_made(app, world, monkeypatch):
    manager = factories.user_with_role("group_manager", world.store, org_wide=True)
    client = login(app.test_client(), manager, world.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    october, hx = {"start": "2026-10-01", "end": "2026-10-31"}, {"HX-Request": "true"}
    live = client.get("/reports/funnel", query_string=october, headers=hx).get_data(as_text=True)
    assert '"values": [11, 4, 2, 3, 3]' in live and "统计截至" not in live
    _clock(monkeypatch, 20)
    for store in (world.store, world.sibling):
        with tenancy.enter(store.id):
            visit_stats.refresh(store.id, store.org_id, TZ)
    db.session.commit()
    summarised = client.get("/reports/funnel", query_string=october, headers=hx).get_data(as_text=True)
    assert '"values": [11, 4, 2, 3, 3]' in summarised and "统计截至 11-20 12:00" in summarised
    stores = client.get("/reports/stores/data", query_string=october, headers=hx).get_data(as_text=True)
    assert "统计截至 11-20 12:00" in stores and world.sibling.name in stores
