"""Complaints and care meet through each other's registration points: a call-back 7 days
after a complaint is closed, "complaint raised" opens the intake, a low score can become a
call-back task."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.care import rules
from dealer_saas.care.models import CallbackTask
from dealer_saas.care.services import tasks as care_tasks
from dealer_saas.extensions import db
from dealer_saas.surveys import services as survey_services
from dealer_saas.timeutil import local_today

from .. import factories


def test_the_complaint_rules_are_registered_with_care():
    assert "complaint_closed" in rules.RULES and rules.RULES["complaint_closed"].offsets == (7,)
    assert "low_score" in rules.RULES


def test_complaint_raised_goes_to_the_intake_with_the_customer(app, store):
    with app.test_request_context():
        url = care_tasks.complaint_intake_url(SimpleNamespace(customer_id=42))
    assert url == "/complaints/new?customer_id=42"


def test_a_low_score_set_to_call_back_creates_one_care_task(app, store):
    customer = factories.CustomerFactory(store=store)
    invitation = SimpleNamespace(id=991, customer_id=customer.id)
    rules_set = SimpleNamespace(low_action="callback")
    with app.test_request_context(), tenancy.enter(store.id):
        assert survey_services.low_score_action(invitation, rules_set) == "callback"
        assert survey_services.low_score_action(invitation, rules_set) == "callback"
        made = db.session.execute(select(CallbackTask).where(CallbackTask.rule == "low_score")).scalars().all()
    assert len(made) == 1 and made[0].customer_id == customer.id and made[0].occasion == "s991"
    assert made[0].due_on <= local_today() + dt.timedelta(days=1)
