"""Bulk sends under the messaging policy: only customers who accept marketing get the
message (with the unsubscribe link), an opted-out customer and one never asked are
suppressed, a rerun sends nothing more; a sign-up's tick records the consent."""

from __future__ import annotations

import sqlalchemy as sa

from dealer_saas.extensions import db
from dealer_saas.marketing.models import BulkSend
from dealer_saas.marketing.services import bulk, campaigns
from dealer_saas.messaging import consent
from dealer_saas.messaging.models import OutboundMessage

from .. import factories
from . import factories as mk


def _send(store, template, segment) -> BulkSend:
    row = BulkSend(store_id=store.id, org_id=store.org_id, template_id=template.id, segment=segment, total=0)
    db.session.add(row)
    db.session.flush()
    return row


def test_consent_and_opt_out_decide_who_gets_a_bulk_message(store, in_store, marketer):
    template = mk.template(store, body="{客户姓名}您好，周末团购会")
    yes, no, never = (factories.CustomerFactory(store=store, level="vip", name=n) for n in ("甲", "乙", "丙"))
    factories.CustomerFactory(store=store, level="prospect")  # outside the segment
    with in_store(marketer):
        consent.record_consent(yes.id, "marketing", True, "paper_form")
        consent.record_consent(no.id, "marketing", True, "staff")
        consent.record_consent(no.id, "marketing", False, "unsubscribe_link")  # opted out later
        preview = bulk.preview(template.id, {"levels": ["vip"]})
        send = _send(store, template, {"levels": ["vip"]})
        first = bulk.run_send(send.id, batch=2, commit=False)
    assert (preview.count, preview.consenting) == (3, 1)
    assert first["processed"] == 3 and first["suppressed"] == 2
    assert first["queued"] + first["deferred"] == 1 and first["existing"] == 0
    messages = {m.customer_id: m for m in db.session.execute(sa.select(OutboundMessage)).scalars()}
    assert set(messages) == {yes.id, no.id, never.id}
    assert messages[yes.id].status in ("queued", "deferred") and messages[yes.id].purpose == "marketing"
    assert "退订" in messages[yes.id].body and messages[yes.id].body.startswith("甲您好")
    assert messages[no.id].status == messages[never.id].status == "suppressed"
    send.status = "running"  # as a killed worker leaves it
    with in_store(marketer):
        again = bulk.run_send(send.id, commit=False)
    assert again["existing"] == 3 and again["processed"] == 3
    assert db.session.execute(sa.select(sa.func.count(OutboundMessage.id))).scalar_one() == 3
    with in_store(marketer):
        assert bulk.run_send(send.id, commit=False) == {"bulk_send_id": send.id, "skipped": "done"}


def test_an_inactive_template_or_an_empty_segment_is_refused(store, in_store, marketer):
    import pytest

    from dealer_saas.marketing.services import MarketingError

    off = mk.template(store, code="off", active=False)
    on = mk.template(store, code="on")
    with in_store(marketer):
        with pytest.raises(MarketingError) as inactive:
            bulk.start_send(off.id, {})
        assert inactive.value.field == "template_id"
        with pytest.raises(MarketingError, match="没有可发送"):
            bulk.start_send(on.id, {"levels": ["vip"]})


def test_a_ticked_sign_up_records_the_marketing_consent(store, in_store):
    row = mk.campaign(store)
    with in_store():
        ticked = campaigns.sign_up(row.id, {"name": "甲", "mobile": "13500000001", "marketing_consent": True})
        plain = campaigns.sign_up(row.id, {"name": "乙", "mobile": "13500000002"})
        assert consent.has_consent(ticked.signup.customer_id, "marketing")
        assert not consent.has_consent(plain.signup.customer_id, "marketing")
        recorded = consent.consents_of(ticked.signup.customer_id)["marketing"]
    assert recorded.source == "sign_up" and recorded.granted


def test_the_sends_not_done_are_the_ones_the_scheduler_gets_back_from_a_lost_redis(store, in_store, marketer):
    import datetime as dt

    from dealer_saas import tenancy
    from dealer_saas.timeutil import utcnow

    template = mk.template(store)
    queued, running, done = (_send(store, template, {"levels": ["vip"]}) for _ in range(3))
    running.status, done.status = "running", "done"
    other = factories.StoreFactory()  # another group's store: the scheduler looks at every store
    theirs = BulkSend(store_id=other.id, org_id=other.org_id, template_id=mk.template(other).id, segment={}, total=0)
    db.session.add(theirs)
    db.session.flush()
    later = utcnow() + dt.timedelta(minutes=5)
    with tenancy.system():
        found = bulk.unfinished_sends(later)
        assert bulk.unfinished_sends(utcnow() - dt.timedelta(minutes=5)) == []  # too new to tell
    assert sorted(found) == sorted(
        (s.store_id, bulk.send_job_id(s.store_id, s.id), {"bulk_send_id": s.id}) for s in (queued, running, theirs)
    )
    assert bulk.send_job_id(store.id, queued.id) == f"marketing__bulk_send--{store.id}--send-{queued.id}"
