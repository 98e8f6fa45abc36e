"""Dispatch: due rows after an RO closed or a car delivered, due ``delay_hours`` later, one
per template and occasion, sent once (a rerun and a second run send nothing more)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.messaging.models import OutboundMessage
from dealer_saas.surveys.models import SurveyInvitation
from dealer_saas.surveys.services import dispatch
from dealer_saas.timeutil import as_utc, utcnow

from . import factories as survey_factories


def _messages() -> list[OutboundMessage]:
    return list(db.session.execute(select(OutboundMessage).order_by(OutboundMessage.id)).scalars())


def _invitations() -> list[SurveyInvitation]:
    return list(db.session.execute(select(SurveyInvitation).order_by(SurveyInvitation.id)).scalars())


def test_an_ro_closed_makes_one_due_row_due_after_the_templates_delay(w):
    with tenancy.enter(w.store.id):
        ro = survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=1)
        assert dispatch.create_due_invitations() == 1
        assert dispatch.create_due_invitations() == 0  # the rerun finds it there
        (invitation,) = _invitations()
        assert invitation.occasion == f"ro:{ro.id}" and invitation.template_id == w.csi.id
        assert invitation.staff_id == w.advisor.id and invitation.status == "due"
        delay = as_utc(invitation.due_at) - as_utc(ro.closed_at)
        assert abs(delay - dt.timedelta(hours=w.csi.delay_hours)) < dt.timedelta(seconds=1)


def test_nothing_is_sent_before_the_delay_then_once(w):
    with tenancy.enter(w.store.id):
        survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=1)
        assert dispatch.dispatch()["sent"] == 0  # due in 23 hours
        assert _messages() == []
        later = utcnow() + dt.timedelta(hours=24)
        assert dispatch.dispatch(later)["sent"] == 1
        assert dispatch.dispatch(later)["sent"] == 0
        assert dispatch.dispatch(later + dt.timedelta(days=2))["sent"] == 0
        (message,) = _messages()
        (invitation,) = _invitations()
        assert invitation.status == "sent" and message.idempotency_key == f"survey:{invitation.id}"
        assert message.recipient == "13900139000" and "/surveys/s/" in message.body


def test_a_delivered_order_is_surveyed_with_ssi_for_its_consultant(w):
    from dealer_saas.inventory.models import VehicleModel
    from dealer_saas.sales.models import SalesOrder

    with tenancy.enter(w.store.id):
        model = db.session.execute(select(VehicleModel).limit(1)).scalar_one_or_none()
        if model is None:
            from .. import factories

            model = factories.VehicleModelFactory(org_id=w.store.org_id)
        order = SalesOrder(
            number="SO-T-1",
            customer_id=w.customer.id,
            consultant_id=w.consultant.id,
            model_id=model.id,
            list_price=100000,
            status="delivered",
            delivered_at=utcnow() - dt.timedelta(hours=80),
        )
        db.session.add(order)
        db.session.flush()
        result = dispatch.dispatch()
        (invitation,) = _invitations()
        assert invitation.template_id == w.ssi.id and invitation.occasion == f"order:{order.id}"
        assert invitation.staff_id == w.consultant.id
        assert result["created"] == 1 and result["sent"] == 1  # 80 h ago, 72 h delay


def test_old_occasions_and_inactive_templates_get_no_survey(w):
    with tenancy.enter(w.store.id):
        survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=24 * 40)
        assert dispatch.create_due_invitations() == 0
        w.csi.is_active = False
        db.session.flush()
        survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=1)
        assert dispatch.create_due_invitations() == 0


def test_the_store_throttle_caps_one_run_the_rest_waits_for_the_next(w):
    store = w.store
    store.settings = {"surveys": {"per_minute": 2}}
    db.session.flush()
    with tenancy.enter(store.id):
        for _ in range(5):
            survey_factories.closed_ro(store, w.customer, w.advisor, hours_ago=30)
        later = utcnow()
        assert dispatch.dispatch(later)["sent"] == 2
        assert dispatch.dispatch(later)["sent"] == 2
        assert dispatch.dispatch(later)["sent"] == 1
        assert len(_messages()) == 5 and {i.status for i in _invitations()} == {"sent"}


def test_a_customer_without_a_mobile_is_skipped_not_retried(w):
    w.customer.mobile = None
    db.session.flush()
    with tenancy.enter(w.store.id):
        survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=30)
        result = dispatch.dispatch()
        assert result["skipped"] == 1 and _messages() == []
        (invitation,) = _invitations()
        assert invitation.status == "skipped" and invitation.skip_reason == "no_mobile"


def test_another_stores_occasions_are_not_touched(w):
    from .. import factories

    other = factories.StoreFactory(organisation=w.store.organisation)  # same group, same templates

    with tenancy.enter(other.id):
        advisor = factories.user_with_role("service_advisor", other)
        customer = factories.CustomerFactory(store=other)
        survey_factories.closed_ro(other, customer, advisor, hours_ago=30)
    with tenancy.enter(w.store.id):
        assert dispatch.dispatch()["created"] == 0
    with tenancy.system():
        assert db.session.execute(select(func.count(SurveyInvitation.id))).scalar_one() == 0
    with tenancy.enter(other.id):
        assert dispatch.dispatch()["created"] == 1
