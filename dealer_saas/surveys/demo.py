"""Demo surveys for every demo store: the group's starter templates (CSI, SSI, NPS), and
invitations sent and answered over the last 12 months (answered through the service, so
scores are computed and the few low scores open complaints), plus some due and sent ones.
Idempotent: a store with invitations is left alone."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from .. import demo
from ..customers.models import Customer
from ..extensions import db
from ..timeutil import utcnow
from .models import SurveyInvitation, SurveyTemplate
from .services import responses
from .services.templates import seed_starter_templates

COMMENTS = ("服务很好", "等待时间有点长", "顾问很专业", "", "", "洗车不够干净", "下次还来")


def _answers(invitation: SurveyInvitation, rng: random.Random, low: bool) -> dict:
    out = {}
    for q in responses.questions_of(invitation):
        name = f"q{q.id}"
        if q.kind == "score5":
            out[name] = str(rng.choice((1, 2)) if low else rng.choice((4, 5, 5, 4, 5)))
        elif q.kind == "score10":
            out[name] = str(rng.choice((2, 4, 5)) if low else rng.choice((10, 9, 9, 8, 10, 7)))
        elif q.kind == "single":
            out[name] = q.choices[-1] if low else q.choices[0]
        elif q.kind == "multiple":
            out[name] = q.choices[:2]
        else:
            out[name] = "问题一直没解决，很失望" if low else rng.choice(COMMENTS)
    return out


@demo.seeder(75)
def seed_surveys(staff: demo.StoreStaff, rng: random.Random) -> None:
    seed_starter_templates()
    if db.session.execute(select(SurveyInvitation.id).limit(1)).first() is not None:
        return
    templates = {t.code: t for t in db.session.execute(select(SurveyTemplate)).scalars()}
    customers = list(
        db.session.execute(
            select(Customer).where(Customer.deleted_at.is_(None)).order_by(Customer.id).limit(60)
        ).scalars()
    )
    if not customers or not templates:
        return
    advisor, consultants = staff.first("service_advisor"), staff.by_role.get("sales_consultant", [])
    count = max(14, int(72 * staff.scale))
    now = utcnow()
    for n in range(count):
        code = ("CSI", "CSI", "SSI", "NPS")[n % 4]
        template = templates.get(code)
        if template is None:
            continue
        customer = customers[n % len(customers)]
        staff_user = advisor if code != "SSI" else (consultants[n % len(consultants)] if consultants else None)
        sent_at = now - dt.timedelta(days=rng.randrange(1, 360), hours=rng.randrange(0, 10))
        state = "answered" if n % 7 not in (5, 6) else ("sent" if n % 7 == 5 else "due")
        invitation = SurveyInvitation(
            template_id=template.id,
            occasion=f"demo:{staff.store.id}:{n}",
            customer_id=customer.id,
            staff_id=staff_user.id if staff_user else None,
            due_at=sent_at if state != "due" else now + dt.timedelta(hours=rng.randrange(2, 48)),
            status="sent" if state != "due" else "due",
            sent_at=sent_at if state != "due" else None,
            created_at=sent_at - dt.timedelta(days=1),
        )
        db.session.add(invitation)
        db.session.flush()
        if state == "answered":
            low = n % 9 == 3
            responses.answer(invitation.id, _answers(invitation, rng, low))
            invitation.answered_at = sent_at + dt.timedelta(hours=rng.randrange(1, 30))
    db.session.flush()
