"""The call-back rules: each rule's occasions, offsets and window, the assignee policy, the
overlap with follow-up cards, and idempotency (twice; stopped half-way and run again)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from dealer_saas import tenancy
from dealer_saas.care.models import CallbackTask
from dealer_saas.care.services import generation
from dealer_saas.extensions import db

from .. import factories
from . import factories as cf

TODAY = dt.date(2026, 12, 1)


def tasks(**where):
    return list(db.session.execute(select(CallbackTask).filter_by(**where).order_by(CallbackTask.id)).scalars())


def run(store, **kwargs):
    with tenancy.enter(store.id):
        return generation.generate(store.id, TODAY, **kwargs)


def set_rules(store, **rules):
    store.settings = {**(store.settings or {}), "care_rules": rules}
    db.session.flush()


def test_after_a_showroom_visit_the_call_is_the_next_day_and_phone_enquiries_are_not_called(store):
    walked = cf.customer(store)
    phoned = cf.customer(store)
    old = cf.customer(store)
    cf.visit(store, walked, TODAY - dt.timedelta(days=1))
    cf.visit(store, phoned, TODAY - dt.timedelta(days=1), kind="phone")
    cf.visit(store, old, TODAY - dt.timedelta(days=30))  # its call was due long ago
    counts = run(store)
    assert counts["visit"] == 1
    (task,) = tasks(rule="visit")
    assert (task.customer_id, task.due_on, task.status, task.vehicle_id) == (walked.id, TODAY, "open", None)


def test_delivery_is_called_after_3_and_after_30_days(store):
    early, late = cf.customer(store), cf.customer(store)
    d1 = cf.delivery(store, early, TODAY - dt.timedelta(days=3))
    d2 = cf.delivery(store, late, TODAY - dt.timedelta(days=30))
    run(store)
    got = {(t.customer_id, t.occasion, t.due_on) for t in tasks(rule="delivery")}
    assert got == {(early.id, f"d{d1.id}-3", TODAY), (late.id, f"d{d2.id}-30", TODAY)}


def test_a_closed_ro_is_called_after_3_days_and_its_event_is_marked_handled(store):
    owner = cf.customer(store)
    car = cf.vehicle(store, owner)
    event = cf.ro_closed_event(store, car, TODAY - dt.timedelta(days=3))
    future = cf.ro_closed_event(store, car, TODAY)  # due in 3 days, after the lead time
    run(store)
    (task,) = tasks(rule="ro_closed")
    assert (task.customer_id, task.vehicle_id, task.due_on, task.occasion) == (owner.id, car.id, TODAY, f"e{event.id}")
    db.session.refresh(event)
    db.session.refresh(future)
    assert event.handled_at is not None and future.handled_at is None


def test_birthday_and_insurance_renewal_60_and_30_days_before(store):
    born = cf.customer(store, birthday=dt.date(1990, 12, 1))
    other = cf.customer(store, birthday=dt.date(1990, 6, 1))
    insured = cf.customer(store)
    car = cf.vehicle(store, insured)
    p60 = cf.policy(store, insured, TODAY + dt.timedelta(days=60), vin=car.vin)
    p30 = cf.policy(store, insured, TODAY + dt.timedelta(days=30))
    cf.policy(store, insured, TODAY + dt.timedelta(days=45))  # neither 60 nor 30 days today
    cf.policy(store, other, TODAY + dt.timedelta(days=30), status="quoted")  # never issued
    run(store)
    assert [(t.customer_id, t.occasion, t.due_on) for t in tasks(rule="birthday")] == [(born.id, "b2026", TODAY)]
    got = {(t.occasion, t.vehicle_id, t.due_on) for t in tasks(rule="insurance")}
    assert got == {(f"p{p60.id}-60", car.id, TODAY), (f"p{p30.id}-30", None, TODAY)}


def test_maintenance_due_is_projected_from_the_odometer_a_car_driven_80_km_a_day_first(store):
    """Two cars, both due for service on the same date in 200 days, both 5 000 km from
    their next service mileage: the one driven 80 km a day reaches it in 62 days, the
    one driven 10 km a day only after 500 (its date comes first); a car without history
    is called by its date alone."""
    fast_owner, slow_owner, new_owner = cf.customer(store), cf.customer(store), cf.customer(store)
    due_date = TODAY + dt.timedelta(days=200)
    fast = cf.vehicle(store, fast_owner, next_service_date=due_date, next_service_mileage=25000)
    slow = cf.vehicle(store, slow_owner, next_service_date=due_date, next_service_mileage=25000)
    new = cf.vehicle(store, new_owner, next_service_date=TODAY + dt.timedelta(days=7), next_service_mileage=5000)
    start = TODAY - dt.timedelta(days=100)
    cf.repair_order(store, fast, start, 12000)
    cf.repair_order(store, fast, TODAY - dt.timedelta(days=0), 20000)  # 8 000 km in 100 days
    cf.repair_order(store, slow, start, 19000)
    cf.repair_order(store, slow, TODAY, 20000)  # 1 000 km in 100 days
    with tenancy.enter(store.id):
        projected = generation.projected_service_due([fast.id, slow.id, new.id])
    assert projected[fast.id] == TODAY + dt.timedelta(days=62)  # 5 000 km / 80 km a day
    assert projected[slow.id] == due_date  # 500 days by km: the date comes first
    assert projected[new.id] == TODAY + dt.timedelta(days=7)
    assert projected[fast.id] < projected[slow.id]
    run(store)  # offset 7 days: only the car without history is due now
    assert [(t.vehicle_id, t.due_on) for t in tasks(rule="maintenance")] == [(new.id, TODAY)]
    with tenancy.enter(store.id):
        generation.generate(store.id, TODAY + dt.timedelta(days=55))
    assert {t.vehicle_id for t in tasks(rule="maintenance")} == {new.id, fast.id}


def test_the_delivery_mileage_counts_as_a_reading(store):
    """A car sold here at 10 km and serviced once at 3 010 km 100 days later: 30 km a day,
    so its next service at 7 510 km is 150 days after the service."""
    owner = cf.customer(store)
    handed = cf.delivery(store, owner, TODAY - dt.timedelta(days=100))
    handed.mileage = 10
    car = cf.vehicle(store, owner, sales_order_id=handed.order_id, next_service_mileage=7510)
    cf.repair_order(store, car, TODAY, 3010)
    with tenancy.enter(store.id):
        assert generation.projected_service_due([car.id]) == {car.id: TODAY + dt.timedelta(days=150)}


def test_an_owner_lapsing_for_12_months_is_warned_once(store):
    lapsed, loyal = cf.customer(store), cf.customer(store)
    old_car, car = cf.vehicle(store, lapsed), cf.vehicle(store, loyal)
    ro = cf.repair_order(store, old_car, TODAY - dt.timedelta(days=380), 30000)
    cf.repair_order(store, car, TODAY - dt.timedelta(days=380), 30000)
    cf.repair_order(store, car, TODAY - dt.timedelta(days=20), 40000)
    run(store)
    assert [(t.customer_id, t.occasion) for t in tasks(rule="lapsing")] == [(lapsed.id, f"l{ro.id}")]
    with tenancy.enter(store.id):
        generation.generate(store.id, TODAY + dt.timedelta(days=1))
    assert len(tasks(rule="lapsing")) == 1


def test_the_settings_section_saves_rules_and_refuses_junk(store):
    from dealer_saas.care import settings as care_settings
    from dealer_saas.domain import DomainError

    data = care_settings._load(store)
    assert data["care_delivery_offsets"] == "3, 30" and data["care_insurance_offsets"] == "60, 30"
    data.update(care_delivery_offsets="2，14", care_visit_enabled=False, care_no_answer_limit=5)
    new: dict = {}
    care_settings._save(new, data)
    store.settings = new
    saved = care_settings.rule_settings(store)
    assert saved["delivery"].offsets == (2, 14) and not saved["visit"].enabled
    assert care_settings.no_answer_limit(store) == 5
    for field, value in (("care_delivery_offsets", "3,x"), ("care_birthday_offsets", "99"), ("care_visit_offsets", "")):
        with pytest.raises(DomainError) as refused:
            care_settings._save({}, {**data, field: value})
        assert refused.value.field == field
    with pytest.raises(DomainError):
        care_settings._save({}, {**data, "care_lapsing_assignee": "boss"})


def test_rules_switched_off_and_other_offsets_follow_the_store_settings(store):
    cust = cf.customer(store)
    cf.visit(store, cust, TODAY - dt.timedelta(days=2))
    cf.delivery(store, cust, TODAY - dt.timedelta(days=7))
    set_rules(
        store,
        visit={"enabled": True, "offsets": [2], "assignee": "pool"},
        delivery={"enabled": False, "offsets": [7], "assignee": "pool"},
    )
    counts = run(store)
    assert counts.get("delivery") is None and counts["visit"] == 1
    assert [t.rule for t in tasks()] == ["visit"]


def test_a_customer_whose_open_card_is_due_within_3_days_is_left_to_the_consultant(store):
    carded, lost_card, far_card = cf.customer(store), cf.customer(store), cf.customer(store)
    for c in (carded, lost_card, far_card):
        cf.visit(store, c, TODAY - dt.timedelta(days=1))
    factories.FollowUpCardFactory(store=store, customer=carded, next_contact_on=TODAY + dt.timedelta(days=2))
    factories.FollowUpCardFactory(
        store=store, customer=lost_card, status="lost", next_contact_on=TODAY + dt.timedelta(days=1)
    )
    factories.FollowUpCardFactory(store=store, customer=far_card, next_contact_on=TODAY + dt.timedelta(days=4))
    run(store)
    assert {t.customer_id for t in tasks(rule="visit")} == {lost_card.id, far_card.id}


def test_assignee_policy_owner_else_round_robin_among_the_care_agents(store):
    consultant = factories.user_with_role("sales_consultant", store)
    agents = sorted([factories.user_with_role("care_agent", store).id for _ in range(2)])
    off_duty = factories.user_with_role("care_agent", store)
    off_duty.is_active = False
    owned = cf.customer(store, owner_id=consultant.id)
    pool = [cf.customer(store) for _ in range(4)]
    for c in [owned, *pool]:
        cf.visit(store, c, TODAY - dt.timedelta(days=1))
    db.session.flush()
    run(store)
    by_customer = {t.customer_id: t.assignee_id for t in tasks(rule="visit")}
    assert by_customer[owned.id] == consultant.id
    spread = [by_customer[c.id] for c in pool]
    assert sorted(spread) == sorted(agents * 2) and off_duty.id not in spread
    set_rules(store, ro_closed={"enabled": True, "offsets": [3], "assignee": "pool"})
    car = cf.vehicle(store, owned)
    cf.ro_closed_event(store, car, TODAY - dt.timedelta(days=3))
    run(store)
    (task,) = tasks(rule="ro_closed")
    assert task.assignee_id in agents  # the pool policy ignores the owner


def test_running_twice_creates_each_task_once(store):
    customers = [cf.customer(store, birthday=dt.date(1985, 12, 1)) for _ in range(5)]
    for c in customers:
        cf.visit(store, c, TODAY - dt.timedelta(days=1))
    first = run(store)
    second = run(store)
    assert (first["visit"], first["birthday"]) == (5, 5)
    assert (second["visit"], second["birthday"]) == (0, 0)
    assert db.session.execute(select(func.count(CallbackTask.id))).scalar() == 10


def test_stopped_half_way_and_run_again_every_task_exists_exactly_once(store):
    customers = [cf.customer(store) for _ in range(9)]
    for c in customers:
        cf.visit(store, c, TODAY - dt.timedelta(days=1))

    class Stop(Exception):
        pass

    def die_after_second_batch(store_id, batch):
        if batch == 2:
            raise Stop()

    generation.after_batch_hooks.append(die_after_second_batch)
    try:
        with pytest.raises(Stop):
            run(store, batch_size=3, commit=True)
    finally:
        generation.after_batch_hooks.remove(die_after_second_batch)
    assert db.session.execute(select(func.count(CallbackTask.id))).scalar() == 6  # two batches committed
    again = run(store, batch_size=3, commit=True)
    assert again["visit"] == 3 and again["batches"] == 3
    rows = tasks(rule="visit")
    assert sorted(t.customer_id for t in rows) == sorted(c.id for c in customers)


def test_the_job_runs_per_store_and_never_crosses_stores(two_tenants):
    from dealer_saas.jobs import run_job_now

    a1, a2 = two_tenants.a1, two_tenants.a2
    mine, theirs = cf.customer(a1), cf.customer(a2)
    cf.visit(a1, mine, TODAY - dt.timedelta(days=1))
    cf.visit(a2, theirs, TODAY - dt.timedelta(days=1))
    result = run_job_now("care.generate_callbacks", a1.id, TODAY.isoformat())
    assert result["visit"] == 1
    with tenancy.system():
        rows = list(db.session.execute(select(CallbackTask)).scalars())
    assert [(t.store_id, t.customer_id) for t in rows] == [(a1.id, mine.id)]
