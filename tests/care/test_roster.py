"""The care agents' duty roster: the week per agent and the exceptions per date, the
generation's round robin per planned day among the agents on duty that day (with the
fallback to every agent), idempotency, and the supervisor's roster page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.audit import AuditLog
from dealer_saas.care.models import CallbackTask, CareDutyException, CareDutyWeek
from dealer_saas.care.services import generation, roster
from dealer_saas.domain import DomainError
from dealer_saas.extensions import db

from .. import factories
from ..conftest import login
from . import factories as cf

TODAY = dt.date(2026, 12, 1)  # a Tuesday
MONDAY = TODAY - dt.timedelta(days=1)
HX = {"HX-Request": "true"}


@pytest.fixture
def agents(store):
    """Three care agents A, B, C (ids ascending) and the store's manager."""

    class Agents:
        a, b, c = sorted((factories.user_with_role("care_agent", store) for _ in range(3)), key=lambda u: u.id)
        manager = factories.user_with_role("store_manager", store)

    return Agents


def as_manager(store, agents):
    return tenancy.enter(store.id, user_id=agents.manager.id)


def visits_due(store, day: dt.date, n: int) -> list[int]:
    """``n`` customers of nobody who visited the day before ``day`` (their call is due on ``day``)."""
    customers = [cf.customer(store) for _ in range(n)]
    for c in customers:
        cf.visit(store, c, day - dt.timedelta(days=1))
    return [c.id for c in customers]


def run(store):
    with tenancy.enter(store.id):
        return generation.generate(store.id, TODAY)


def assignees(day: dt.date) -> list[int]:
    return sorted(
        db.session.execute(
            select(CallbackTask.assignee_id).where(CallbackTask.due_on == day, CallbackTask.rule == "visit")
        ).scalars()
    )


def test_calls_planned_on_a_day_go_round_robin_to_the_agents_on_duty_that_day(store, agents):
    with as_manager(store, agents):
        roster.set_week(agents.a.id, [0])  # Monday
        roster.set_week(agents.b.id, [0])
        roster.set_week(agents.c.id, [1])  # Tuesday
    visits_due(store, MONDAY, 4)
    visits_due(store, TODAY, 3)
    counts = run(store)
    assert counts["visit"] == 7
    assert assignees(MONDAY) == sorted([agents.a.id, agents.a.id, agents.b.id, agents.b.id])
    assert assignees(TODAY) == [agents.c.id] * 3


def test_an_exception_wins_over_the_week_leave_and_extra_day(store, agents):
    with as_manager(store, agents):
        roster.set_week(agents.a.id, [0])
        roster.set_week(agents.b.id, [0])
        roster.set_week(agents.c.id, [1])
        roster.set_exception(agents.c.id, TODAY, "off", "病假", TODAY)  # C on leave on Tuesday
        roster.set_exception(agents.b.id, TODAY, "on", "调班", TODAY)  # B works Tuesday instead
        duty = roster.on_duty(store.id, [MONDAY, TODAY])
    assert duty[TODAY].agent_ids == (agents.b.id,) and not duty[TODAY].fallback
    assert duty[MONDAY].agent_ids == (agents.a.id, agents.b.id)
    visits_due(store, TODAY, 2)
    run(store)
    assert assignees(TODAY) == [agents.b.id, agents.b.id]


def test_nobody_on_duty_falls_back_to_every_active_agent_and_the_owner_policy_is_unchanged(store, agents):
    consultant = factories.user_with_role("sales_consultant", store)
    gone = factories.user_with_role("care_agent", store)
    with as_manager(store, agents):
        for agent in (agents.a, agents.b, agents.c, gone):
            roster.set_week(agent.id, [0])  # nobody works on Tuesday
    gone.is_active = False
    db.session.flush()
    with as_manager(store, agents):
        assert roster.on_duty(store.id, [TODAY])[TODAY].fallback
    owned = cf.customer(store, owner_id=consultant.id)
    cf.visit(store, owned, MONDAY)
    visits_due(store, TODAY, 6)
    run(store)
    by_customer = dict(db.session.execute(select(CallbackTask.customer_id, CallbackTask.assignee_id)).all())
    assert by_customer.pop(owned.id) == consultant.id
    assert sorted(by_customer.values()) == sorted([agents.a.id, agents.b.id, agents.c.id] * 2)


def test_without_any_roster_every_active_agent_is_on_duty(store, agents):
    with as_manager(store, agents):
        duty = roster.on_duty(store.id, [MONDAY, TODAY])
    assert duty[TODAY].agent_ids == (agents.a.id, agents.b.id, agents.c.id) and not duty[TODAY].fallback
    visits_due(store, TODAY, 3)
    run(store)
    assert assignees(TODAY) == [agents.a.id, agents.b.id, agents.c.id]


def test_a_second_run_creates_nothing_and_reassigns_nothing_and_later_runs_keep_each_day_balanced(store, agents):
    with as_manager(store, agents):
        roster.set_week(agents.a.id, [1])
        roster.set_week(agents.b.id, [1])
        roster.set_week(agents.c.id, [0])
    visits_due(store, TODAY, 3)
    first = run(store)
    before = dict(db.session.execute(select(CallbackTask.id, CallbackTask.assignee_id)).all())
    with as_manager(store, agents):
        roster.set_week(agents.c.id, [1])  # the roster changes: existing tasks stay where they are
    second = run(store)
    after = dict(db.session.execute(select(CallbackTask.id, CallbackTask.assignee_id)).all())
    assert (first["visit"], second["visit"]) == (3, 0) and after == before
    # a later run's calls of the same day go on from where the day's round robin stopped
    with as_manager(store, agents):
        roster.set_week(agents.c.id, [0])
    visits_due(store, TODAY, 1)
    run(store)
    assert assignees(TODAY) == sorted([agents.a.id, agents.a.id, agents.b.id, agents.b.id])


def test_the_supervisors_bulk_reassign_still_takes_any_active_agent(store, agents):
    from dealer_saas.care.services import tasks as care_tasks

    with as_manager(store, agents):
        roster.set_week(agents.a.id, [1])
        roster.set_week(agents.b.id, [0])
    visits_due(store, TODAY, 2)
    run(store)
    ids = [t.id for t in db.session.execute(select(CallbackTask)).scalars()]
    assert assignees(TODAY) == [agents.a.id, agents.c.id]  # C has no week: every day
    with tenancy.enter(store.id, user_id=agents.manager.id):
        assert care_tasks.reassign(ids, agents.b.id) == 2  # off duty today, still a care agent
    assert assignees(TODAY) == [agents.b.id, agents.b.id]


def test_roster_rules_only_active_care_agents_and_sensible_dates_with_audit_rows(store, agents):
    consultant = factories.user_with_role("sales_consultant", store)
    with as_manager(store, agents):
        with pytest.raises(DomainError) as refused:
            roster.set_week(consultant.id, [0])
        assert refused.value.field == "user_id"
        agents.c.is_active = False
        db.session.flush()
        with pytest.raises(DomainError):
            roster.set_exception(agents.c.id, TODAY, "off", "", TODAY)
        for day, kind, field in (
            (TODAY - dt.timedelta(days=1), "off", "day"),
            (TODAY + dt.timedelta(days=400), "off", "day"),
            (TODAY, "on", "kind"),  # no week set: A works every day already
            (TODAY, "holiday", "kind"),
        ):
            with pytest.raises(DomainError) as refused:
                roster.set_exception(agents.a.id, day, kind, "", TODAY)
            assert refused.value.field == field, (day, kind)
        with pytest.raises(DomainError) as refused:
            roster.set_week(agents.a.id, [7])
        assert refused.value.field == "days"
        week = roster.set_week(agents.a.id, [0, 2, 4])
        assert week.weekdays == 0b10101 and [week.works_on(w) for w in range(3)] == [True, False, True]
        roster.set_week(agents.a.id, [0, 2, 4])  # unchanged: no second audit row
        first = roster.set_exception(agents.a.id, TODAY, "on", "补班", TODAY)  # a Tuesday: an extra day
        again = roster.set_exception(agents.a.id, TODAY, "off", "改休", TODAY)  # replaces it
        assert again.id == first.id and (again.on_duty, again.note) == (False, "改休")
        roster.remove_exception(first.id)
    assert db.session.execute(select(CareDutyException)).scalars().all() == []
    actions = db.session.execute(
        select(AuditLog.action).where(AuditLog.action.like("care_roster%")).order_by(AuditLog.id)
    ).scalars()
    assert list(actions) == [
        "care_roster_week",
        "care_roster_exception",
        "care_roster_exception",
        "care_roster_exception_removed",
    ]


# --------------------------------------------------------------------------- the page


def test_the_roster_page_says_everyone_is_on_duty_until_a_week_is_set_and_saves_it(store, agents, app):
    client = login(app.test_client(), agents.manager, store)
    page = client.get("/care/roster")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="roster-not-set"' in body and agents.a.name in body
    response = client.post(f"/care/roster/week/{agents.a.id}", data={f"w{agents.a.id}-days": ["0", "1"]}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="roster-saved"' in body and "roster-not-set" not in body
    assert body.lstrip().startswith('<div id="care-roster"')  # the fragment only
    week = db.session.execute(select(CareDutyWeek).where(CareDutyWeek.user_id == agents.a.id)).scalar_one()
    assert week.weekdays == 0b11
    bad = client.post(f"/care/roster/week/{agents.a.id}", data={f"w{agents.a.id}-days": ["9"]}, headers=HX)
    assert bad.status_code == 200 and "roster-saved" not in bad.get_data(as_text=True)  # the error beside the days
    assert "text-danger small mt-1" in bad.get_data(as_text=True)
    db.session.refresh(week)
    assert week.weekdays == 0b11
    consultant = factories.user_with_role("sales_consultant", store)
    assert client.post(f"/care/roster/week/{consultant.id}", data={}).status_code == 404


def test_exceptions_are_added_with_errors_beside_the_field_and_removed(store, agents, app):
    client = login(app.test_client(), agents.manager, store)
    with tenancy.enter(store.id):
        today = tenancy.store_today()
    past = client.post(
        "/care/roster/exceptions",
        data={"user_id": agents.b.id, "day": (today - dt.timedelta(days=1)).isoformat(), "kind": "off", "note": "x"},
        headers=HX,
    )
    body = past.get_data(as_text=True)
    assert past.status_code == 200 and "日期不能早于今天" in body and 'value="x"' in body
    assert "is-invalid" in body.split('name="day"')[0].rsplit("<input", 1)[1]  # beside the date field
    ok = client.post(
        "/care/roster/exceptions",
        data={"user_id": agents.b.id, "day": today.isoformat(), "kind": "off", "note": "年假"},
        headers=HX,
    )
    assert ok.status_code == 200 and 'data-testid="exception-row"' in ok.get_data(as_text=True)
    row = db.session.execute(select(CareDutyException)).scalar_one()
    assert (row.user_id, row.day, row.on_duty, row.note) == (agents.b.id, today, False, "年假")
    strip = client.get("/care/roster").get_data(as_text=True)
    assert "年假" in strip
    gone = client.post(f"/care/roster/exceptions/{row.id}/remove", headers=HX)
    assert gone.status_code == 200 and db.session.execute(select(CareDutyException)).first() is None
    # the agents themselves may not keep the roster
    agent = login(app.test_client(), agents.a, store)
    assert agent.get("/care/roster").status_code == 403


def test_a_foreign_exception_is_404(store, agents, app, two_tenants):
    other = two_tenants.a1
    their_agent = factories.user_with_role("care_agent", other)
    with tenancy.enter(other.id):
        row = roster.set_exception(their_agent.id, TODAY + dt.timedelta(days=3), "off", "", TODAY)
    client = login(app.test_client(), agents.manager, store)
    assert client.post(f"/care/roster/exceptions/{row.id}/remove").status_code == 404
    assert client.post(f"/care/roster/week/{their_agent.id}", data={}).status_code == 404
    with tenancy.system():
        assert db.session.get(CareDutyException, row.id) is not None


def test_the_read_only_rollup_shows_the_roster_without_write_controls(two_tenants, app):
    group = factories.user_with_role("group_manager", two_tenants.a1, org_wide=True)
    client = login(app.test_client(), group, two_tenants.a1)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    response = client.get("/care/roster")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "切换到一家门店" in body and "<form" not in body.split("care-roster")[1]
