"""Demo visits, follow-up cards at every level and status, and their contacts."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from .. import demo
from ..customers.models import Customer
from ..customers.services import find_or_create_for_visit
from ..extensions import db
from ..inventory.models import VehicleModel
from ..timeutil import from_local, local_today, utcnow
from .models import CardContact, DutySlot, FollowUpCard, Visit

# the demo sets the roster of this many days from today: a demo left running overnight (or a
# browser test run crossing midnight) still has consultants on duty
ROSTER_DAYS = 7

SUMMARIES = [
    "看了展车，关心油耗和保养费用",
    "带家人来看车，比较了两款配置",
    "电话询价，想了解置换补贴",
    "试驾后比较满意，等家里商量",
    "关注金融方案，首付三成",
    "对比了竞品，觉得空间更大",
]
CONTACTS = [
    "电话回访，客户周末再来店",
    "微信发了配置表和报价",
    "客户在比较竞品，邀约试驾",
    "客户询问置换政策，已发资料",
    "客户出差中，下周再联系",
]
OBJECTIONS = ["价格偏高", "等新款", "家人意见不一", "贷款利率", ""]
COMPETITORS = ["丰田凯美瑞", "本田雅阁", "日产天籁", "别克君越"]


@demo.seeder(30)
def seed_leads(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Visits over the last 30 days, cards of every level/status, contacts (idempotent)."""
    if db.session.execute(select(Visit.id).limit(1)).scalar() is not None:
        return
    consultants = staff.by_role.get("sales_consultant") or [staff.first("store_manager")]
    first = consultants[0]
    manager = (staff.by_role.get("sales_manager") or [None])[0]
    reception = (staff.by_role.get("receptionist") or [None])[0]
    customers = list(db.session.execute(select(Customer).order_by(Customer.id).limit(200)).scalars())
    if len(customers) < 4:
        for _ in range(4 - len(customers)):
            customer, _created = find_or_create_for_visit(
                name=demo.person_name(rng),
                mobile=demo.mobile(rng),
                source="walk_in",
                owner_id=rng.choice(consultants).id,
            )
            if customer is not None:
                customers.append(customer)
    models = list(db.session.execute(select(VehicleModel).limit(20)).scalars())
    model_names = [m.series for m in models] or ["帕萨特", "途观L", "迈腾", "速腾"]
    now = utcnow()
    today = local_today(staff.store.timezone)

    # the reports default to this month: a third of the history falls in it (the days before
    # today; the same random draws, so the rest of the demo does not change)
    month_start = from_local(dt.datetime.combine(today.replace(day=1), dt.time.min), staff.store.timezone)
    days_before_today = (today - today.replace(day=1)).days
    count = max(2, int(60 * staff.scale))
    for n in range(count):
        # the first few are today; every seventh visitor leaves no contact details
        if n < max(2, count // 10):
            when = now - dt.timedelta(minutes=rng.randint(5, 240))
        else:
            days, minutes = rng.randint(1, 30), rng.randint(0, 600)
            if n % 3 == 0 and days_before_today:
                days = 1 + (days - 1) % days_before_today
            when = now - dt.timedelta(days=days, minutes=minutes)
        anonymous = n % 7 == 3 or n == 1
        customer = None if anonymous else customers[n % len(customers)]
        kind = "phone" if n % 4 == 2 else "walk_in"
        consultant = consultants[n % len(consultants)]
        visit = Visit(
            kind=kind,
            customer_id=customer.id if customer else None,
            visitor_name=demo.person_name(rng)[:1] + "先生" if anonymous and n % 2 else "",
            time_in=when,
            time_out=None if (n == 0 or kind == "phone") else when + dt.timedelta(minutes=rng.randint(20, 90)),
            party_size=rng.choice((1, 1, 2, 3)),
            intended_model=rng.choice(model_names),
            source=kind,
            consultant_id=consultant.id,
            wants_test_drive=rng.random() < 0.3,
            summary=rng.choice(SUMMARIES),
            created_by_id=reception.id if reception else None,
        )
        db.session.add(visit)
    db.session.flush()

    # cards: every level, and every status; some overdue and some due today for the first consultant
    plans = [
        ("H", "open", -2),
        ("A", "open", 0),
        ("B", "open", 0),
        ("C", "open", 5),
        ("H", "open", 1),
        ("A", "lost_pending", 2),
        ("C", "dormant", -20),
        ("B", "lost", -5),
        ("A", "won", 0),
        ("B", "open", -4),
        ("C", "open", 10),
        ("A", "open", -1),
    ]
    extra = max(0, int(24 * staff.scale) - len(plans))
    plans += [(rng.choice("HABC"), "open", rng.randint(-5, 10)) for _ in range(extra)]
    for n, (level, status, offset) in enumerate(plans):
        customer = customers[n % len(customers)]
        consultant = first if n < 6 or n % 2 == 0 else consultants[n % len(consultants)]
        days = rng.randint(3, 40)
        created = now - dt.timedelta(days=days)
        if n % 3 == 1:  # created this month, for the reports' default period
            created = month_start + (now - month_start) * ((days - 3) / 38)
        card = FollowUpCard(
            customer_id=customer.id,
            consultant_id=consultant.id,
            level=level,
            status=status,
            intended_model=rng.choice(model_names),
            next_contact_on=today + dt.timedelta(days=offset),
            payment_method=rng.choice(("cash", "loan")),
            source=customer.source,
            competitor_models=rng.choice(COMPETITORS),
            created_at=created,
            updated_at=created,
            created_by_id=consultant.id,
        )
        if status in ("lost_pending", "lost"):
            card.lost_reason, card.lost_competitor = "价格谈不拢", rng.choice(COMPETITORS)
            card.lost_requested_by_id, card.lost_requested_at = consultant.id, now - dt.timedelta(days=1)
        if status == "lost" and manager is not None:
            card.lost_reviewed_by_id, card.lost_reviewed_at = manager.id, now - dt.timedelta(hours=5)
        if status == "won":
            card.won_at = now - dt.timedelta(days=2)
        if status == "dormant":
            card.dormant_at = now - dt.timedelta(days=3)
        db.session.add(card)
        db.session.flush()
        for k in range(rng.randint(1, 3)):
            at = min(now, created + dt.timedelta(days=k + 1, hours=rng.randint(0, 8)))
            db.session.add(
                CardContact(
                    card_id=card.id,
                    at=at,
                    channel=rng.choice(("phone", "wechat", "visit")),
                    content=rng.choice(CONTACTS),
                    objections=rng.choice(OBJECTIONS),
                    level_before=level,
                    level_after=level,
                    by_user_id=consultant.id,
                    next_contact_on=card.next_contact_on,
                )
            )
            card.last_contact_at = at
    db.session.flush()


@demo.seeder(31)
def seed_duty_roster(staff: demo.StoreStaff, rng: random.Random) -> None:
    """The duty roster (顾问轮岗) of today and the next ``ROSTER_DAYS - 1`` days: the store's
    consultants on duty in the order of their usernames, so the reception queue has content
    and a demo left running past midnight still has someone on duty (idempotent: a day
    already set is kept)."""
    today = local_today(staff.store.timezone)
    days = [today + dt.timedelta(days=n) for n in range(ROSTER_DAYS)]
    already = set(db.session.execute(select(DutySlot.day).where(DutySlot.day.in_(days))).scalars())
    consultants = sorted(staff.by_role.get("sales_consultant") or [], key=lambda u: u.username)
    for day in days:
        if day in already:
            continue
        for position, user in enumerate(consultants, start=1):
            db.session.add(DutySlot(day=day, user_id=user.id, position=position))
    db.session.flush()


# --------------------------------------------------------------------------- the reports' twelve months


def add_history_visits(rows: list[dict]) -> None:
    """Visits of the demo's past months (planned by ``reports.demo``), in one flush."""
    db.session.add_all([Visit(**row) for row in rows])
    db.session.flush()


def add_history_cards(rows: list[dict]) -> list[int]:
    """Follow-up cards of the demo's past months, already won, lost or dormant; their ids."""
    cards = [FollowUpCard(**row) for row in rows]
    db.session.add_all(cards)
    db.session.flush()
    return [card.id for card in cards]
