"""Demo complaints for every demo store: one case in every state (a reopened one among
them), enquiries and feedback, some past their SLA, built through the services so they obey
the rules. Idempotent: a store with complaints is left alone."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from .. import demo
from ..customers.models import Customer
from ..extensions import db
from ..service.demo import as_user
from ..timeutil import utcnow
from .models import Complaint
from .services import cases

#: (kind, grade, category, problem type, subject, final state, hours ago)
PLAN = (
    ("complaint", "A", "service", "repair_quality", "保养后发动机异响加重", "received", 3),
    ("complaint", "B", "service", "delay", "维修等待时间过长", "accepted", 10),
    ("complaint", "B", "price", "billing", "结算金额与报价不符", "investigating", 30),
    ("complaint", "C", "attitude", "communication", "前台接待态度冷淡", "resolved", 50),
    ("complaint", "C", "sales", "promise", "交车时赠品未兑现", "closed", 200),
    ("complaint", "B", "quality", "vehicle_fault", "新车中控屏偶发黑屏", "rejected", 120),
    ("complaint", "A", "service", "repair_quality", "同一故障三次返修", "reopened", 80),
    ("enquiry", None, "other", "other", "咨询延保政策", "closed", 150),
    ("feedback", None, "service", "other", "表扬服务顾问耐心细致", "closed", 90),
)


def _case(staff: demo.StoreStaff, rng: random.Random, customer: Customer, n: int, plan: tuple) -> None:
    kind, grade, category, problem, subject, state, hours = plan
    care, manager = staff.first("care_agent"), staff.first("store_manager")
    owner = staff.first("service_advisor") if n % 2 else care
    with as_user(care):
        complaint = cases.create_complaint(
            {
                "kind": kind,
                "channel": rng.choice(("phone", "visit", "email", "phone")),
                "customer_id": customer.id,
                "subject": subject,
                "category": category,
                "problem_type": problem,
                "grade": grade,
                "attitude": rng.choice(("calm", "unhappy", "angry")),
                "description": f"{subject}。客户{customer.name}来电反映，希望尽快处理。",
                "owner_id": owner.id,
                "received_at": utcnow() - dt.timedelta(hours=hours),
            }
        )
    if state == "received":
        return
    if state == "rejected":
        with as_user(manager):
            cases.change_state(complaint.id, "reject", text="经检测为软件正常升级重启，非质量问题，已向客户说明。")
        return
    with as_user(owner):
        cases.change_state(complaint.id, "accept")
        if state == "accepted":
            return
        cases.change_state(complaint.id, "investigate", text="已联系客户，安排技术主管复查。")
        if state == "investigating":
            return
        cases.change_state(complaint.id, "resolve", text="已免费复修并赠送一次保养，客户认可。")
    if state == "resolved":
        return
    with as_user(care):
        if state == "reopened":
            cases.record_satisfaction(complaint.id, False, "客户表示问题仍在")
            return
        cases.record_satisfaction(complaint.id, True, "客户满意")


@demo.seeder(76)
def seed_complaints(staff: demo.StoreStaff, rng: random.Random) -> None:
    if db.session.execute(select(Complaint.id).where(Complaint.channel != "survey").limit(1)).first() is not None:
        return
    customers = list(
        db.session.execute(
            select(Customer).where(Customer.deleted_at.is_(None)).order_by(Customer.id).limit(20)
        ).scalars()
    )
    if not customers:
        return
    for n, plan in enumerate(PLAN):
        _case(staff, rng, customers[n % len(customers)], n, plan)
    db.session.flush()
