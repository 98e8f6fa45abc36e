"""Repair progress for the customer: a signed link (purpose "repair_progress") bound to the
store and the RO, issued from the RO page; the public page shows the state, the expected
ready time and the proposed extra work, which the customer approves (it becomes a labour
line) or declines, with the time and the address recorded; tampered, expired, foreign and
over-used links answer a friendly page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from dealer_saas import signed_links
from dealer_saas.extensions import db
from dealer_saas.notifications.models import Notification
from dealer_saas.service.models import RepairOrderLine, RepairOrderProposal
from dealer_saas.service.services import progress
from dealer_saas.service.services.rules import ServiceError

from .. import factories
from ..conftest import login
from . import factories as sf


def _rates(store):
    store.settings = {"labour_rates": {"repair": "250.00", "maintenance": "200.00"}}
    db.session.flush()


def test_the_advisor_proposes_extra_work_priced_at_the_stores_rate(w, in_store):
    _rates(w.store)
    order = sf.ro(w, status="in_progress")
    with in_store(w.advisor):
        proposal = progress.propose(order.id, {"operation_id": w.brakes.id, "note": "前刹车片磨损到限"})
        custom = progress.propose(order.id, {"operation_id": w.brakes.id, "hours": "2"})
    assert (proposal.status, proposal.hours, proposal.rate, proposal.amount) == (
        "proposed",
        D("1.20"),
        D("250.00"),
        D("300.00"),
    )
    assert custom.amount == D("500.00") and proposal.proposed_by_id == w.advisor.id
    assert order.total == D("200.00")  # nothing billed until the customer says yes


@pytest.mark.parametrize("state", ["ready", "settled", "closed", "cancelled"])
def test_no_extra_work_once_the_car_left_the_workshop(w, in_store, state):
    order = sf.ro(w, status=state)
    with in_store(w.advisor), pytest.raises(ServiceError):
        progress.propose(order.id, {"operation_id": w.brakes.id})


def test_approving_adds_the_line_and_sends_a_checked_ro_back_to_work(w, in_store):
    _rates(w.store)
    order = sf.ro(w, status="quality_check")
    with in_store(w.advisor):
        proposal = progress.propose(order.id, {"operation_id": w.brakes.id})
    with in_store(None, permissions=frozenset()):
        progress.decide(order, proposal.id, "approve", "198.51.100.7")
    assert proposal.status == "approved" and proposal.decided_ip == "198.51.100.7" and proposal.decided_at
    line = db.session.execute(sa.select(RepairOrderLine).where(RepairOrderLine.id == proposal.line_id)).scalar_one()
    assert (line.description, line.amount, line.payer, line.status) == (
        "R001 更换刹车片",
        D("300.00"),
        "customer",
        "pending",
    )
    assert order.total == D("500.00") and order.status == "in_progress"
    with in_store(None, permissions=frozenset()), pytest.raises(ServiceError):
        progress.decide(order, proposal.id, "decline", "198.51.100.7")  # answered once


def _link_client(app):
    return app.test_client()


def test_the_public_page_shows_progress_and_takes_the_answer(w, app, in_store):
    _rates(w.store)
    order = sf.ro(w, status="in_progress")
    order.promised_at = dt.datetime(2030, 5, 6, 9, 30, tzinfo=dt.UTC)
    with in_store(w.advisor):
        yes = progress.propose(order.id, {"operation_id": w.brakes.id, "note": "前刹车片磨损到限"})
        no = progress.propose(order.id, {"operation_id": w.oil.id})
    token = progress.issue_link(order)
    client = _link_client(app)
    page = client.get(f"/service/progress/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert w.store.name in body and order.number in body and "维修中" in body and "05-06 17:30" in body
    assert "前刹车片磨损到限" in body and "¥300.00" in body and "车间看板" not in body

    environ = {"REMOTE_ADDR": "203.0.113.9"}
    done = client.post(
        f"/service/progress/{token}", data={"proposal_id": yes.id, "action": "approve"}, environ_base=environ
    )
    assert 'data-testid="progress-answered"' in done.get_data(as_text=True)
    client.post(f"/service/progress/{token}", data={"proposal_id": no.id, "action": "decline"}, environ_base=environ)
    db.session.expire_all()
    answers = {p.id: (p.status, p.decided_ip) for p in db.session.execute(sa.select(RepairOrderProposal)).scalars()}
    assert answers == {yes.id: ("approved", "203.0.113.9"), no.id: ("declined", "203.0.113.9")}
    assert db.session.execute(sa.select(sa.func.count(RepairOrderLine.id))).scalar() == 2
    told = db.session.execute(sa.select(Notification).where(Notification.user_id == w.advisor.id)).scalars().all()
    assert sorted(n.key for n in told) == sorted([f"service_proposal:{yes.id}", f"service_proposal:{no.id}"])
    assert any("客户同意追加" in n.title for n in told) and all(n.link.endswith(f"/{order.id}") for n in told)

    # a junk answer is a message on the page, nothing changes
    junk = client.post(f"/service/progress/{token}", data={"proposal_id": "99999999999", "action": "approve"})
    assert junk.status_code == 200 and "没有这个追加项目" in junk.get_data(as_text=True)

    # the advisor sees the answers on the RO
    staff = login(app.test_client(), w.advisor, w.store)
    ro_page = staff.get(f"/service/repair-orders/{order.id}/progress").get_data(as_text=True)
    assert "客户已同意" in ro_page and "客户已拒绝" in ro_page and "203.0.113.9" in ro_page
    assert "/service/progress/" in ro_page and 'data-testid="progress-url-share"' in ro_page


def test_a_progress_link_never_answers_for_another_store(w, app, two_tenants, in_store):
    order = sf.ro(w, status="in_progress")
    with in_store(w.advisor):
        proposal = progress.propose(order.id, {"operation_id": w.brakes.id})
    client = _link_client(app)
    crossed = signed_links.issue(progress.PROGRESS_LINK, two_tenants.a1.id, order.id)
    assert client.get(f"/service/progress/{crossed}").status_code == 404
    assert (
        client.post(f"/service/progress/{crossed}", data={"proposal_id": proposal.id, "action": "approve"}).status_code
        == 404
    )
    booking = signed_links.issue("service_booking", w.store.id, order.id)  # another purpose
    assert client.get(f"/service/progress/{booking}").status_code == 404
    db.session.expire_all()
    assert db.session.execute(sa.select(RepairOrderProposal.status)).scalar_one() == "proposed"


def test_tampered_expired_and_over_used_links_answer_a_friendly_page(w, app, monkeypatch):
    order = sf.ro(w, status="in_progress")
    client = _link_client(app)
    good = progress.issue_link(order)
    for token in ("garbage", good[:-3], "A" * 500):
        response = client.get(f"/service/progress/{token}")
        assert response.status_code == 404 and "链接无效" in response.get_data(as_text=True)
    monkeypatch.setattr(signed_links, "PER_LINK", 2)
    statuses = [client.get(f"/service/progress/{good}").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=progress.PROGRESS_LINK_DAYS + 1)
    monkeypatch.setattr(signed_links, "utcnow", lambda: later)
    expired = client.get(f"/service/progress/{good}")
    assert expired.status_code == 410 and "链接已过期" in expired.get_data(as_text=True)


def test_the_ro_page_proposes_and_refuses_bad_input(w, app):
    order = sf.ro(w, status="in_progress")
    client = login(app.test_client(), w.advisor, w.store)
    bad = client.post(f"/service/repair-orders/{order.id}/proposals", data={"operation_id": "x", "hours": "-1"})
    assert bad.status_code == 200 and "工时需在 0.01 到 999.99 之间" in bad.get_data(as_text=True)
    none = client.post(f"/service/repair-orders/{order.id}/proposals", data={"operation_id": "999999"})
    assert "请选择工时项目" in none.get_data(as_text=True)
    assert db.session.execute(sa.select(RepairOrderProposal.id)).first() is None
    client.post(f"/service/repair-orders/{order.id}/proposals", data={"operation_id": w.brakes.id, "note": "异响"})
    assert db.session.execute(sa.select(RepairOrderProposal.note)).scalar_one() == "异响"
    technician = login(app.test_client(), w.tech, w.store)
    assert technician.post(f"/service/repair-orders/{order.id}/proposals", data={}).status_code == 403
    foreign = factories.StoreFactory()
    outsider = login(app.test_client(), factories.user_with_role("store_manager", foreign), foreign)
    assert outsider.post(f"/service/repair-orders/{order.id}/proposals", data={}).status_code == 404
