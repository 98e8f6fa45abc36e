"""Demo marketing data for every demo store: message templates, campaigns in every state over
the last 12 months with sign-ups and attendance (the running one checked in through the
service, which logs today's visits and opens cards), and a finished bulk send. Idempotent:
a store with campaigns is left alone."""

from __future__ import annotations

import datetime as dt
import decimal
import random

from sqlalchemy import select

from .. import demo
from ..customers.models import Customer
from ..extensions import db
from ..service.demo import as_user
from ..timeutil import utcnow
from .models import BulkSend, Campaign
from .services import bulk, campaigns, segments, templates

TEMPLATES = (
    ("maint", "保养到期提醒", "maintenance", templates.DEFAULT_BODIES["maintenance"]),
    ("renew", "续保提醒", "insurance", templates.DEFAULT_BODIES["insurance"]),
    ("bday", "生日祝福", "birthday", "【{门店}】亲爱的{客户姓名}，生日快乐！到店出示短信可领取精美礼品一份。"),
    ("invite", "活动邀请", "campaign", templates.DEFAULT_BODIES["campaign"]),
    ("promo", "月度促销", "marketing", "【{门店}】{客户姓名}您好，本月保养套餐8折，预约请致电{门店电话}。"),
)
#: (theme, place, months ago, final state, budget)
PLAN = (
    ("新春团购会", "展厅", 11, "finished", "30000"),
    ("五一试驾节", "展厅及试驾场", 7, "finished", "20000"),
    ("车主自驾游", "从化温泉", 5, "finished", "45000"),
    ("中秋老客户答谢", "门店二楼", 3, "finished", "15000"),
    ("国庆限时购", "展厅", 2, "finished", "25000"),
    ("冬季免费检测", "售后车间", 0, "running", "8000"),
    ("新车上市发布会", "展厅", -1, "published", "50000"),
    ("年终感恩季", "展厅", -2, "draft", "30000"),
)


def _signup_people(customers: list[Customer], rng: random.Random, count: int) -> list[tuple[str, str]]:
    people = [(c.name, c.mobile) for c in rng.sample(customers, min(len(customers), count // 2))]
    while len(people) < count:
        people.append((demo.person_name(rng), demo.mobile(rng)))
    return people


def _campaign(staff: demo.StoreStaff, rng: random.Random, customers: list[Customer], plan: tuple, n: int) -> None:
    theme, place, months_ago, state, budget = plan
    now = utcnow()
    real_start = now - dt.timedelta(days=30 * months_ago) if months_ago > 0 else now - dt.timedelta(hours=1)
    if months_ago < 0:
        real_start = now + dt.timedelta(days=-30 * months_ago)
    campaign = campaigns.create_campaign(
        {
            "theme": theme,
            "place": place,
            # open while sign-ups are taken; the dates of a past campaign are set afterwards
            "starts_at": max(real_start, now - dt.timedelta(hours=1)),
            "ends_at": max(real_start, now) + dt.timedelta(days=1),
            "description": f"{theme}：到店有礼，现场签到即送保养券。",
            "segment": {"levels": ["owner", "vip"]} if n % 2 else {"sources": ["walk_in", "web"]},
            "budget": decimal.Decimal(budget),
            "headcount": 200,
            "attribution_days": 30,
        }
    )
    if state == "draft":
        return
    campaigns.change_state(campaign.id, "publish")
    count = max(3, int(rng.randint(12, 30) * staff.scale))
    signups = []
    for name, mobile in _signup_people(customers, rng, count):
        result = campaigns.sign_up(
            campaign.id, {"name": name, "mobile": mobile, "party_size": rng.choice((1, 1, 2, 3))}
        )
        signups.append(result.signup)
    if state == "published":
        return
    campaigns.change_state(campaign.id, "start")
    if state == "running":
        # today's event: a few people checked in through the service (visit + card)
        with as_user(staff.first("marketing")):
            for signup in signups[: max(2, len(signups) // 3)]:
                campaigns.check_in(signup.id)
        return
    # a past event: its dates and sign-ups moved back, attendance recorded on the day
    campaign.starts_at = real_start
    campaign.ends_at = real_start + dt.timedelta(hours=6)
    for signup in signups:
        signup.signed_up_at = real_start - dt.timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 10))
        if rng.random() < 0.7:
            signup.checked_in_at = real_start + dt.timedelta(minutes=rng.randint(0, 180))
    db.session.flush()
    campaigns.change_state(campaign.id, "finish")


@demo.seeder(70)
def seed_marketing(staff: demo.StoreStaff, rng: random.Random) -> None:
    if db.session.execute(select(Campaign.id).limit(1)).first() is not None:
        return
    with as_user(staff.first("marketing")):
        made = [
            templates.create_template(
                {"code": code, "name": name, "occasion": occasion, "body": body, "is_active": True}
            )
            for code, name, occasion, body in TEMPLATES
        ]
    customers = list(
        db.session.execute(
            select(Customer).where(Customer.mobile.isnot(None), Customer.deleted_at.is_(None)).limit(200)
        ).scalars()
    )
    for n, plan in enumerate(PLAN):
        _campaign(staff, rng, customers, plan, n)
    # a bulk send to the owners and VIPs, run as its job runs it (the policy decides who
    # gets it: consent, the throttle, quiet hours)
    send = BulkSend(
        template_id=made[-1].id,
        segment={"levels": ["owner", "vip"]},
        total=segments.count({"levels": ["owner", "vip"]}, staff.store.timezone),
        created_by_id=staff.first("marketing").id,
    )
    db.session.add(send)
    db.session.flush()
    bulk.run_send(send.id, commit=False)
    db.session.flush()
