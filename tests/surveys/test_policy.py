"""Survey messages go through the messaging policy (purpose "service"): a survey due in the
quiet hours is deferred to the next allowed time and sent then (never dropped); a customer
who refused service messages gets no survey; the store's throttle spreads the sends."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.messaging import consent
from dealer_saas.messaging import services as messaging
from dealer_saas.messaging.models import OutboundMessage
from dealer_saas.surveys.models import SurveyInvitation
from dealer_saas.surveys.services import dispatch
from dealer_saas.timeutil import as_utc

from . import factories as survey_factories


def _at(hour: int, minute: int = 0, day: int = 1) -> dt.datetime:
    """A time in Shanghai (UTC+8), as UTC."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


def _clock(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr(messaging, "utcnow", lambda: when)


def _messages():
    return list(db.session.execute(select(OutboundMessage).order_by(OutboundMessage.id)).scalars())


def test_a_survey_due_in_the_quiet_hours_waits_until_nine_then_goes(w, monkeypatch):
    w.store.timezone = "Asia/Shanghai"
    db.session.flush()
    now = _at(22, 30)
    _clock(monkeypatch, now)
    with tenancy.enter(w.store.id):
        survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=0)
        ro_event_time = now - dt.timedelta(hours=30)
        from dealer_saas.service.models import ServiceEvent

        db.session.execute(select(ServiceEvent)).scalar_one().occurred_at = ro_event_time
        db.session.flush()
        result = dispatch.dispatch(now)
        assert result["sent"] == 1 and result["deferred"] == 1
        (message,) = _messages()
        assert message.status == "deferred" and message.purpose == "service"
        assert as_utc(message.not_before) == _at(9, 0, day=2)
        assert messaging.release_due(now=_at(23, 30))["released"] == 0  # still quiet
        assert messaging.release_due(now=_at(9, 1, day=2))["released"] == 1
        db.session.refresh(message)
        assert message.status in ("queued", "sent")  # handed to delivery (in-process: sent)
        (invitation,) = db.session.execute(select(SurveyInvitation)).scalars()
        assert invitation.status == "sent"


def test_a_customer_who_refused_service_messages_gets_no_survey(w, monkeypatch):
    _clock(monkeypatch, _at(11))
    with tenancy.enter(w.store.id):
        consent.record_consent(w.customer.id, "service", False, "phone")
        survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=30)
        result = dispatch.dispatch()
        assert result["skipped"] == 1 and result["sent"] == 0
        assert _messages() == []
        (invitation,) = db.session.execute(select(SurveyInvitation)).scalars()
        assert invitation.status == "skipped" and invitation.skip_reason == "no_consent"
        # saying yes again lets the next occasion through
        consent.record_consent(w.customer.id, "service", True, "phone")
        survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=30)
        assert dispatch.dispatch()["sent"] == 1


def test_the_stores_message_throttle_spreads_the_surveys_minute_by_minute(w, monkeypatch):
    w.store.timezone = "Asia/Shanghai"
    w.store.settings = {"messaging_policy": {"quiet_from": 0, "quiet_until": 0, "per_minute": 2}}
    db.session.flush()
    _clock(monkeypatch, _at(11))
    with tenancy.enter(w.store.id):
        for _ in range(5):
            survey_factories.closed_ro(w.store, w.customer, w.advisor, hours_ago=30)
        assert dispatch.dispatch()["sent"] == 5
        minutes = sorted(as_utc(m.not_before) for m in _messages())
        assert minutes == [_at(11), _at(11), _at(11, 1), _at(11, 1), _at(11, 2)]
        assert messaging.release_due(now=_at(11))["released"] == 2
