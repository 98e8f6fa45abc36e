"""The messaging policy: consent per purpose, quiet hours (deferred, never dropped), the
per-store throttle, bulk queueing, the release job and the unsubscribe link."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.messaging import consent, policy, services
from dealer_saas.messaging.models import OutboundMessage
from dealer_saas.messaging.settings import Policy
from dealer_saas.timeutil import as_utc

from .. import factories
from ..conftest import login

SHANGHAI = "Asia/Shanghai"


def _at(hour: int, minute: int = 0, day: int = 1) -> dt.datetime:
    """A time in Shanghai (UTC+8), as UTC."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(dt.UTC)


def _store(**messaging_policy):
    store = factories.StoreFactory(timezone=SHANGHAI)
    if messaging_policy:
        store.settings = {**(store.settings or {}), "messaging_policy": messaging_policy}
        db.session.flush()
    return store


def _daytime(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr(services, "utcnow", lambda: when)


@pytest.mark.parametrize(
    ("hour", "quiet", "until"),
    [(20, False, None), (21, True, (2, 9)), (23, True, (2, 9)), (3, True, (1, 9)), (9, False, None)],
)
def test_quiet_hours_wrap_midnight_and_end_at_the_configured_hour(hour, quiet, until):
    rules = Policy(quiet_from=21, quiet_until=9)
    when = _at(hour)
    assert policy.is_quiet(rules, when, SHANGHAI) is quiet
    expected = _at(9, day=until[0]) if until else when
    assert policy.next_allowed(rules, when, SHANGHAI) == expected


def test_equal_hours_mean_no_quiet_time():
    assert not policy.is_quiet(Policy(quiet_from=0, quiet_until=0), _at(3), SHANGHAI)


def test_service_message_in_quiet_hours_is_deferred_and_released_after_them(db_session, app, monkeypatch):
    store = _store()
    customer = factories.CustomerFactory(store=store)
    _daytime(monkeypatch, _at(22, 30))
    with tenancy.enter(store.id):
        message = services.queue_message(
            "sms", "13900000001", "保养提醒", "reminder:1", customer_id=customer.id, purpose="service"
        )
        confirmation = services.queue_message("sms", "13900000001", "预约确认", "appt:1", customer_id=customer.id)
        assert message.status == "deferred" and as_utc(message.not_before) == _at(9, day=2)
        assert confirmation.status == "queued"  # transactional: the customer is waiting for it
        assert services.release_due(now=_at(23, 0))["released"] == 0  # still quiet
        assert services.release_due(now=_at(9, 1, day=2))["released"] == 1
        db.session.refresh(message)
        assert message.status == "queued"
        assert services.release_due(now=_at(9, 2, day=2))["released"] == 0  # released once


def test_marketing_needs_a_recorded_yes_and_service_goes_unless_refused(db_session, app, monkeypatch):
    store = _store()
    silent, keen, refuser = (factories.CustomerFactory(store=store) for _ in range(3))
    _daytime(monkeypatch, _at(11))
    with tenancy.enter(store.id):
        consent.record_consent(keen.id, "marketing", True, "paper_form")
        consent.record_consent(refuser.id, "service", False, "phone")

        def status(customer, purpose, key):
            return services.queue_message("sms", customer.mobile, "正文", key, customer_id=customer.id, purpose=purpose)

        assert status(silent, "marketing", "m1").status == "suppressed"
        assert status(keen, "marketing", "m2").status == "queued"
        assert status(silent, "service", "s1").status == "queued"
        assert status(refuser, "service", "s2").status == "suppressed"
        # a refusal after queueing is honoured at delivery
        queued = status(keen, "service", "s3")
        consent.record_consent(keen.id, "service", False, "phone")
        assert services.deliver_message(queued.id)["status"] == "suppressed"


def test_marketing_message_carries_a_working_unsubscribe_link(db_session, app, monkeypatch):
    store = _store()
    customer = factories.CustomerFactory(store=store)
    _daytime(monkeypatch, _at(11))
    with tenancy.enter(store.id):
        consent.record_consent(customer.id, "marketing", True, "staff")
        message = services.queue_message(
            "sms", customer.mobile, "周末试驾会", "camp:1", customer_id=customer.id, purpose="marketing"
        )
    url = re.search(r"(/messaging/unsubscribe/\S+)", message.body).group(1)
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    with tenancy.enter(store.id):
        assert consent.has_consent(customer.id, "marketing")  # opening the link changes nothing
    done = client.post(url, data={})
    assert done.status_code == 200 and 'data-testid="unsubscribed"' in done.get_data(as_text=True)
    with tenancy.enter(store.id):
        assert not consent.has_consent(customer.id, "marketing")
        assert consent.has_consent(customer.id, "service")  # service messages unaffected
        assert consent.consents_of(customer.id)["marketing"].source == "unsubscribe_link"
    assert client.get(factories.tampered(url)).status_code == 404  # tampered: the friendly page


def test_throttle_defers_past_the_stores_rate(db_session, app, monkeypatch):
    store = _store(quiet_from=0, quiet_until=0, per_minute=2)
    _daytime(monkeypatch, _at(11))
    with tenancy.enter(store.id):
        statuses = [
            services.queue_message("sms", f"1390000000{i}", "正文", f"k{i}", purpose="service").status for i in range(4)
        ]
    assert statuses == ["queued", "queued", "deferred", "deferred"]


def test_queue_many_is_set_based_idempotent_and_spreads_by_the_throttle(db_session, app, monkeypatch):
    store = _store(quiet_from=21, quiet_until=9, per_minute=3)
    customers = [factories.CustomerFactory(store=store) for _ in range(5)]
    _daytime(monkeypatch, _at(20, 59))
    rows = [
        {"channel": "sms", "recipient": c.mobile, "body": "调查邀请", "key": f"survey:{c.id}", "customer_id": c.id}
        for c in customers
    ] + [{"channel": "sms", "recipient": "not-a-phone", "body": "x", "key": "bad"}]
    with tenancy.enter(store.id):
        consent.record_consent(customers[0].id, "service", False, "phone")
        first = services.queue_many(rows, "service")
        second = services.queue_many(rows, "service")
        messages = db.session.execute(db.select(OutboundMessage).order_by(OutboundMessage.id)).scalars().all()
    assert first == {"queued": 0, "deferred": 4, "suppressed": 1, "existing": 0, "rejected": 1}
    assert second["existing"] == 5 and second["deferred"] == 0
    assert len(messages) == 5
    times = sorted(as_utc(m.not_before) for m in messages if m.status == "deferred")
    # three in the first minute (20:59), the fourth would be 21:00: quiet, so 09:00 next day
    assert times[:3] == [_at(20, 59)] * 3 and times[3] == _at(9, day=2)


def test_staff_record_consent_on_the_customer_page(db_session, app):
    t = factories.two_tenants()
    customer = factories.CustomerFactory(store=t.a1)
    foreign = factories.CustomerFactory(store=t.b1)
    manager = factories.user_with_role("store_manager", t.a1)
    client = login(app.test_client(), manager, t.a1)
    url = f"/messaging/customers/{customer.id}/consent"
    assert "consent-panel" in client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
    bad = client.post(url, data={"purpose": "marketing", "source": "staff"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and "请选择客户意愿" in bad.get_data(as_text=True)
    ok = client.post(url, data={"purpose": "marketing", "granted": "yes", "source": "paper_form", "note": "到店签字"})
    assert ok.status_code == 200 and "到店签字" in ok.get_data(as_text=True)
    with tenancy.enter(t.a1.id):
        assert consent.has_consent(customer.id, "marketing")
    assert client.get(f"/messaging/customers/{foreign.id}/consent").status_code == 404
