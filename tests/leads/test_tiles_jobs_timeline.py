"""Dashboard tiles, the dormant-card job, the 360 timeline sources and the demo seeder."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from dealer_saas import audit, demo
from dealer_saas.customers import timeline
from dealer_saas.dashboard.tiles import TILES
from dealer_saas.extensions import db
from dealer_saas.jobs import JOB_KINDS, run_job_now
from dealer_saas.leads import services
from dealer_saas.leads.models import CardContact, FollowUpCard, Visit
from dealer_saas.timeutil import local_today, utcnow

from .. import factories
from .factories import CONSULTANT, card, contact, rows

HX = {"HX-Request": "true"}


def test_tiles(store, in_store):
    me = factories.user_with_role("sales_consultant", store)
    today = local_today()
    factories.VisitFactory(store=store, time_in=utcnow())
    factories.VisitFactory(store=store, customer=None, customer_id=None, time_in=utcnow())
    factories.VisitFactory(store=store, time_in=utcnow() - dt.timedelta(days=3))
    card(store, consultant_id=me.id, next_contact_on=today - dt.timedelta(days=3))
    card(store, consultant_id=me.id, next_contact_on=today + dt.timedelta(days=9))
    card(store, status="lost_pending")
    with in_store(me, permissions=CONSULTANT):
        visits = TILES["leads.visits_today"].compute()
        assert visits.value == 2 and "1" in visits.detail
        mine = TILES["leads.my_cards_due"].compute()
        assert mine.value == 1 and mine.tone == "danger"
    with in_store(factories.user_with_role("sales_manager", store)):
        overdue = TILES["leads.store_overdue_cards"].compute()
        assert overdue.value == 1 and overdue.tone == "danger"
        assert TILES["leads.lost_pending"].compute().value == 1
    assert TILES["leads.store_overdue_cards"].permission == "cards.approve_lost"


def test_tile_endpoint_renders(client_as, store):
    client, _me = client_as("sales_manager")
    from .factories import save

    save()
    for name in ("leads.visits_today", "leads.store_overdue_cards", "leads.lost_pending", "leads.my_cards_due"):
        with client.application.test_request_context():
            url = client.application.url_for("dashboard.tile", name=name)
        response = client.get(url, headers=HX)
        assert response.status_code == 200, name
        assert f'data-testid="tile-value-{name}"' in response.get_data(as_text=True)


def test_dormant_job_is_idempotent_and_audited_as_system(store, in_store):
    old = utcnow() - dt.timedelta(days=61)
    stale = card(store, level="C", created_at=old)
    contacted = card(store, level="C", created_at=old)
    contact(contacted, utcnow() - dt.timedelta(days=10))
    contacted.last_contact_at = utcnow() - dt.timedelta(days=10)
    hot = card(store, level="A", created_at=old)
    db.session.flush()
    assert JOB_KINDS["leads.mark_stale_cards_dormant"].cadence == "daily"
    assert run_job_now("leads.mark_stale_cards_dormant", store.id, period="2026-11-23") == {"dormant": 1}
    assert run_job_now("leads.mark_stale_cards_dormant", store.id, period="2026-11-23") == {"dormant": 0}
    db.session.expire_all()  # the job ran in its own app context and session
    assert (stale.status, contacted.status, hot.status) == ("dormant", "open", "open")
    logged = (
        db.session.execute(
            select(audit.AuditLog).where(
                audit.AuditLog.entity == "follow_up_cards", audit.AuditLog.entity_id == stale.id
            )
        )
        .scalars()
        .all()
    )
    assert len(logged) == 1 and logged[0].user_id is None and logged[0].action == "transition"


def test_timeline_sources(store, in_store):
    me = factories.user_with_role("sales_consultant", store)
    customer = factories.CustomerFactory(store=store)
    factories.VisitFactory(store=store, customer=customer, time_in=utcnow() - dt.timedelta(days=2))
    row = card(store, customer=customer, created_at=utcnow() - dt.timedelta(days=1), consultant_id=me.id)
    contact(row, utcnow() - dt.timedelta(hours=3), content="电话聊了配置")
    with in_store(me):
        services.mark_card_won(row.id, None)
        entries, _more = timeline.timeline([customer.id])
    kinds = [e.kind for e in entries]
    assert kinds[:1] == ["card_won"] and {"visit", "card", "contact"} <= set(kinds)
    assert any("电话聊了配置" in e.detail for e in entries)


def test_demo_seeder_creates_every_kind_and_is_idempotent(store, in_store):
    staff = demo.StoreStaff(store=store, scale=0.05)
    for role_code, count, _suffix in demo.STORE_STAFF:
        staff.by_role[role_code] = [factories.user_with_role(role_code, store) for _ in range(count)]
    from dealer_saas.leads.demo import seed_leads

    with in_store():
        seed_leads(staff, random.Random(1))
        first = (len(rows(Visit, store)), len(rows(FollowUpCard, store)), len(rows(CardContact, store)))
        seed_leads(staff, random.Random(2))
    assert first[0] >= 2 and first[1] >= 12 and first[2] >= 12
    assert (len(rows(Visit, store)), len(rows(FollowUpCard, store)), len(rows(CardContact, store))) == first
    statuses = {c.status for c in rows(FollowUpCard, store)}
    assert statuses == {"open", "lost_pending", "lost", "won", "dormant"}
    assert {c.level for c in rows(FollowUpCard, store)} == {"H", "A", "B", "C"}
    assert any(v.customer_id is None for v in rows(Visit, store))
    first_consultant = staff.first("sales_consultant")
    today = local_today()
    mine = [c for c in rows(FollowUpCard, store) if c.consultant_id == first_consultant.id and c.status == "open"]
    assert any(c.next_contact_on < today for c in mine) and any(c.next_contact_on >= today for c in mine)


def test_demo_roster_covers_the_coming_week_and_keeps_a_day_already_set(store, in_store):
    """A demo left running past midnight (or a browser test run that crosses it) still has
    consultants on duty: the demo sets the roster of today and the next days."""
    from dealer_saas.leads.demo import ROSTER_DAYS, seed_duty_roster
    from dealer_saas.leads.models import DutySlot

    consultants = [factories.user_with_role("sales_consultant", store) for _ in range(3)]
    staff = demo.StoreStaff(store=store, scale=0.05)
    staff.by_role["sales_consultant"] = consultants
    today = local_today(store.timezone)
    tomorrow = today + dt.timedelta(days=1)
    with in_store():
        # tomorrow's roster was already set by hand: the demo keeps it
        db.session.add(
            DutySlot(store_id=store.id, org_id=store.org_id, day=tomorrow, user_id=consultants[2].id, position=1)
        )
        db.session.flush()
        seed_duty_roster(staff, random.Random(1))
        seed_duty_roster(staff, random.Random(2))
        days: dict[dt.date, list[int]] = {}
        for slot in sorted(rows(DutySlot, store), key=lambda s: (s.day, s.position)):
            days.setdefault(slot.day, []).append(slot.user_id)
    assert sorted(days) == [today + dt.timedelta(days=n) for n in range(ROSTER_DAYS)]
    by_username = [u.id for u in sorted(consultants, key=lambda u: u.username)]
    assert all(ids == by_username for day, ids in days.items() if day != tomorrow)
    assert days[tomorrow] == [consultants[2].id]
