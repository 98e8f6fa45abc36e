"""Demo call-backs for every demo store: twelve months of tasks (done with their outcomes,
some unanswered and called again, overdue ones, today's and the next days'), then one run
of the generation job over the store's real visits, deliveries and repair orders.
Idempotent: a store with call-back tasks is left alone. The care agents' duty roster (a week
and a leave) comes first."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from .. import demo, tenancy
from ..customers.models import Customer
from ..extensions import db
from ..timeutil import from_local
from .models import CallbackAttempt, CallbackTask
from .rules import RULES
from .services import generation

#: the demo queue: four open calls a day today and the next OPEN_DAYS - 1 days, then four
#: overdue ones (OPEN open calls in all); the older calls are done
OPEN_DAYS = 3
OPEN = OPEN_DAYS * 4 + 4

#: final outcomes of past calls, most of them reached
PAST_OUTCOMES = ("reached", "satisfied", "satisfied", "reached", "no_answer", "wrong_number", "satisfied", "complaint")


@demo.seeder(70)
def seed_care(staff: demo.StoreStaff, rng: random.Random) -> None:
    if db.session.execute(select(CallbackTask.id).limit(1)).first() is not None:
        return
    customers = list(
        db.session.execute(
            select(Customer.id, Customer.owner_id).where(Customer.deleted_at.is_(None)).order_by(Customer.id).limit(80)
        ).all()
    )
    if not customers:
        return
    agents = [u.id for u in staff.by_role.get("care_agent", [])] or [None]
    today = tenancy.store_today()
    tz = staff.store.timezone
    codes = list(RULES)
    count = max(24, int(360 * staff.scale))
    for n in range(count):
        customer_id, owner_id = customers[n % len(customers)]
        rule = codes[n % len(codes)]
        # the first ones are the queue: four a day today and the next two days (a demo left
        # running overnight, or a browser test run crossing midnight, still has today's
        # calls), then four overdue; the rest spread over a year
        if n < OPEN_DAYS * 4:
            due = today + dt.timedelta(days=n // 4)
        elif n < OPEN:
            due = today - dt.timedelta(days=1 + n % 5)  # overdue, still open
        else:
            due = today - dt.timedelta(days=rng.randrange(1, 365))
        # the open ones are the care agent's queue; past calls went to whoever the rule names
        owner_first = RULES[rule].assignee == "owner" and owner_id and n >= OPEN
        assignee = owner_id if owner_first else agents[n % len(agents)]
        created = from_local(dt.datetime.combine(due - dt.timedelta(days=1), dt.time(3, 0)), tz)
        task = CallbackTask(
            rule=rule,
            customer_id=customer_id,
            occasion=f"demo{n}",
            due_on=due,
            assignee_id=assignee,
            created_at=created,
            updated_at=created,
        )
        db.session.add(task)
        db.session.flush()
        if n < OPEN:
            continue
        outcome = PAST_OUTCOMES[n % len(PAST_OUTCOMES)]
        called = from_local(dt.datetime.combine(due, dt.time(10 + n % 7, 5 * (n % 12))), tz)
        tries = 3 if outcome == "no_answer" else 1 + (n % 2)
        for k in range(tries):
            at = called + dt.timedelta(days=k)
            db.session.add(
                CallbackAttempt(
                    task_id=task.id,
                    outcome=outcome if k == tries - 1 else "no_answer",
                    by_id=assignee,
                    at=at,
                )
            )
        task.status, task.outcome, task.attempts = "done", outcome, tries
        task.last_attempt_at = task.closed_at = called + dt.timedelta(days=tries - 1)
        task.closed_by_id = assignee
        task.note = {"complaint": "客户反映洗车不干净", "satisfied": "客户满意"}.get(outcome, "")
    db.session.flush()
    generation.generate(staff.store.id, today)


@demo.seeder(69)
def seed_care_roster(staff: demo.StoreStaff, rng: random.Random) -> None:
    """The care agents work Monday to Saturday; the first one takes a day off next week.
    Before the generation's run, so its calls follow the roster. Idempotent."""
    from .models import CareDutyWeek
    from .services import roster

    if db.session.execute(select(CareDutyWeek.id).limit(1)).first() is not None:
        return
    agents = [u.id for u in staff.by_role.get("care_agent", []) if u.is_active]
    if not agents:
        return
    for agent in agents:
        roster.set_week(agent, range(6))
    today = tenancy.store_today()
    leave = next(today + dt.timedelta(days=n) for n in range(3, 10) if (today + dt.timedelta(days=n)).weekday() < 6)
    roster.set_exception(agents[0], leave, "off", "年假", today)
