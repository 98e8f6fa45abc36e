"""The customers, stock and after-sales figures on known data (October 2026, Shanghai): the
numbers per store, in the roll-up with the sibling store, and never the sibling's rows in the
store's own figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from dealer_saas import tenancy
from dealer_saas.customers.models import Customer
from dealer_saas.extensions import db
from dealer_saas.inventory.models import ModelStockMinimum
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.reports import aftersales_reports as af
from dealer_saas.reports import customer_reports as cu
from dealer_saas.reports import stock_reports as st
from dealer_saas.reports.metrics import Period
from dealer_saas.sales.models import SalesOrder
from dealer_saas.service.models import RepairOrder, RepairOrderLine
from dealer_saas.timeutil import local_today

from .. import factories
from .conftest import OCTOBER, _visit, at

TZ = "Asia/Shanghai"
OCT = Period(*OCTOBER)
TODAY = local_today()


def _customer(store, n, created, *, source="walk_in", address="", mobile="valid", owner=None, deleted=False):
    return factories.CustomerFactory(
        store=store,
        name=f"客户{n}",
        source=source,
        address=address,
        mobile=f"1390000{n:04d}" if mobile == "valid" else mobile,
        owner_id=owner.id if owner else None,
        created_at=created,
        deleted_at=created if deleted else None,
    )


def _ro(store, number, customer, vehicle, opened, status, total, *, ready_hours=None):
    ro = RepairOrder(
        store_id=store.id,
        org_id=store.org_id,
        number=number,
        customer_id=customer.id,
        vehicle_id=vehicle.id,
        mileage_in=10000,
        status=status,
        opened_at=opened,
        ready_at=opened + dt.timedelta(hours=ready_hours) if ready_hours is not None else None,
        total=D(total),
    )
    db.session.add(ro)
    db.session.flush()
    return ro


def _line(ro, category, payer, amount, hours, tech, status, minutes, rework=0):
    db.session.add(
        RepairOrderLine(
            store_id=ro.store_id,
            org_id=ro.org_id,
            repair_order_id=ro.id,
            description=category,
            category=category,
            payer=payer,
            technician_id=tech.id,
            hours=D(hours),
            rate=D(amount),
            amount=D(amount),
            status=status,
            actual_minutes=minutes,
            rework_count=rework,
        )
    )


@pytest.fixture
def known(store):
    store.timezone = TZ
    sibling = factories.StoreFactory(organisation=store.organisation, name="兄弟店")
    c1 = factories.user_with_role("sales_consultant", store, name="顾问甲")
    c2 = factories.user_with_role("sales_consultant", store, name="顾问乙")
    t1 = factories.user_with_role("technician", store, name="技师甲")
    t2 = factories.user_with_role("technician", store, name="技师乙")
    k1 = _customer(store, 1, at(3, 10), address="广东省广州市天河区体育西路1号", owner=c1)
    k2 = _customer(store, 2, at(20, 10), source="web", address="广州市海珠区新港路2号", mobile=None, owner=c1)
    k3 = _customer(store, 3, at(15, 10, month=9))
    _customer(store, 4, at(5, 10), deleted=True)
    k5 = _customer(store, 5, at(2, 10, month=11), owner=c2)
    s1 = _customer(sibling, 6, at(10, 10), address="深圳市南山区科技园")
    veh1 = factories.CustomerVehicleFactory(store=store, owner=k1)
    veh3 = factories.CustomerVehicleFactory(store=store, owner=k3)
    s_veh = factories.CustomerVehicleFactory(store=sibling, owner=s1)

    # visits of October: one anonymous and one of a customer without a mobile
    _visit(store, k1, c1, at(4, 10))
    _visit(store, None, c1, at(6, 10))
    _visit(store, k2, c2, at(20, 11))
    _visit(store, k1, c2, at(21, 11))

    # stock: ages 10, 45 (allocated) and 100 (a demo car) days, one without arrival date, one
    # in transit, and the delivered car (arrived 20 Sep, handed over at 00:00 UTC on 10 Oct)
    m1 = factories.VehicleModelFactory(org_id=store.org_id, series="帕萨特")
    m2 = factories.VehicleModelFactory(org_id=store.org_id, series="途观L")
    m3 = factories.VehicleModelFactory(org_id=store.org_id, series="ID.4")
    day = dt.timedelta(days=1)
    factories.StockVehicleFactory(store=store, vehicle_model=m1, arrival_date=TODAY - 10 * day, cost=D("100000"))
    factories.StockVehicleFactory(
        store=store, vehicle_model=m2, arrival_date=TODAY - 45 * day, cost=D("120000"), state="allocated"
    )
    factories.StockVehicleFactory(
        store=store, vehicle_model=m2, arrival_date=TODAY - 100 * day, cost=D("90000"), is_demo=True
    )
    factories.StockVehicleFactory(store=store, vehicle_model=m1, arrival_date=None, cost=D("0"))
    factories.StockVehicleFactory(store=store, vehicle_model=m1, arrival_date=None, state="in_transit")
    sold = factories.StockVehicleFactory(
        store=store, vehicle_model=m1, arrival_date=dt.date(2026, 9, 20), cost=D("200000"), state="delivered"
    )
    factories.StockVehicleFactory(store=sibling, vehicle_model=m1, arrival_date=TODAY - 5 * day)
    db.session.add_all(
        [
            ModelStockMinimum(store_id=store.id, org_id=store.org_id, model_id=m1.id, min_quantity=3),
            ModelStockMinimum(store_id=store.id, org_id=store.org_id, model_id=m3.id, min_quantity=1),
        ]
    )
    db.session.add(
        SalesOrder(
            store_id=store.id,
            org_id=store.org_id,
            number="SO-K1",
            customer_id=k1.id,
            consultant_id=c1.id,
            model_id=m1.id,
            list_price=D("229900"),
            discount=D("9900"),
            total=D("220000"),
            status="delivered",
            stock_vehicle_id=sold.id,
            created_at=at(1, 10),
            delivered_at=at(10, 8),
        )
    )

    # repair orders of October: three on k3's car (each within 30 days of the one before),
    # one in progress and one settled on k1's car (a repeat too), one cancelled
    a = _ro(store, "RO-A", k3, veh3, at(2, 9), "settled", "500", ready_hours=3)
    _line(a, "maintenance", "customer", "500", "1.0", t1, "passed", 50)
    b = _ro(store, "RO-B", k3, veh3, at(15, 9), "closed", "500", ready_hours=30)
    _line(b, "repair", "customer", "300", "2.0", t1, "passed", 150)
    _line(b, "repair", "warranty", "200", "1.0", t2, "passed", 60)
    c = _ro(store, "RO-C", k3, veh3, at(25, 9), "settled", "500", ready_hours=80)
    _line(c, "maintenance", "customer", "500", "1.0", t2, "done", 40, rework=1)
    d = _ro(store, "RO-D", k1, veh1, at(12, 9), "in_progress", "1000")
    _line(d, "bodywork", "insurer", "1000", "3.0", t1, "working", 0)
    e = _ro(store, "RO-E", k2, veh1, at(1, 9), "settled", "300")
    _line(e, "maintenance", "customer", "300", "1.0", t1, "passed", 60)
    f = _ro(store, "RO-F", k5, veh3, at(20, 9), "cancelled", "800")
    _line(f, "repair", "customer", "800", "2.0", t1, "pending", 0)
    _ro(store, "RO-G", k5, veh3, at(15, 9, month=6), "settled", "400")  # June: for the long period
    s_ro = _ro(sibling, "RO-S", s1, s_veh, at(5, 9), "settled", "999", ready_hours=2)
    _line(s_ro, "maintenance", "customer", "999", "1.5", t1, "passed", 90)
    db.session.flush()
    return {"store": store, "sibling": sibling, "c1": c1, "c2": c2, "t1": t1, "t2": t2, "m1": m1, "m2": m2, "m3": m3}


@pytest.fixture
def in_store(known):
    with tenancy.enter(known["store"].id):
        yield known


@pytest.fixture
def rollup(known):
    ctx = tenancy.TenantContext(
        org_id=known["store"].org_id,
        store_id=None,
        store_ids=(known["store"].id, known["sibling"].id),
        permissions=ALL_PERMISSIONS,
    )
    with tenancy.use(ctx):
        yield known


# --------------------------------------------------------------------------- customers


def test_new_customers_per_month_source_and_region(in_store):
    sid = in_store["store"].id
    assert cu.new_customers(OCT, tz=TZ) == {(sid, None): 2}  # the deleted one does not count
    autumn = Period(dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    assert cu.new_customers(autumn, by="month", tz=TZ) == {
        (sid, "2026-09"): 1,
        (sid, "2026-10"): 2,
        (sid, "2026-11"): 1,
    }
    assert cu.new_customers(OCT, by="source", tz=TZ) == {(sid, "walk_in"): 1, (sid, "web"): 1}
    assert cu.new_customers(OCT, by="region", tz=TZ) == {(sid, "广州市天河区"): 1, (sid, "广州市海珠区"): 1}
    assert cu.new_customers(autumn, by="region", tz=TZ)[(sid, "")] == 2  # no address: not given


def test_new_customers_in_the_roll_up_carry_the_store(rollup):
    counts = cu.new_customers(OCT, by="region", tz=TZ)
    assert counts[(rollup["sibling"].id, "深圳市南山区")] == 1
    assert sum(counts.values()) == 3


def test_value_segments_rfm(in_store):
    sid = in_store["store"].id
    # k1 bought a car (M3, once), k3 had three settled ROs (F3), k2 one RO on 1 Oct (R3);
    # k5's only purchase is June (outside October): no purchase; the in-progress and
    # cancelled ROs are not purchases
    assert cu.value_segments(OCT, tz=TZ) == {
        (sid, "big_spender"): (1, D("220000.00")),
        (sid, "loyal"): (1, D("1500.00")),
        (sid, "active"): (1, D("300.00")),
        (sid, "none"): (1, D("0.00")),
    }
    year = Period(dt.date(2026, 1, 1), dt.date(2026, 10, 31))
    segments = cu.value_segments(year, tz=TZ)
    assert segments[(sid, "cooling")] == (1, D("400.00"))  # 15 June: 138 days before 31 Oct
    assert segments[(sid, "none")] == (0, D("0.00"))


def test_data_completeness_and_visits_without_contact(in_store):
    sid, c1, c2 = in_store["store"].id, in_store["c1"].id, in_store["c2"].id
    assert cu.completeness_by_owner() == {
        (sid, c1): {"customers": 2, "mobile": 1, "vehicle": 1},
        (sid, None): {"customers": 1, "mobile": 1, "vehicle": 1},
        (sid, c2): {"customers": 1, "mobile": 1, "vehicle": 0},
    }
    assert cu.visits_without_contact(OCT, tz=TZ) == {
        (sid, c1): {"visits": 2, "no_contact": 1},
        (sid, c2): {"visits": 2, "no_contact": 1},
    }


def test_completeness_section_names_the_worst_offender_first(in_store, app):
    from dealer_saas.reports.sections import Filters

    result = cu.completeness_section(Filters(OCT, None, TZ, {}))
    store_row = result["tables"][0].rows[0]
    assert store_row[1:] == ["4", "75.0%", "75.0%", "50.0%", "4", "2（50.0%）"]
    offenders = result["tables"][1].rows
    assert offenders[0][0] == "顾问甲" and offenders[0][1:] == ["2", "1", "1", "1"]


# --------------------------------------------------------------------------- stock


def test_stock_ageing_buckets_and_cost(in_store):
    sid = in_store["store"].id
    assert st.stock_ageing(TODAY) == {
        (sid, "0-30"): (1, D("100000.00")),
        (sid, "31-60"): (1, D("120000.00")),
        (sid, "91-180"): (1, D("90000.00")),
        (sid, "unknown"): (1, D("0.00")),
    }


def test_stock_by_model_against_the_minimum(in_store):
    sid, m1, m2, m3 = (in_store[k].id for k in ("store", "m1", "m2", "m3"))
    data = st.stock_by_model()
    assert data[(sid, m1)] == {"in_stock": 2, "allocated": 0, "in_transit": 1, "minimum": 3}
    assert data[(sid, m2)] == {
        "in_stock": 0,
        "allocated": 1,
        "in_transit": 0,
        "minimum": 0,
    }  # the demo car is not for sale
    assert data[(sid, m3)] == {"in_stock": 0, "allocated": 0, "in_transit": 0, "minimum": 1}


def test_turnover(in_store):
    (row,) = st.turnover(OCT, tz=TZ).values()
    assert row == {
        "delivered": 1,
        "on_books": 4,
        "turns": D("0.2500"),
        "days_of_supply": D("124.0"),
        "days_in_stock": D("20.0"),
    }


def test_stock_in_the_roll_up_adds_the_sibling(rollup):
    ageing = st.stock_ageing(TODAY)
    assert ageing[(rollup["sibling"].id, "0-30")][0] == 1
    assert sum(n for n, _c in ageing.values()) == 5


# --------------------------------------------------------------------------- after-sales


def test_ro_count_revenue_by_type_and_payer(in_store):
    sid = in_store["store"].id
    assert af.ro_count(OCT, tz=TZ) == {sid: (5, D("1800.00"))}  # cancelled out, in progress not revenue
    assert af.ro_mix(OCT, tz=TZ) == {
        (sid, "maintenance", "customer"): {"ros": 3, "revenue": D("1300.00"), "hours": D("3.00")},
        (sid, "repair", "customer"): {"ros": 1, "revenue": D("300.00"), "hours": D("2.00")},
        (sid, "repair", "warranty"): {"ros": 1, "revenue": D("200.00"), "hours": D("1.00")},
        (sid, "bodywork", "insurer"): {"ros": 1, "revenue": D("0.00"), "hours": D("3.00")},
    }


def test_technician_hours_sold_against_worked(in_store):
    sid, t1, t2 = in_store["store"].id, in_store["t1"].id, in_store["t2"].id
    assert af.technician_hours(OCT, tz=TZ) == {
        (sid, t1): {"lines": 3, "sold": D("4.00"), "worked": D("4.33"), "productivity": D("0.9238"), "reworks": 0},
        (sid, t2): {"lines": 2, "sold": D("2.00"), "worked": D("1.67"), "productivity": D("1.1976"), "reworks": 1},
    }


def test_repair_duration_and_repeat_repairs(in_store):
    sid = in_store["store"].id
    durations = af.repair_duration(OCT, tz=TZ)
    assert {k: (n, round(h, 2)) for k, (n, h) in durations.items()} == {
        (sid, "lt4"): (1, 3.0),
        (sid, "1-3d"): (1, 30.0),
        (sid, "gt3d"): (1, 80.0),
    }
    # B and C follow A and B on the same car within 30 days, D follows E on k1's car
    assert af.repeat_repairs(OCT, tz=TZ) == {sid: (5, 3)}


def test_after_sales_in_the_roll_up_has_a_store_column(rollup, app):
    from dealer_saas.reports.sections import Filters

    assert af.ro_count(OCT, tz=TZ)[rollup["sibling"].id] == (1, D("999.00"))
    result = af.mix_section(Filters(OCT, None, TZ, {}))
    summary = result["tables"][0]
    assert {r[0] for r in summary.rows[:-1]} == {"兄弟店", rollup["store"].name} and summary.rows[-1][0] == "合计"
    assert summary.rows[-1][1:3] == ["6", "2,799.00"]
    assert result["tables"][1].header[0] == "门店"


@pytest.mark.parametrize("name", ["mix", "technicians", "quality"])
def test_after_sales_over_a_large_installation_runs_as_a_job_with_the_same_figures(in_store, monkeypatch, name):
    """Past ``LARGE_REPAIR_ORDERS`` repair orders in the installation the revenue mix, the
    technicians' hours and the duration/repeat section run as a job, for one store too; the job's figures are the
    request's."""
    from dealer_saas.reports import section_jobs
    from dealer_saas.reports.sections import Filters

    build = {"mix": af.mix_section, "technicians": af.technicians_section, "quality": af.quality_section}[name]
    f = Filters(OCT, None, TZ, {})
    live = build(f)
    assert "job" not in live and live["tables"][0].rows  # a small installation: in the request
    started = []
    monkeypatch.setattr(section_jobs, "many_repair_orders", lambda: True)
    monkeypatch.setattr(section_jobs, "enqueue", lambda *a, **kw: started.append(kw))
    waiting = build(f)
    assert waiting["job"]["status"] == "queued" and waiting["tables"] == []
    assert [(kw["report"], kw["section"]) for kw in started] == [("aftersales", name)]
    section_jobs.build_section(**started[0])
    ready = build(f)
    assert ready["job"]["status"] == "done"
    assert [t.rows for t in ready["tables"]] == [t.rows for t in live["tables"]]


def test_a_store_never_sees_the_siblings_rows(in_store):
    assert in_store["sibling"].id not in af.ro_count(OCT, tz=TZ)
    assert all(s == in_store["store"].id for s, _k in cu.new_customers(OCT, by="region", tz=TZ))
    assert not db.session.query(Customer).filter(Customer.store_id == in_store["sibling"].id).count()


def test_the_store_trend_tile_months(in_store):
    from dealer_saas.reports.role_tiles import monthly_sales_and_service

    figures = monthly_sales_and_service(Period(dt.date(2026, 6, 1), dt.date(2026, 11, 30)), TZ)
    assert figures == {
        ("orders", "2026-10"): D(1),
        ("deliveries", "2026-10"): D(1),
        ("service", "2026-10"): D("1800.00"),
        ("service", "2026-06"): D("400.00"),
    }


def test_the_growth_grid_adds_up_to_each_breakdown(in_store):
    autumn = Period(dt.date(2026, 9, 1), dt.date(2026, 11, 30))
    grid = cu.new_customers_grid(autumn, tz=TZ)
    for index, by in ((1, "month"), (2, "source"), (3, "region")):
        assert cu._marginal(grid, index) == cu.new_customers(autumn, by=by, tz=TZ)


# --------------------------------------------------------------------------- the customers summary


def _section_rows(f):
    return [
        [t.rows for t in build(f)["tables"]]
        for build in (cu.growth_section, cu.segments_section, cu.completeness_section)
    ]


def test_the_customer_summary_gives_the_live_figures_and_says_when(in_store, app):
    from dealer_saas.reports import customer_stats
    from dealer_saas.reports.models import CustomerStat
    from dealer_saas.reports.sections import Filters

    store = in_store["store"]
    autumn = Filters(Period(dt.date(2026, 9, 1), dt.date(2026, 11, 30)), None, TZ, {})
    octo = Filters(OCT, None, TZ, {})
    # a period of partial months: its edges are counted live beside the summary's months
    edges = Filters(Period(dt.date(2026, 9, 20), dt.date(2026, 11, 1)), None, TZ, {})
    live = _section_rows(autumn), _section_rows(octo), _section_rows(edges)
    assert "统计截至" not in cu.growth_section(octo)["tables"][0].caption

    rows = customer_stats.refresh(store.id, store.org_id, TZ)
    kinds = {k: n for k, n in db.session.query(CustomerStat.kind, db.func.count()).group_by(CustomerStat.kind)}
    # 4 live customers: Sep walk-in, Oct walk-in in 天河区 and web in 海珠区, Nov walk-in;
    # 3 owners (c1, c2, none); visits of c1 on 4 and 6 Oct, of c2 on 20 and 21 Oct
    assert kinds == {"stamp": 1, "growth": 4, "owner": 3, "visits": 4} and rows == 12
    assert (_section_rows(autumn), _section_rows(octo), _section_rows(edges)) == live
    assert live[2][0][0] == [["2026-09", "0", "0"], ["2026-10", "2", "2"], ["2026-11", "0", "0"]]
    assert "统计截至" in cu.growth_section(octo)["tables"][0].caption

    # a customer created after the summary waits for the next refresh (at most an hour)
    _customer(store, 7, at(9, 10))
    assert cu.new_customers(OCT, tz=TZ) == {(store.id, None): 3}
    assert cu.growth_section(octo)["tables"][0].rows == live[1][0][0]
    customer_stats.refresh(store.id, store.org_id, TZ)
    assert cu.growth_section(octo)["tables"][0].rows != live[1][0][0]


def test_the_roll_up_mixes_summarised_and_live_stores(known, app):
    from dealer_saas.reports import customer_stats
    from dealer_saas.reports.sections import Filters

    store, sibling = known["store"], known["sibling"]
    ctx = tenancy.TenantContext(
        org_id=store.org_id, store_id=None, store_ids=(store.id, sibling.id), permissions=ALL_PERMISSIONS
    )
    f = Filters(OCT, None, TZ, {})
    with tenancy.use(ctx):
        live = _section_rows(f)
    with tenancy.enter(store.id):
        customer_stats.refresh(store.id, store.org_id, TZ)
    with tenancy.use(ctx):
        assert _section_rows(f) == live
        segments = cu.value_segments(OCT, tz=TZ)  # the store from its summary, the sibling live
        assert segments[(store.id, "none")] == (1, D("0.00")) and segments[(sibling.id, "none")] == (0, D("0.00"))


def test_segments_over_a_large_group_run_as_a_job_with_progress_then_the_figures(in_store, app, monkeypatch):
    from dealer_saas.reports import customer_stats, section_jobs
    from dealer_saas.reports.sections import Filters

    store = in_store["store"]
    f = Filters(OCT, None, TZ, {})
    live = cu.segments_section(f)
    assert "job" not in live  # small: counted in the request
    customer_stats.refresh(store.id, store.org_id, TZ)
    monkeypatch.setattr(section_jobs, "LARGE_CUSTOMERS", 3)  # the store has 4 live customers
    started = []
    monkeypatch.setattr(section_jobs, "enqueue", lambda *a, **kw: started.append(kw))
    waiting = cu.segments_section(f)
    assert waiting["job"] == {"status": "queued", "done": 0, "total": 1} and waiting["tables"] == []
    cu.segments_section(f)
    assert len(started) == 1  # one job per filters, however often the page polls
    # the job, as the worker runs it: progress per store, then the figures
    kwargs = started[0]
    steps = []
    real_write = section_jobs._write
    monkeypatch.setattr(
        section_jobs, "_write", lambda key, state: (steps.append(state["status"]), real_write(key, state))
    )
    section_jobs.build_section(**kwargs)
    assert steps == ["running", "done"]
    ready = cu.segments_section(f)
    assert ready["job"]["status"] == "done"
    assert [t.rows for t in ready["tables"]] == [t.rows for t in live["tables"]]


def test_the_segments_fragment_polls_while_the_job_runs(known, app, monkeypatch):
    from dealer_saas.reports import customer_stats, section_jobs

    from ..conftest import login

    store = known["store"]
    with tenancy.enter(store.id):
        customer_stats.refresh(store.id, store.org_id, TZ)
    monkeypatch.setattr(section_jobs, "LARGE_CUSTOMERS", 3)
    monkeypatch.setattr(section_jobs, "enqueue", lambda *a, **kw: None)
    client = login(app.test_client(), factories.user_with_role("store_manager", store))
    body = client.get("/reports/customers/segments", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="report-job"' in body and 'hx-trigger="load delay:2s"' in body
    assert "/reports/customers/segments?" in body and "0 / 1" in body


def test_the_segments_job_runs_through_the_job_base(in_store, app, monkeypatch):
    from dealer_saas.reports import customer_stats, section_jobs
    from dealer_saas.reports.sections import Filters

    store = in_store["store"]
    f = Filters(OCT, None, TZ, {})
    live = cu.segments_section(f)
    customer_stats.refresh(store.id, store.org_id, TZ)
    monkeypatch.setattr(section_jobs, "LARGE_CUSTOMERS", 3)
    started = []
    monkeypatch.setattr(section_jobs, "enqueue", lambda *a, **kw: started.append(kw))
    cu.segments_section(f)
    from dealer_saas.jobs import run_job_now

    assert run_job_now(section_jobs.JOB, None, **started[0]) == {"stores": 1, "rows": 6}  # one line per segment
    ready = cu.segments_section(f)
    assert ready["job"]["status"] == "done"
    assert [t.rows for t in ready["tables"]] == [t.rows for t in live["tables"]]
