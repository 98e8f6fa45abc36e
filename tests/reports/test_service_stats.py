"""The service figures' monthly summary (``reports.service_stats``): the trend tile's service
revenue read from it is the live query's, on known repair orders (June, October and November
2026, Shanghai), with the current month counted live, a stale or foreign-zone summary ignored,
and summarised and live stores mixed in the roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.jobs import run_job_now
from dealer_saas.reports import service_stats
from dealer_saas.reports.metrics import Period
from dealer_saas.reports.models import ServiceStat
from dealer_saas.reports.role_tiles import monthly_sales_and_service
from dealer_saas.service.models import RepairOrder

from . import test_section_metrics as known_rows
from .conftest import ZONE, at
from .test_section_metrics import TZ, _ro

#: the known rows' fixtures (October 2026 and the sibling store)
known, rollup = known_rows.known, known_rows.rollup

#: the tile's six months as of 20 November 2026
SIX = Period(dt.date(2026, 6, 1), dt.date(2026, 11, 20))


def _clock(monkeypatch, day: int, month: int = 11, hour: int = 12) -> None:
    """Pin "now" (store-local) for the summary's writer."""
    now = dt.datetime(2026, month, day, hour, tzinfo=ZONE).astimezone(dt.UTC)
    monkeypatch.setattr(service_stats, "utcnow", lambda: now)


def october_ro(store, number: str = "RO-A") -> RepairOrder:
    return db.session.query(RepairOrder).filter_by(store_id=store.id, number=number).one()


def _service(figures: dict) -> dict:
    return {m: v for (k, m), v in figures.items() if k == "service"}


@pytest.fixture
def november(known):
    """Two more ROs in the month "now" is in: one settled (revenue), one open (none)."""
    store = known["store"]
    ro = october_ro(store)
    _ro(store, "RO-N1", ro.customer, ro.vehicle, at(5, 9, month=11), "closed", "250.50")
    _ro(store, "RO-N2", ro.customer, ro.vehicle, at(6, 9, month=11), "open", "700")
    db.session.flush()
    return known


def test_the_trend_from_the_summary_is_the_live_query(november, monkeypatch):
    store = november["store"]
    _clock(monkeypatch, 20)
    with tenancy.enter(store.id):
        live = monthly_sales_and_service(SIX, TZ)
        # settled or closed ROs' totals by the month they were opened: June G; October A, B,
        # C, E (D in progress, F cancelled); November N1 (N2 open)
        assert _service(live) == {"2026-06": D("400.00"), "2026-10": D("1800.00"), "2026-11": D("250.50")}

        rows = service_stats.refresh(store.id, store.org_id, TZ)
        stats = db.session.query(ServiceStat).filter_by(store_id=store.id).all()
        # the stamp, and June, October and November (N1 closed; N2 open is not)
        assert rows == len(stats) == 4
        assert sorted((s.kind, s.month) for s in stats if s.kind == "ro") == [
            ("ro", dt.date(2026, m, 1)) for m in (6, 10, 11)
        ]
        stamp = next(s for s in stats if s.kind == "stamp")
        assert (stamp.zone, stamp.refreshed_at.replace(tzinfo=dt.UTC)) == (TZ, service_stats.utcnow())
        october = next(s for s in stats if s.kind == "ro" and s.month == dt.date(2026, 10, 1))
        assert (october.ros, october.revenue) == (4, D("1800.00"))  # settled: A, B, C, E
        assert monthly_sales_and_service(SIX, TZ) == live

        # the current month stays live: an RO settled now is in at once
        a = october_ro(store)
        n3 = _ro(store, "RO-N3", a.customer, a.vehicle, at(18, 9, month=11), "settled", "49.50")
        n3.settled_at = service_stats.utcnow()
        assert _service(monthly_sales_and_service(SIX, TZ))["2026-11"] == D("300.00")
        # so is an RO of a past month settled now (after the summary's cut-off)
        d = october_ro(store, "RO-D")
        d.status, d.settled_at = "settled", service_stats.utcnow()
        db.session.flush()
        after = {"2026-06": D("400.00"), "2026-10": D("2800.00"), "2026-11": D("300.00")}
        assert _service(monthly_sales_and_service(SIX, TZ)) == after
        _clock(monkeypatch, 20, hour=14)
        service_stats.refresh(store.id, store.org_id, TZ)  # a later hour: now summarised
        october = db.session.query(ServiceStat.ros, ServiceStat.revenue).filter_by(
            store_id=store.id, kind="ro", month=dt.date(2026, 10, 1)
        )
        assert tuple(october.one()) == (5, D("2800.00"))
        assert _service(monthly_sales_and_service(SIX, TZ)) == after


def test_an_older_summary_is_still_exact_and_another_zone_is_not_read(november, monkeypatch):
    store = november["store"]
    with tenancy.enter(store.id):
        live = monthly_sales_and_service(SIX, TZ)
        _clock(monkeypatch, 10, month=10)  # summarised on 10 October: RO-A only of October
        service_stats.refresh(store.id, store.org_id, TZ)
        assert monthly_sales_and_service(SIX, TZ) == live  # the older summary had all settled ones
        db.session.query(ServiceStat).filter_by(kind="ro").update({"revenue": D("1.00")})
        assert _service(monthly_sales_and_service(SIX, TZ))["2026-10"] == D("1.00")  # read from it
        service_stats.refresh(store.id, store.org_id, "UTC")  # another zone's months
        db.session.query(ServiceStat).filter_by(kind="ro").update({"revenue": D("1.00")})
        assert monthly_sales_and_service(SIX, TZ) == live  # not read: counted live


def test_the_roll_up_mixes_summarised_and_live_stores(rollup, monkeypatch):
    store, sibling = rollup["store"], rollup["sibling"]
    _clock(monkeypatch, 20)
    cut = Period(dt.date(2026, 6, 10), dt.date(2026, 10, 14))  # whole months and edges
    live, live_cut = monthly_sales_and_service(SIX, TZ), monthly_sales_and_service(cut, TZ)
    assert _service(live) == {"2026-06": D("400.00"), "2026-10": D("2799.00")}  # with the sibling's 999
    assert _service(live_cut) == {"2026-06": D("400.00"), "2026-10": D("1799.00")}  # B and C after the 14th
    with tenancy.enter(store.id):
        service_stats.refresh(store.id, store.org_id, TZ)
    assert (monthly_sales_and_service(SIX, TZ), monthly_sales_and_service(cut, TZ)) == (live, live_cut)
    with tenancy.enter(sibling.id):
        service_stats.refresh(sibling.id, sibling.org_id, TZ)
    assert (monthly_sales_and_service(SIX, TZ), monthly_sales_and_service(cut, TZ)) == (live, live_cut)


def test_the_split_into_summarised_months_and_live_edges():
    later = dt.date(2026, 12, 5)
    # a period that runs to today: its month is whole as far as it goes
    assert service_stats.split(SIX, SIX.end) == ((dt.date(2026, 6, 1), dt.date(2026, 11, 1)), ())
    assert service_stats.split(SIX, later) == (
        (dt.date(2026, 6, 1), dt.date(2026, 10, 1)),
        (Period(dt.date(2026, 11, 1), SIX.end),),
    )
    cut = Period(dt.date(2026, 6, 10), dt.date(2026, 9, 14))
    assert service_stats.split(cut, later) == (
        (dt.date(2026, 7, 1), dt.date(2026, 8, 1)),
        (Period(dt.date(2026, 6, 10), dt.date(2026, 6, 30)), Period(dt.date(2026, 9, 1), dt.date(2026, 9, 14))),
    )
    whole = Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert service_stats.split(whole, later) == ((dt.date(2026, 7, 1), dt.date(2026, 9, 1)), ())
    inside = Period(dt.date(2026, 7, 3), dt.date(2026, 7, 20))
    assert service_stats.split(inside, later) == (None, (inside,))


def test_the_hourly_job_rebuilds_the_store(known, monkeypatch):
    store = known["store"]
    _clock(monkeypatch, 20)
    assert run_job_now("reports.refresh_service_stats", store.id)["rows"] >= 3
    assert db.session.query(ServiceStat).filter_by(store_id=store.id, kind="stamp").count() == 1
    again = run_job_now("reports.refresh_service_stats", store.id)["rows"]  # whole again, not added
    assert db.session.query(ServiceStat).filter_by(store_id=store.id).count() == again
    assert not db.session.query(ServiceStat).filter_by(store_id=known["sibling"].id).count()
