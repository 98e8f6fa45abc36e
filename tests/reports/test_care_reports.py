"""The care and marketing report on known rows (October 2026, Shanghai): call-back
completion per rule and agent, CSI/NPS per month and staff member, complaints by category
and problem type with their SLA breaches, campaign results; the store manager's CSI; the
sibling store only in the roll-up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from dealer_saas import tenancy
from dealer_saas.care.models import CallbackTask
from dealer_saas.complaints.models import Complaint, ComplaintEscalation
from dealer_saas.extensions import db
from dealer_saas.marketing.models import Campaign, CampaignSignup
from dealer_saas.permissions import ALL_PERMISSIONS
from dealer_saas.reports import care_reports as cr
from dealer_saas.reports import metrics, role_tiles, tables
from dealer_saas.reports.metrics import Period
from dealer_saas.reports.sections import Filters
from dealer_saas.sales.models import SalesOrder
from dealer_saas.surveys.models import SurveyInvitation, SurveyTemplate

from .. import factories
from ..conftest import login
from .conftest import OCTOBER, at

TZ = "Asia/Shanghai"
OCT = Period(*OCTOBER)
AUTUMN = Period(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
HX = {"HX-Request": "true"}


def _task(store, customer, rule, n, due, status, agent=None):
    db.session.add(
        CallbackTask(
            store_id=store.id,
            org_id=store.org_id,
            rule=rule,
            customer_id=customer.id,
            occasion=f"t{n}",
            due_on=due,
            status=status,
            assignee_id=agent.id if agent else None,
        )
    )


def _answer(store, template, customer, n, when, *, pct=None, nps=None, staff=None):
    db.session.add(
        SurveyInvitation(
            store_id=store.id,
            org_id=store.org_id,
            template_id=template.id,
            occasion=f"o{n}",
            customer_id=customer.id,
            staff_id=staff.id if staff else None,
            due_at=when,
            sent_at=when,
            status="answered",
            answered_at=when,
            score_pct=D(pct) if pct is not None else None,
            nps=nps,
        )
    )


def _complaint(store, n, when, category, problem, status="received", breaches=()):
    row = Complaint(
        store_id=store.id,
        org_id=store.org_id,
        number=f"C-{n}",
        subject=f"投诉{n}",
        category=category,
        problem_type=problem,
        status=status,
        received_at=when,
    )
    db.session.add(row)
    db.session.flush()
    for breach in breaches:
        db.session.add(
            ComplaintEscalation(store_id=store.id, org_id=store.org_id, complaint_id=row.id, breach=breach, due_at=when)
        )
    return row


def _order(store, customer, n, created, status="confirmed"):
    model = factories.VehicleModelFactory(org_id=store.org_id)
    db.session.add(
        SalesOrder(
            store_id=store.id,
            org_id=store.org_id,
            number=f"SO-C{n}",
            customer_id=customer.id,
            model_id=model.id,
            list_price=D("100000"),
            discount=D("0"),
            total=D("100000"),
            status=status,
            created_at=created,
        )
    )


@pytest.fixture
def care(store):
    store.timezone = TZ
    sibling = factories.StoreFactory(organisation=store.organisation, name="兄弟店")
    agent = factories.user_with_role("care_agent", store, name="专员甲")
    advisor = factories.user_with_role("service_advisor", store, name="顾问丙")
    k = [factories.CustomerFactory(store=store, name=f"客户{i}", mobile=f"1391111{i:04d}") for i in range(4)]
    s1 = factories.CustomerFactory(store=sibling, name="兄弟客户", mobile="13922220000")

    # call-backs due in October: delivery 2 done + 1 open (agent), 1 cancelled; visit: 1 done
    # unassigned; a task due in November does not count
    _task(store, k[0], "delivery", 1, dt.date(2026, 10, 3), "done", agent)
    _task(store, k[1], "delivery", 2, dt.date(2026, 10, 4), "done", agent)
    _task(store, k[2], "delivery", 3, dt.date(2026, 10, 5), "open", agent)
    _task(store, k[3], "delivery", 4, dt.date(2026, 10, 6), "cancelled", agent)
    _task(store, k[0], "visit", 5, dt.date(2026, 10, 31), "done")
    _task(store, k[1], "visit", 6, dt.date(2026, 11, 1), "open")
    _task(sibling, s1, "visit", 7, dt.date(2026, 10, 9), "open")

    # surveys: CSI 90 and 70 in October (advisor), 80 in September; NPS answers 10, 9, 3
    csi = SurveyTemplate(org_id=store.org_id, code="csi", name="售后满意度", kind="csi", trigger="ro_closed")
    nps = SurveyTemplate(org_id=store.org_id, code="nps", name="推荐", kind="nps", trigger="manual")
    db.session.add_all([csi, nps])
    db.session.flush()
    _answer(store, csi, k[0], 1, at(5, 10), pct="90.0", nps=10, staff=advisor)
    _answer(store, csi, k[1], 2, at(31, 23), pct="70.0", nps=3, staff=advisor)  # 31 Oct local
    _answer(store, csi, k[2], 3, at(20, 10, month=9), pct="80.0")
    _answer(store, nps, k[3], 4, at(6, 10), pct="40.0", nps=9)  # not a CSI template: NPS only
    _answer(sibling, csi, s1, 5, at(7, 10), pct="50.0")

    # complaints received in October: service/delay twice (one accept-late, one both), quality
    # once closed; an enquiry and a September complaint do not count
    _complaint(store, 1, at(2, 10), "service", "delay", breaches=("accept",))
    _complaint(store, 2, at(3, 10), "service", "delay", status="investigating", breaches=("accept", "resolve"))
    _complaint(store, 3, at(4, 10), "quality", "vehicle_fault", status="closed")
    enquiry = _complaint(store, 4, at(5, 10), "service", "other")
    enquiry.kind = "enquiry"
    _complaint(store, 5, at(25, 10, month=9), "price", "billing")

    # a campaign on 10 October: budget 3000, 3 sign-ups (party 2+1+1), 2 attended, 2 cards;
    # orders of sign-up customers within 30 days: one (the cancelled one and the late one not)
    camp = Campaign(
        store_id=store.id,
        org_id=store.org_id,
        theme="秋季试驾会",
        starts_at=at(10, 9),
        ends_at=at(10, 17),
        budget=D("3000"),
        attribution_days=30,
        status="finished",
    )
    db.session.add(camp)
    db.session.flush()
    for i, (party, checked, card) in enumerate(((2, True, True), (1, True, True), (1, False, False))):
        db.session.add(
            CampaignSignup(
                store_id=store.id,
                org_id=store.org_id,
                campaign_id=camp.id,
                customer_id=k[i].id,
                name=k[i].name,
                mobile=k[i].mobile,
                party_size=party,
                checked_in_at=at(10, 10) if checked else None,
            )
        )
    db.session.flush()
    # cards are follow-up cards: count needs a card id, so open two
    for i in range(2):
        card = factories.FollowUpCardFactory(store=store, customer=k[i])
        db.session.query(CampaignSignup).filter_by(customer_id=k[i].id).update({"card_id": card.id})
    _order(store, k[0], 1, at(15, 10))
    _order(store, k[1], 2, at(16, 10), status="cancelled")
    _order(store, k[2], 3, at(20, 10, month=11))  # 41 days after the start
    db.session.flush()
    return {"store": store, "sibling": sibling, "agent": agent, "advisor": advisor, "campaign": camp}


@pytest.fixture
def rollup_ctx(care):
    return tenancy.TenantContext(
        org_id=care["store"].org_id,
        store_id=None,
        store_ids=(care["store"].id, care["sibling"].id),
        permissions=ALL_PERMISSIONS,
    )


def test_callback_completion_per_rule_and_agent(care):
    sid, agent = care["store"].id, care["agent"].id
    with tenancy.enter(sid):
        data = cr.callback_completion(OCT)
        assert data == {
            (sid, "delivery", agent): {"due": 4, "done": 2, "cancelled": 1, "open": 1},
            (sid, "visit", None): {"due": 1, "done": 1, "cancelled": 0, "open": 0},
        }
        assert cr.completion_rate(data[(sid, "delivery", agent)]) == D("0.6667")  # 2 of 3 owed
        section = cr.callbacks_section(Filters(OCT, None, TZ, {}))
    by_rule, by_agent = section["tables"]
    assert by_rule.rows[-1] == ["合计", "5", "3", "1", "1", "75.0%"]
    assert ["专员甲", "4", "2", "1", "1", "66.7%"] in by_agent.rows


def test_csi_and_nps_by_month_and_staff(care):
    sid, advisor = care["store"].id, care["advisor"].id
    with tenancy.enter(sid):
        data = cr.satisfaction(AUTUMN, tz=TZ)
        oct_advisor = data[(sid, "2026-10", advisor)]
        assert oct_advisor == {
            "answered": 2,
            "csi_sum": D("160.0"),
            "csi_n": 2,
            "promoters": 1,
            "detractors": 1,
            "nps_n": 2,
        }
        section = cr.satisfaction_section(Filters(AUTUMN, None, TZ, {}))
    trend, by_staff = section["tables"]
    # September: CSI 80, no NPS; October: CSI (90 + 70) / 2 = 80, NPS (2 promoters - 1
    # detractor) / 3 answers = 33.3
    assert trend.rows == [["2026-09", "1", "80.0", "—"], ["2026-10", "3", "80.0", "33.3"]]
    assert ["顾问丙", "2", "80.0", "0.0"] in by_staff.rows
    assert section["chart"]["series"][1]["values"] == [None, 33.3]


def test_complaints_by_category_problem_type_and_breaches(care):
    sid = care["store"].id
    with tenancy.enter(sid):
        data = cr.complaint_figures(OCT, tz=TZ)
        assert data == {
            (sid, "service", "delay"): {"received": 2, "open": 2, "accept_late": 2, "resolve_late": 1},
            (sid, "quality", "vehicle_fault"): {"received": 1, "open": 0, "accept_late": 0, "resolve_late": 0},
        }
        by_category, by_problem = cr.complaints_section(Filters(OCT, None, TZ, {}))["tables"]
    assert by_category.rows == [
        ["售后服务", "2", "2", "2", "1"],
        ["产品质量", "1", "0", "0", "0"],
        ["合计", "3", "2", "2", "1"],
    ]
    assert by_problem.rows[0] == ["等待/延误", "2", "2", "2", "1"]


def test_campaign_signups_attendance_attributed_orders_and_cost_per_lead(care):
    sid = care["store"].id
    with tenancy.enter(sid):
        (row,) = cr.campaign_results(OCT, tz=TZ)
        assert {k: row[k] for k in ("signups", "people", "attended", "cards", "orders", "budget")} == {
            "signups": 3,
            "people": 4,
            "attended": 2,
            "cards": 2,
            "orders": 1,
            "budget": D("3000.00"),
        }
        assert cr.cost_per_lead(row["budget"], row["cards"]) == D("1500.00")
        table = cr.campaigns_section(Filters(OCT, None, TZ, {}))["tables"][0]
        assert cr.campaign_results(Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)), tz=TZ) == []
    assert table.rows[0] == ["秋季试驾会", "2026-10-10", "3", "4", "2", "66.7%", "2", "1", "3,000.00", "1,500.00"]


def test_the_roll_up_has_a_store_column_and_the_store_never_the_sibling(care, rollup_ctx):
    store, sibling = care["store"], care["sibling"]
    with tenancy.use(rollup_ctx):
        data = cr.callback_completion(OCT)
        assert data[(sibling.id, "visit", None)] == {"due": 1, "done": 0, "cancelled": 0, "open": 1}
        by_rule = cr.callbacks_section(Filters(OCT, None, TZ, {}))["tables"][0]
        assert by_rule.header[0] == "门店" and by_rule.rows[-1] == ["合计", "", "6", "3", "1", "2", "60.0%"]
        trend = cr.satisfaction_section(Filters(OCT, None, TZ, {}))["tables"][0]
        assert sorted(trend.rows) == sorted(
            [["2026-10", store.name, "3", "80.0", "33.3"], ["2026-10", sibling.name, "1", "50.0", "—"]]
        )
    with tenancy.enter(store.id):
        assert all(s == store.id for s, _r, _a in cr.callback_completion(OCT))


def test_csi_on_the_store_manager_and_group_manager_figures(care, rollup_ctx):
    store, sibling = care["store"], care["sibling"]
    with tenancy.enter(store.id):
        # CSI is the CSI templates' answers only: (90 + 70) / 2; the NPS template's 40 is not in it
        assert metrics.csi_score(OCT, tz=TZ) == {(store.id, None): D("80.00")}
        figures = role_tiles.monthly_sales_and_service(AUTUMN, TZ)
        assert figures[("csi", "2026-10")] == D("80") and figures[("csi", "2026-09")] == D("80")
    with tenancy.use(rollup_ctx):
        assert metrics.csi_score(OCT, tz=TZ) == {(store.id, None): D("80.00"), (sibling.id, None): D("50.00")}
        report = tables.stores_report(OCT, tz=TZ, store_url=lambda s: f"/s/{s.id}")
        table = report["tables"][0]
        column = table.header.index("CSI")
        assert {row[1]: row[column] for row in table.rows} == {store.name: "80.0", sibling.name: "50.0"}


def test_the_tiles_show_csi(care, app):
    manager = factories.user_with_role("store_manager", care["store"])
    client = login(app.test_client(), manager)
    body = client.get("/tiles/reports_store_trend", headers=HX).get_data(as_text=True)
    assert "本月CSI" in body


def test_the_care_report_page_menu_permission_and_export(care, app):
    manager = factories.user_with_role("store_manager", care["store"])
    client = login(app.test_client(), manager)
    page = client.get("/reports/care").get_data(as_text=True)
    for name in ("callbacks", "satisfaction", "complaints", "campaigns"):
        assert f"/reports/care/{name}" in page
    body = client.get("/reports/care/campaigns?start=2026-10-01&end=2026-10-31", headers=HX).get_data(as_text=True)
    assert "秋季试驾会" in body and "1,500.00" in body
    consultant = factories.user_with_role("sales_consultant", care["store"])
    other = login(app.test_client(), consultant)
    assert other.get("/reports/care").status_code == 403
    assert other.get("/reports/care/callbacks").status_code == 403
    response = client.post(
        "/reports/export/sections",
        data={"report": "care", "format": "csv", "start": "2026-10-01", "end": "2026-10-31"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "秋季试驾会" in text and "专员甲" in text


@pytest.mark.parametrize(("name", "large"), [("callbacks", "many_callbacks"), ("complaints", "many_complaints")])
def test_group_wide_care_sections_of_a_large_installation_run_as_a_job(care, rollup_ctx, monkeypatch, name, large):
    """Past ``LARGE_CALLBACKS`` tasks / ``LARGE_COMPLAINTS`` complaints in the installation,
    the roll-up's call-back and complaint sections run as a job with the request's figures;
    one store's are still counted in the request."""
    from dealer_saas.reports import section_jobs

    build = {"callbacks": cr.callbacks_section, "complaints": cr.complaints_section}[name]
    f = Filters(OCT, None, TZ, {})
    with tenancy.use(rollup_ctx):
        live = build(f)
    assert "job" not in live and len(live["tables"][0].rows) > 1  # a small installation: in the request
    started = []
    monkeypatch.setattr(section_jobs, large, lambda: True)
    monkeypatch.setattr(section_jobs, "enqueue", lambda *a, **kw: started.append(kw))
    with tenancy.enter(care["store"].id):
        assert "job" not in build(f)  # one store: in the request
    with tenancy.use(rollup_ctx):
        waiting = build(f)
        assert waiting["job"]["status"] == "queued" and waiting["tables"] == []
        assert [(kw["report"], kw["section"], len(kw["store_ids"])) for kw in started] == [("care", name, 2)]
        section_jobs.build_section(**started[0])
        ready = build(f)
    assert ready["job"]["status"] == "done"
    assert [t.rows for t in ready["tables"]] == [t.rows for t in live["tables"]]
