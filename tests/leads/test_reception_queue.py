"""The reception queue (issue 14, floor item 7): today's duty roster in rotation (顾问轮岗), who
is with a customer now, the customers in the store, and the next free consultant proposed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from dealer_saas import audit, tenancy, timeutil
from dealer_saas.extensions import db
from dealer_saas.leads import services
from dealer_saas.leads.models import DutySlot, Visit
from dealer_saas.leads.services import QueueEntry, next_free_consultant, reception
from dealer_saas.tenancy import User
from dealer_saas.timeutil import local_day_bounds

from .. import factories
from ..conftest import login
from .factories import MANAGER, rows, save

HX = {"HX-Request": "true"}


def _roster(store, *users):
    for position, user in enumerate(users, start=1):
        db.session.add(
            DutySlot(
                store_id=store.id,
                org_id=store.org_id,
                day=_today(store),
                user_id=user.id,
                position=position,
            )
        )
    db.session.flush()


def _today(store):
    from dealer_saas.timeutil import local_today

    return local_today(store.timezone)


@pytest.fixture
def afternoon(monkeypatch, store):
    """The clock pinned at 15:00 of the store's today, so that "25 minutes ago" is still today
    at whatever hour the suite runs (just after midnight it would be yesterday)."""
    zone = ZoneInfo(store.timezone)
    moment = dt.datetime.combine(timeutil.local_today(store.timezone), dt.time(15), tzinfo=zone).astimezone(dt.UTC)
    for module in (timeutil, reception):
        monkeypatch.setattr(module, "utcnow", lambda: moment)
    return moment


def _walk_in(store, consultant, minutes_ago=10, left=False, kind="walk_in", **fields):
    time_in = timeutil.utcnow() - dt.timedelta(minutes=minutes_ago)
    return factories.VisitFactory(
        store=store,
        consultant_id=consultant.id if consultant else None,
        kind=kind,
        time_in=time_in,
        time_out=time_in + dt.timedelta(minutes=5) if left else None,
        **fields,
    )


# --------------------------------------------------------------------------- the rule


def _entry(name, position, busy=False, last=None):
    entry = QueueEntry(consultant=User(name=name, username=name), position=position)
    entry.visit = Visit() if busy else None
    entry.last_assigned_at = last
    return entry


def test_next_free_consultant_passes_the_turn_round_the_roster():
    t = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    # nobody has had a walk-in yet: roster order
    assert next_free_consultant([_entry("甲", 1), _entry("乙", 2), _entry("丙", 3)]).name == "甲"
    # 甲 just had one (and is free again): the turn passes to 乙, then 丙
    assert next_free_consultant([_entry("甲", 1, last=t), _entry("乙", 2), _entry("丙", 3)]).name == "乙"
    entries = [_entry("甲", 1, last=t), _entry("乙", 2, last=t + dt.timedelta(minutes=5)), _entry("丙", 3)]
    assert next_free_consultant(entries).name == "丙"
    # everyone has had one: the one whose last walk-in started earliest
    entries = [
        _entry("甲", 1, last=t + dt.timedelta(minutes=20)),
        _entry("乙", 2, last=t + dt.timedelta(minutes=5)),
        _entry("丙", 3, last=t + dt.timedelta(minutes=10)),
    ]
    assert next_free_consultant(entries).name == "乙"
    # a consultant with a customer is skipped, whatever their turn
    assert next_free_consultant([_entry("甲", 1, busy=True), _entry("乙", 2, last=t)]).name == "乙"
    # nobody free, nobody on duty
    assert next_free_consultant([_entry("甲", 1, busy=True)]) is None
    assert next_free_consultant([]) is None


# --------------------------------------------------------------------------- the queue service


def test_queue_shows_who_is_with_a_customer_and_who_is_next(store, in_store, afternoon):
    receptionist = factories.user_with_role("receptionist", store)
    first = factories.user_with_role("sales_consultant", store, name="一号")
    second = factories.user_with_role("sales_consultant", store, name="二号")
    third = factories.user_with_role("sales_consultant", store, name="三号")
    with in_store(receptionist, permissions=MANAGER):
        services.set_duty_roster([second.id, first.id, third.id])
        with_customer = _walk_in(store, second, minutes_ago=25)
        _walk_in(store, first, minutes_ago=40, left=True)  # first had one this morning, left
        _walk_in(store, third, minutes_ago=3, kind="phone")  # a phone call is not "with a customer"
        start, _end = local_day_bounds(tenancy.store_today(), tenancy.store_timezone())
        factories.VisitFactory(store=store, consultant_id=third.id, time_in=start - dt.timedelta(hours=2))
        unassigned = _walk_in(store, None, minutes_ago=7)
        queue = services.reception_queue()
    assert [e.consultant.name for e in queue.entries] == ["二号", "一号", "三号"]
    states = {e.consultant.name: e for e in queue.entries}
    assert states["二号"].busy and states["二号"].visit.id == with_customer.id
    assert queue.minutes_since(states["二号"].visit.time_in) in (24, 25, 26)
    # yesterday's visit never marked as left does not keep 三号 busy today
    assert not states["一号"].busy and not states["三号"].busy and states["一号"].free_since is not None
    # 一号 had a walk-in today, 三号 none: 三号 is next
    assert queue.proposed.id == third.id
    assert [v.id for v in queue.in_store] == [with_customer.id, unassigned.id]


def test_roster_replaces_the_day_keeps_order_and_refuses_strangers(store, in_store):
    manager = factories.user_with_role("sales_manager", store)
    a = factories.user_with_role("sales_consultant", store)
    b = factories.user_with_role("sales_consultant", store)
    other_store = factories.StoreFactory(organisation=store.organisation)
    stranger = factories.user_with_role("sales_consultant", other_store)
    with in_store(manager, permissions=MANAGER):
        services.set_duty_roster([a.id, b.id, a.id])
        assert [(s.user_id, s.position) for s in services.duty_roster()] == [(a.id, 1), (b.id, 2)]
        services.set_duty_roster([b.id, a.id])
        assert [s.user_id for s in services.duty_roster()] == [b.id, a.id]
        for bad in ([stranger.id], [manager.id]):  # another store's consultant; not a consultant
            try:
                services.set_duty_roster(bad)
            except services.LeadsError as error:
                assert error.field == "user_ids" and "销售顾问" in str(error)
            else:
                raise AssertionError(f"{bad} was put on duty")
        try:
            services.set_duty_roster([a.id], day=tenancy.store_today() - dt.timedelta(days=1))
        except services.LeadsError as error:
            assert "过去" in str(error)
        else:
            raise AssertionError("yesterday's roster changed")
        assert [s.user_id for s in services.duty_roster()] == [b.id, a.id]
        # a day without a roster offers the latest one
        assert services.last_roster_user_ids(tenancy.store_today() + dt.timedelta(days=1)) == [b.id, a.id]
    logged = db.session.execute(
        select(audit.AuditLog).where(audit.AuditLog.store_id == store.id, audit.AuditLog.entity == "duty_slots")
    ).scalars()
    assert len(list(logged)) == 2


# --------------------------------------------------------------------------- the reception page


def test_receptionist_sets_the_roster_on_the_reception_page(client_as, store):
    client, _user = client_as("receptionist")
    a = factories.user_with_role("sales_consultant", store, name="甲顾问")
    b = factories.user_with_role("sales_consultant", store, name="乙顾问")
    save()
    page = client.get("/leads/visits/today").get_data(as_text=True)
    assert 'data-testid="reception-queue"' in page and 'data-testid="queue-no-roster"' in page
    assert 'data-testid="roster-form"' in page and 'hx-trigger="visitLogged from:body"' in page
    response = client.post(
        "/leads/visits/roster",
        headers=HX,
        data={"on_duty": [str(a.id), str(b.id)], f"position_{a.id}": "2", f"position_{b.id}": "1"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.index("乙顾问") < body.index("甲顾问")
    assert 'data-testid="queue-next-name">乙顾问<' in body
    assert [s.user_id for s in rows(DutySlot, store)] in ([b.id, a.id], [a.id, b.id])
    assert sorted((s.position, s.user_id) for s in rows(DutySlot, store)) == [(1, b.id), (2, a.id)]
    # the fragment the page re-fetches on visitLogged
    fragment = client.get("/leads/visits/queue", headers=HX).get_data(as_text=True)
    assert fragment.startswith('<section id="reception-queue"') and "乙顾问" in fragment


def test_consultants_do_not_set_the_roster_and_a_foreign_id_is_refused(client_as, store):
    consultant_client, consultant = client_as("sales_consultant")
    reception, _user = client_as("receptionist")
    save()
    assert consultant_client.post("/leads/visits/roster", data={"on_duty": [str(consultant.id)]}).status_code == 403
    assert 'data-testid="roster-form"' not in consultant_client.get("/leads/visits/today").get_data(as_text=True)
    response = reception.post(
        "/leads/visits/roster", headers=HX, data={"on_duty": ["99999999999999999999", str(_user.id)]}
    )
    assert response.status_code == 200 and "请选择本店的销售顾问" in response.get_data(as_text=True)
    assert rows(DutySlot, store) == []


def test_walk_in_form_proposes_the_next_free_consultant_and_the_queue_follows(client_as, store):
    client, _user = client_as("receptionist")
    a = factories.user_with_role("sales_consultant", store, name="甲顾问")
    b = factories.user_with_role("sales_consultant", store, name="乙顾问")
    _roster(store, a, b)
    save()
    form = client.get("/leads/visits/new").get_data(as_text=True)
    assert f'selected value="{a.id}"' in form or f'value="{a.id}" selected' in form
    assert "轮岗推荐：甲顾问" in form
    # the queue's "接待" button for another consultant pre-selects them
    chosen = client.get(f"/leads/visits/new?consultant_id={b.id}").get_data(as_text=True)
    assert f'selected value="{b.id}"' in chosen or f'value="{b.id}" selected' in chosen
    response = client.post(
        "/leads/visits/new",
        headers=HX,
        data={"kind": "walk_in", "mobile": "13800001111", "name": "孙七", "consultant_id": a.id, "card_level": "H"},
    )
    assert response.status_code == 200 and "visitLogged" in response.headers["HX-Trigger"]
    fresh = response.get_data(as_text=True)
    # the fresh form for the next visitor proposes the next free one
    assert "轮岗推荐：乙顾问" in fresh
    assert f'selected value="{b.id}"' in fresh or f'value="{b.id}" selected' in fresh
    queue = client.get("/leads/visits/queue", headers=HX).get_data(as_text=True)
    row_a = queue.split(f'data-consultant-id="{a.id}"')[1].split("</li>")[0]
    assert 'data-state="busy"' in row_a and "接待中" in row_a and "孙七" in row_a
    assert 'data-testid="queue-next-name">乙顾问<' in queue
    assert "在店客户 · 1" in queue
    # 孙七 leaves: 甲 is free again, but 乙 still has the turn
    visit = rows(Visit, store)[0]
    assert client.post(f"/leads/visits/{visit.id}/leave", headers=HX).status_code == 200
    queue = client.get("/leads/visits/queue", headers=HX).get_data(as_text=True)
    assert 'data-state="busy"' not in queue and 'data-testid="queue-next-name">乙顾问<' in queue


def test_a_consultant_logging_their_own_walk_in_gets_themselves(client_as, store):
    other = factories.user_with_role("sales_consultant", store)
    client, me = client_as("sales_consultant")
    _roster(store, other, me)
    save()
    form = client.get("/leads/visits/new").get_data(as_text=True)
    assert f'selected value="{me.id}"' in form or f'value="{me.id}" selected' in form


def test_the_roll_up_has_no_queue(app, store):
    manager = factories.user_with_role("group_manager", store, org_wide=True)
    save()
    client = login(app.test_client(), manager, "all")
    page = client.get("/leads/visits/today")
    assert page.status_code == 200 and 'data-testid="duty-row"' not in page.get_data(as_text=True)
    assert client.get("/leads/visits/queue", headers=HX).status_code == 200


def test_a_deactivated_consultant_drops_out_of_the_queue(store, in_store):
    receptionist = factories.user_with_role("receptionist", store)
    gone = factories.user_with_role("sales_consultant", store, name="离职")
    stays = factories.user_with_role("sales_consultant", store, name="在职")
    with in_store(receptionist, permissions=MANAGER):
        services.set_duty_roster([gone.id, stays.id])
        gone.is_active = False
        db.session.flush()
        queue = services.reception_queue()
    assert [e.consultant.id for e in queue.entries] == [stays.id] and queue.proposed.id == stays.id
