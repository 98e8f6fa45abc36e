"""The parts sections of the stock report on known stock (October 2026, Shanghai): stock
value by category, consumption and turnover, below the reorder point, dead stock with its
days filter; the sibling store's parts only in the roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.parts.services import catalogue, stock
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.reports import parts_reports as pr
from dealer_saas.reports.metrics import Period
from dealer_saas.reports.sections import Filters, filters_from
from dealer_saas.timeutil import utcnow

from .. import factories
from .conftest import OCTOBER, at

TZ = "Asia/Shanghai"
OCT = Period(*OCTOBER)


def _part(code, category, on_hand, cost, **fields):
    row = catalogue.create_part({"code": code, "name": f"配件{code}", "category": category, "unit": "pc", **fields})
    if on_hand:
        stock.apply_movement(row.id, "receipt", D(on_hand), unit_cost=D(cost), reference="TEST")
    return row


def _move(row, kind, quantity, when):
    movement = stock.apply_movement(row.id, kind, D(quantity), reference="TEST")
    movement.created_at = when
    db.session.flush()
    return movement


@pytest.fixture
def parts(store, in_store):
    store.timezone = TZ
    sibling = factories.StoreFactory(organisation=store.organisation, name="兄弟店")
    clerk = factories.user_with_role("parts_clerk", store)
    with in_store(clerk):
        oil = _part("OF1", "oil", 10, "20.00", reorder_point="12")  # 200.00; available 10 <= 12: low
        pads = _part("BP1", "brake", 4, "200.00", reorder_point="2")  # 800.00
        filt = _part("FL1", "filter", 5, "30.00", reorder_point="8")  # 150.00; low, shortfall 3
        _part("SP1", "electrical", 0, "0")  # nothing on hand: not in the value
        # October: 3 pads issued to ROs (600.00), 1 returned (-200.00), 2 litres of oil sold
        # (40.00); a receipt and a September issue are not October's consumption
        _move(pads, "issue", "-3", at(5, 10))
        _move(pads, "return", "1", at(6, 10))
        _move(oil, "sale", "-2", at(7, 10))
        _move(oil, "issue", "-1", at(20, 10, month=9))
        _move(oil, "receipt", "3", at(8, 10))
        # pads last moved 100 days ago, the filter 40 days ago, oil today
        now = utcnow()
        pads.last_moved_at = now - dt.timedelta(days=100)
        filt.last_moved_at = now - dt.timedelta(days=40)
        db.session.flush()
    other = factories.user_with_role("parts_clerk", sibling)
    with in_store(other, target=sibling):
        _part("OF1", "oil", 1, "50.00", reorder_point="5")
    db.session.flush()
    return {"store": store, "sibling": sibling, "oil": oil, "pads": pads, "filt": filt, "clerk": clerk}


def _rollup(parts):
    return tenancy.TenantContext(
        org_id=parts["store"].org_id,
        store_id=None,
        store_ids=(parts["store"].id, parts["sibling"].id),
        permissions=ALL_PERMISSIONS,
    )


def test_stock_value_by_category(parts):
    sid = parts["store"].id
    with tenancy.enter(sid):
        value = pr.stock_value()
    # oil: 10 received + 3 received - 2 sold - 1 issued = 10 on hand at 20.00; pads 4 - 3 + 1 = 2
    assert value == {
        (sid, "oil"): {"parts": 1, "quantity": D("10"), "value": D("200.00")},
        (sid, "brake"): {"parts": 1, "quantity": D("2"), "value": D("400.00")},
        (sid, "filter"): {"parts": 1, "quantity": D("5"), "value": D("150.00")},
    }


def test_consumption_and_turnover(parts):
    sid = parts["store"].id
    with tenancy.enter(sid):
        assert pr.consumption(OCT, tz=TZ) == {sid: D("440.00")}  # 600 - 200 + 40
        turnover = pr.parts_turnover(OCT, tz=TZ)
    assert turnover == {
        sid: {
            "consumption": D("440.00"),
            "value": D("750.00"),
            "turns": D("0.5867"),
            "days_of_supply": D("52.8"),  # 750 / (440 / 31)
        }
    }


def test_below_reorder_point_largest_shortfall_first(parts):
    sid = parts["store"].id
    with tenancy.enter(sid):
        counts, rows = pr.below_reorder_point()
    assert counts == {sid: 3}  # the pads' 2 available are at their reorder point 2: low too
    assert [(r["code"], r["available"], r["reorder_point"], r["short"]) for r in rows] == [
        ("FL1", D("5"), D("8"), D("3")),
        ("OF1", D("10"), D("12"), D("2")),
        ("BP1", D("2"), D("2"), D("0")),
    ]


def test_dead_stock_follows_the_days_filter(parts):
    sid = parts["store"].id
    with tenancy.enter(sid):
        totals, rows = pr.dead_stock(90)
        assert totals == {sid: (1, D("400.00"))}
        assert [(r["code"], r["idle_days"]) for r in rows] == [("BP1", 100)]
        totals, rows = pr.dead_stock(30)
        assert totals == {sid: (2, D("550.00"))}
        assert [r["code"] for r in rows] == ["BP1", "FL1"]  # highest value first
        f = filters_from({"dead_days": "30"})
        assert f.dead_days == 30 and f.query["dead_days"] == "30"
        assert filters_from({"dead_days": "7"}).dead_days == 90  # not offered: the default
        assert filters_from({"dead_days": "9" * 5000}).dead_days == 90
        section = pr.parts_dead_section(f)
    assert section["tables"][0].rows == [[parts["store"].name, "2", "550.00"]]
    assert section["tables"][1].rows[0] == ["BP1", "配件BP1", "2", "400.00", "100"]


def test_the_roll_up_adds_the_sibling_with_a_store_column(parts):
    store, sibling = parts["store"], parts["sibling"]
    with tenancy.use(_rollup(parts)):
        value = pr.stock_value()
        assert value[(sibling.id, "oil")] == {"parts": 1, "quantity": D("1"), "value": D("50.00")}
        counts, rows = pr.below_reorder_point()
        assert counts == {store.id: 3, sibling.id: 1}
        f = Filters(OCT, None, TZ, {})
        table = pr.parts_value_section(f)["tables"][0]
        assert table.header[0] == "门店" and table.rows[-1][-2] == "800.00"
        low = pr.parts_low_section(f)["tables"][0].rows
        assert low[-1] == ["合计", "4"]
    with tenancy.enter(store.id):
        assert sibling.id not in {s for s, _c in pr.stock_value()}
        assert pr.parts_value_section(Filters(OCT, None, TZ, {}))["tables"][0].rows[-1] == [
            "合计",
            "3",
            "17",
            "750.00",
            "",
        ]


def test_a_manager_opens_the_parts_sections_and_exports_them(parts, app):
    from ..conftest import login

    manager = factories.user_with_role("store_manager", parts["store"])
    client = login(app.test_client(), manager)
    page = client.get("/reports/stock").get_data(as_text=True)
    assert 'id="dead_days"' in page and "/reports/stock/parts_dead" in page
    body = client.get("/reports/stock/parts_low", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "FL1" in body and "<html" not in body
    body = client.get("/reports/stock/parts_dead?dead_days=30").get_data(as_text=True)
    assert "FL1" in body and "<html" in body


def test_group_wide_parts_over_a_large_installation_run_as_a_job(parts, monkeypatch):
    from dealer_saas.reports import section_jobs

    started = []
    monkeypatch.setattr(section_jobs, "many_parts", lambda: True)
    monkeypatch.setattr(section_jobs, "enqueue", lambda *a, **kw: started.append(kw))
    f = Filters(OCT, None, TZ, {})
    with tenancy.use(_rollup(parts)):
        live = pr.parts_value_section.__wrapped__(f)
        waiting = pr.parts_value_section(f)
        assert waiting["job"]["status"] == "queued" and waiting["tables"] == []
        assert [kw["section"] for kw in started] == ["parts_value"]
        section_jobs.build_section(**started[0])
        ready = pr.parts_value_section(f)
    assert ready["job"]["status"] == "done" and ready["tables"][0].rows == live["tables"][0].rows
    with tenancy.enter(parts["store"].id):  # one store: in the request
        assert "job" not in pr.parts_value_section(f)


def test_dead_stock_highest_values_first_with_ties_by_code(store, in_store):
    """The list keeps the highest values, ties in part code order, the totals every dead part
    (PostgreSQL reads them in one scan: ``_dead_in_one_scan``)."""
    clerk = factories.user_with_role("parts_clerk", store)
    with in_store(clerk):
        for code, on_hand, cost in (("Z9", 2, "50.00"), ("C3", 1, "100.00"), ("A1", 4, "25.00"), ("B2", 1, "40.00")):
            _part(code, "oil", on_hand, cost)
        db.session.flush()
        totals, rows = pr.dead_stock(30, now=utcnow() + dt.timedelta(days=31), limit=2)
    assert totals == {store.id: (4, D("340.00"))}
    assert [(r["code"], r["value"]) for r in rows] == [("A1", D("100.00")), ("C3", D("100.00"))]
    with in_store(clerk):
        _totals, three = pr.dead_stock(30, now=utcnow() + dt.timedelta(days=31), limit=3)
    assert [r["code"] for r in three] == ["A1", "C3", "Z9"]
