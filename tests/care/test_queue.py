"""The agents' queue and outcomes, the supervisor's bulk changes and completion rates, the
screens (status, fragments, roll-up without write controls), tiles and the 360 timeline."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.care.models import CallbackAttempt, CallbackTask
from dealer_saas.care.services import tasks as care_tasks
from dealer_saas.domain import DomainError
from dealer_saas.extensions import db

from .. import factories
from ..conftest import login
from ..customers.pages import with_panels
from . import factories as cf

HX = {"HX-Request": "true"}


@pytest.fixture
def team(store):
    class Team:
        agent = factories.user_with_role("care_agent", store)
        other_agent = factories.user_with_role("care_agent", store)
        manager = factories.user_with_role("store_manager", store)
        consultant = factories.user_with_role("sales_consultant", store)

    return Team


def today(store):
    with tenancy.enter(store.id):
        return tenancy.store_today()


def task(store, *, due=None, assignee=None, rule="visit", customer=None, **fields):
    customer = customer or cf.customer(store)
    row = CallbackTask(
        store_id=store.id,
        org_id=store.org_id,
        rule=rule,
        customer_id=customer.id,
        occasion=f"t{customer.id}-{rule}",
        due_on=due or today(store),
        assignee_id=assignee.id if assignee else None,
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_the_queue_shows_today_overdue_upcoming_and_only_the_agents_own_and_unassigned(store, team, app):
    day = today(store)
    mine = task(store, assignee=team.agent)
    pool = task(store)
    theirs = task(store, assignee=team.other_agent)
    late = task(store, assignee=team.agent, due=day - dt.timedelta(days=2), rule="birthday")
    later = task(store, assignee=team.agent, due=day + dt.timedelta(days=1), rule="delivery")
    client = login(app.test_client(), team.agent, store)
    body = client.get("/care/").get_data(as_text=True)
    assert mine.customer.name in body and pool.customer.name in body
    assert theirs.customer.name not in body and late.customer.name not in body
    overdue = client.get("/care/?view=overdue", headers=HX)
    text = overdue.get_data(as_text=True)
    assert "<html" not in text and late.customer.name in text and "HX-Request" in overdue.headers["Vary"]
    assert later.customer.name in client.get("/care/?view=upcoming").get_data(as_text=True)
    by_rule = client.get("/care/?view=overdue&rule=visit").get_data(as_text=True)
    assert late.customer.name not in by_rule
    # the supervisor sees every agent's tasks
    boss = login(app.test_client(), team.manager, store).get("/care/").get_data(as_text=True)
    assert theirs.customer.name in boss
    # someone else's task is not there for the agent at all
    assert client.get(f"/care/tasks/{theirs.id}").status_code == 404


def test_phone_first_cards_show_the_full_number_to_the_assigned_agent_only(store, team, app):
    mine = task(store, assignee=team.agent)
    pool = task(store)
    client = login(app.test_client(), team.agent, store)
    body = client.get("/care/").get_data(as_text=True)
    assert f'href="tel:{mine.customer.mobile}"' in body
    assert pool.customer.mobile not in body and "masked-mobile" in body


def test_a_card_is_read_as_columns_the_owner_sees_the_number_and_the_task_page_shows_the_same_card(store, team, app):
    owned = cf.customer(store, owner=team.agent)
    car = cf.vehicle(store, owned, plate="沪A12345")
    mine = task(store, customer=owned, vehicle_id=car.id, attempts=2, note="上午打")
    theirs = task(store, assignee=team.other_agent)
    with tenancy.enter(store.id, user_id=team.agent.id):
        (card,) = [
            c for c in care_tasks.queue(care_tasks.QueueFilter(view="today"), today(store))[0] if c.id == mine.id
        ]
    assert isinstance(card, care_tasks.TaskCard) and not isinstance(card, CallbackTask)
    assert (card.customer_name, card.mobile, card.masked, card.car) == (owned.name, owned.mobile, False, "沪A12345")
    assert card.assignee_name is None and card.attempts == 2 and card.note == "上午打"
    client = login(app.test_client(), team.agent, store)
    body = client.get("/care/").get_data(as_text=True)
    # the consultant who owns the customer dials the full number; the car, the attempts and the note
    assert f'href="tel:{owned.mobile}"' in body and "沪A12345" in body and "已拨 2 次" in body and "上午打" in body
    detail = client.get(f"/care/tasks/{mine.id}").get_data(as_text=True)
    assert (
        f'href="tel:{owned.mobile}"' in detail
        and "沪A12345" in detail
        and f'action="/care/tasks/{mine.id}/outcome"' in detail
    )
    # the supervisor's list names the agent, the queue card too
    boss = login(app.test_client(), team.manager, store)
    assert team.other_agent.name in boss.get("/care/supervise").get_data(as_text=True)
    assert f"👤 {team.other_agent.name}" in boss.get("/care/").get_data(as_text=True)
    assert theirs.customer.name in boss.get("/care/").get_data(as_text=True)


def test_outcomes_close_or_schedule_the_next_attempt(store, team, in_care):
    day = today(store)
    reached, unanswered, again, wrong = (task(store, assignee=team.agent) for _ in range(4))
    with in_care(team.agent, "care_agent"):
        care_tasks.record_outcome(reached.id, "reached", note="客户很满意")
        care_tasks.record_outcome(unanswered.id, "no_answer")
        later = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(15, 30))
        care_tasks.record_outcome(again.id, "call_again", call_at=later)
        care_tasks.record_outcome(wrong.id, "wrong_number")
        with pytest.raises(DomainError) as missing:
            care_tasks.record_outcome(again.id, "call_again")
        assert missing.value.field == "call_at"
        with pytest.raises(DomainError):
            care_tasks.record_outcome(reached.id, "satisfied")  # already done
    assert (reached.status, reached.outcome, reached.closed_by_id) == ("done", "reached", team.agent.id)
    assert (unanswered.status, unanswered.attempts, unanswered.due_on) == ("open", 1, day + dt.timedelta(days=1))
    assert (again.status, again.due_on, again.call_at is not None) == ("open", day + dt.timedelta(days=2), True)
    assert wrong.status == "done"
    attempts = db.session.execute(select(CallbackAttempt.outcome).where(CallbackAttempt.task_id == again.id)).all()
    assert [a.outcome for a in attempts] == ["call_again"]


def test_no_answer_closes_the_task_at_the_stores_limit(store, team, in_care):
    store.settings = {"care_rules": {"no_answer_limit": 2}}
    t = task(store, assignee=team.agent)
    with in_care(team.agent, "care_agent"):
        care_tasks.record_outcome(t.id, "no_answer")
        assert t.status == "open"
        care_tasks.record_outcome(t.id, "no_answer")
    assert (t.status, t.outcome, t.attempts) == ("done", "no_answer", 2)


def test_taking_an_unassigned_call_makes_it_yours_and_a_complaint_opens_the_intake_hook(store, team, app):
    t = task(store)
    seen = []
    registered = list(care_tasks._complaint_intake)  # the complaints module's, put back after
    care_tasks.register_complaint_intake(lambda row: seen.append(row.id) or f"/complaints/new?callback={row.id}")
    try:
        client = login(app.test_client(), team.agent, store)
        response = client.post(
            f"/care/tasks/{t.id}/outcome", data={"outcome": "complaint", "version": t.version}, headers=HX
        )
    finally:
        care_tasks._complaint_intake[:] = registered
    assert response.headers["HX-Redirect"] == f"/complaints/new?callback={t.id}" and seen == [t.id]
    db.session.refresh(t)
    assert (t.status, t.outcome, t.assignee_id) == ("done", "complaint", team.agent.id)


def test_one_tap_from_the_queue_re_renders_the_card(store, team, app):
    t = task(store, assignee=team.agent)
    client = login(app.test_client(), team.agent, store)
    response = client.post(
        f"/care/tasks/{t.id}/outcome", data={"outcome": "satisfied", "version": t.version, "from": "queue"}, headers=HX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(
        f'<div class="card mb-2 care-task" id="task-{t.id}"'
    )
    assert "callbackRecorded" in response.headers["HX-Trigger"] and 'data-testid="outcome-reached"' not in body
    bad = client.post(f"/care/tasks/{t.id}/outcome", data={"outcome": "call_again", "version": "1"}, headers=HX)
    assert bad.status_code == 200  # the task is done now: the refusal shows, nothing changes


def test_call_again_in_the_past_is_refused_beside_the_field(store, team, app):
    t = task(store, assignee=team.agent)
    client = login(app.test_client(), team.agent, store)
    response = client.post(
        f"/care/tasks/{t.id}/outcome",
        data={"outcome": "call_again", "call_at": "2020-01-01T10:00", "version": t.version},
        headers=HX,
    )
    assert "再次联系的时间须晚于现在" in response.get_data(as_text=True)
    db.session.refresh(t)
    assert (t.attempts, t.status) == (0, "open")


def test_the_supervisor_reassigns_and_reschedules_in_bulk(store, team, app):
    day = today(store)
    rows = [task(store, assignee=team.agent) for _ in range(3)]
    client = login(app.test_client(), team.manager, store)
    page = client.get("/care/supervise").get_data(as_text=True)
    assert all(r.customer.name in page for r in rows) and 'name="task_ids"' in page
    response = client.post(
        "/care/supervise/bulk",
        data={"action": "reassign", "assignee_id": str(team.other_agent.id), "task_ids": [rows[0].id, rows[1].id]},
        headers=HX,
    )
    assert response.status_code == 200 and "bulk-done" in response.get_data(as_text=True)
    new_day = day + dt.timedelta(days=5)
    client.post(
        "/care/supervise/bulk",
        data={"action": "reschedule", "due_on": new_day.isoformat(), "task_ids": [rows[1].id, rows[2].id]},
        headers=HX,
    )
    for r in rows:
        db.session.refresh(r)
    assert [r.assignee_id for r in rows] == [team.other_agent.id, team.other_agent.id, team.agent.id]
    assert [r.due_on for r in rows] == [day, new_day, new_day]
    from dealer_saas.notifications.models import Notification

    told = db.session.execute(select(Notification).where(Notification.user_id == team.other_agent.id)).scalars()
    assert [n.title for n in told] == ["2 条回访任务已分派给你"]
    # a consultant is no care agent; the past is no day to call; nothing ticked is refused
    refused = client.post(
        "/care/supervise/bulk",
        data={"action": "reassign", "assignee_id": str(team.consultant.id), "task_ids": [rows[0].id]},
    )
    assert refused.status_code == 200
    past = client.post(
        "/care/supervise/bulk",
        data={"action": "reschedule", "due_on": (day - dt.timedelta(days=1)).isoformat(), "task_ids": [rows[0].id]},
    ).get_data(as_text=True)
    assert "计划日期不能早于今天" in past
    assert "请至少勾选" in client.post(
        "/care/supervise/bulk", data={"action": "reschedule", "due_on": day.isoformat()}
    ).get_data(as_text=True)
    db.session.refresh(rows[0])
    assert (rows[0].assignee_id, rows[0].due_on) == (team.other_agent.id, day)
    # the agent may not supervise
    agent = login(app.test_client(), team.agent, store)
    assert agent.get("/care/supervise").status_code == 403


def test_a_foreign_task_in_a_bulk_change_is_404(store, team, app, two_tenants):
    mine = task(store, assignee=team.agent)
    with tenancy.system():
        foreign = task(two_tenants.a1)
    client = login(app.test_client(), team.manager, store)
    response = client.post(
        "/care/supervise/bulk",
        data={"action": "reassign", "assignee_id": str(team.agent.id), "task_ids": [mine.id, foreign.id]},
    )
    assert response.status_code == 404


def test_completion_rates_per_agent_and_per_rule(store, team, app, in_care):
    day = today(store)
    a = [task(store, assignee=team.agent, rule="visit") for _ in range(4)]
    b = [task(store, assignee=team.other_agent, rule="birthday") for _ in range(2)]
    task(store, assignee=team.agent, due=day - dt.timedelta(days=60))  # outside the 30 days
    with in_care(team.agent, "care_agent"):
        care_tasks.record_outcome(a[0].id, "reached")
        care_tasks.record_outcome(a[1].id, "wrong_number")
        care_tasks.record_outcome(a[2].id, "no_answer")  # still open
    with in_care(team.other_agent, "care_agent"):
        care_tasks.record_outcome(b[0].id, "satisfied")
    with in_care(team.manager, "store_manager"):
        by_agent, by_rule = care_tasks.completion_rates(day - dt.timedelta(days=29), day + dt.timedelta(days=1))
    agents = {r.key: (r.due, r.done, r.reached, r.rate) for r in by_agent}
    assert agents == {team.agent.id: (4, 2, 1, 50.0), team.other_agent.id: (2, 1, 1, 50.0)}
    rules = {r.key: (r.due, r.done, r.rate) for r in by_rule}
    assert rules == {"visit": (4, 2, 50.0), "birthday": (2, 1, 50.0)}
    end = (day + dt.timedelta(days=1)).isoformat()
    page = login(app.test_client(), team.manager, store).get(f"/care/rates?to={end}").get_data(as_text=True)
    assert "50.0%" in page and team.other_agent.name in page


def test_tiles_and_the_customer_360_timeline(store, team, app):
    day = today(store)
    t = task(store, assignee=team.agent)
    task(store, assignee=team.agent, due=day - dt.timedelta(days=1))
    task(store, assignee=team.agent, due=day - dt.timedelta(days=3))
    client = login(app.test_client(), team.agent, store)
    assert ">1<" in client.get("/tiles/care_due_today").get_data(as_text=True).replace(" ", "")
    assert ">2<" in client.get("/tiles/care_overdue").get_data(as_text=True).replace(" ", "")
    manager = login(app.test_client(), team.manager, store)
    body = with_panels(manager, f"/customers/{t.customer_id}")  # the timeline is a panel
    assert "回访：到店后回访" in body


def test_the_read_only_rollup_shows_tasks_without_write_controls(two_tenants, app):
    store = two_tenants.a1
    agent = factories.user_with_role("care_agent", store)
    with tenancy.system():
        t = task(store, assignee=agent)
    group = factories.user_with_role("group_manager", store, org_wide=True)
    client = login(app.test_client(), group, store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    for path in ("/care/", "/care/supervise", f"/care/tasks/{t.id}"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and t.customer.name in body, path
        assert "outcome-reached" not in body, path
        assert 'name="task_ids"' not in body
    # each card names its store and its rule, and links to its task
    queue = client.get("/care/").get_data(as_text=True)
    card = queue.split(f'id="task-{t.id}"', 1)[1]
    assert store.name in card and "到店后回访" in card and f'href="/care/tasks/{t.id}"' in card
    assert client.post(f"/care/tasks/{t.id}/outcome", data={"outcome": "reached"}).status_code == 403


def test_every_card_of_the_queue_posts_with_the_pages_csrf_token(store, team, app):
    """The queue writes one unbound outcome form for all its cards: each card's form still
    carries the CSRF token, its own version, and a tap from it is accepted."""
    from ..auth.helpers import config

    first = task(store, assignee=team.agent)
    second = task(store, assignee=team.agent)
    client = login(app.test_client(), team.agent, store)
    with config(WTF_CSRF_ENABLED=True):
        body = client.get("/care/").get_data(as_text=True)
        tokens = re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', body)
        assert len(set(tokens)) == 1
        cards = body.split('data-testid="care-task"')[1:]
        assert len(cards) == 2 and all('name="csrf_token"' in card for card in cards)
        assert body.count('name="version" value="1"') == 2
        response = client.post(
            f"/care/tasks/{second.id}/outcome",
            data={"outcome": "satisfied", "version": "1", "from": "queue", "csrf_token": tokens[0]},
            headers=HX,
        )
    assert response.status_code == 200
    db.session.refresh(second)
    db.session.refresh(first)
    assert (second.status, first.status) == ("done", "open")
