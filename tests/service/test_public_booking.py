"""The public booking page behind a signed link: no login, the link's store only, a pending
appointment and nothing else; tampered, expired, foreign and over-used links answer a
friendly page; the signed-link mechanism itself."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from dealer_saas import signed_links, tenancy
from dealer_saas.extensions import db
from dealer_saas.service.models import Appointment, RepairOrder
from dealer_saas.service.services import appointments

from .. import factories
from ..conftest import login


def _token(store_id, vehicle_id, **kw):
    return signed_links.issue("service_booking", store_id, vehicle_id, **kw)


def _slot(store):
    with tenancy.enter(store.id):
        return appointments.free_slots()[0][0]


def test_a_link_reads_back_only_for_its_purpose():
    token = signed_links.issue("service_booking", 3, 7, days=2)
    link = signed_links.read("service_booking", token)
    assert (link.store_id, link.record_id) == (3, 7)
    assert link.expires_at - dt.datetime.now(dt.UTC) > dt.timedelta(days=1, hours=23)
    with pytest.raises(signed_links.LinkInvalid):
        signed_links.read("survey", token)
    with pytest.raises(signed_links.LinkInvalid):
        signed_links.read("service_booking", factories.tampered(token))
    with pytest.raises(signed_links.LinkInvalid):
        signed_links.read("service_booking", "x" * 1000)


def test_an_expired_link_is_refused(monkeypatch):
    token = signed_links.issue("service_booking", 3, 7, days=1)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    monkeypatch.setattr(signed_links, "utcnow", lambda: later)
    with pytest.raises(signed_links.LinkExpired):
        signed_links.read("service_booking", token)


def test_the_customer_books_a_pending_appointment_and_nothing_else(w, client):
    token = _token(w.store.id, w.vehicle.id)
    page = client.get(f"/service/book/{token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and w.store.name in body and "车间看板" not in body
    assert page.headers["Cache-Control"] == "no-store"
    empty = client.post(f"/service/book/{token}", data={"service_type": "maintenance"})
    assert empty.status_code == 200 and "请选择预约时段" in empty.get_data(as_text=True)
    assert db.session.execute(sa.select(Appointment.id)).first() is None
    slot = _slot(w.store)
    done = client.post(f"/service/book/{token}", data={"slot": slot, "service_type": "repair", "notes": "刹车异响"})
    assert 'data-testid="public-booked"' in done.get_data(as_text=True)
    booked = db.session.execute(sa.select(Appointment)).scalar_one()
    assert (booked.status, booked.vehicle_id, booked.customer_id, booked.store_id, booked.notes) == (
        "pending",
        w.vehicle.id,
        w.customer.id,
        w.store.id,
        "刹车异响",
    )
    assert db.session.execute(sa.select(RepairOrder.id)).first() is None
    # the desk sees it and confirms it
    with tenancy.enter(w.store.id, user_id=w.advisor.id):
        appointments.change_state(booked.id, "confirm")
    assert booked.status == "confirmed"


def test_a_link_never_shows_or_books_another_store(w, client, two_tenants):
    other = factories.CustomerVehicleFactory(store=two_tenants.a1)
    # a link of store A naming store B's car: not found in A's context
    crossed = _token(w.store.id, other.id)
    assert client.get(f"/service/book/{crossed}").status_code == 404
    assert (
        client.post(f"/service/book/{crossed}", data={"slot": _slot(w.store), "service_type": "repair"}).status_code
        == 404
    )
    assert db.session.execute(sa.select(Appointment.id)).first() is None
    # a genuine link of the other store shows that store, not this one
    theirs = client.get(f"/service/book/{_token(two_tenants.a1.id, other.id)}").get_data(as_text=True)
    assert two_tenants.a1.name in theirs and w.store.name not in theirs and w.vehicle.plate not in theirs


def test_tampered_links_answer_a_friendly_page(w, client):
    good = _token(w.store.id, w.vehicle.id)
    for token in ("garbage", good[:-3], good.replace(".", "!", 1), "A" * 500):
        response = client.get(f"/service/book/{token}")
        assert response.status_code == 404 and "链接无效" in response.get_data(as_text=True), token


def test_an_expired_link_answers_a_friendly_page(w, client, monkeypatch):
    token = _token(w.store.id, w.vehicle.id, days=1)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    monkeypatch.setattr(signed_links, "utcnow", lambda: later)
    response = client.get(f"/service/book/{token}")
    assert response.status_code == 410 and "链接已过期" in response.get_data(as_text=True)


def test_a_link_is_rate_limited(w, client, monkeypatch):
    monkeypatch.setattr(signed_links, "PER_LINK", 3)
    token = _token(w.store.id, w.vehicle.id)
    statuses = [client.post(f"/service/book/{token}", data={}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # refused tries count too
    assert "操作过于频繁" in client.get(f"/service/book/{token}").get_data(as_text=True)


def test_staff_issue_the_link_for_a_car_of_their_store(w, app, two_tenants):
    client = login(app.test_client(), w.advisor, w.store)
    page = client.get(f"/service/vehicles/{w.vehicle.id}/booking-link").get_data(as_text=True)
    assert "/service/book/" in page
    token = page.split("/service/book/")[1].split('"')[0]
    assert signed_links.read("service_booking", token).record_id == w.vehicle.id
    foreign = factories.CustomerVehicleFactory(store=two_tenants.a1)
    assert client.get(f"/service/vehicles/{foreign.id}/booking-link").status_code == 404
    technician = login(app.test_client(), w.tech, w.store)
    assert technician.get(f"/service/vehicles/{w.vehicle.id}/booking-link").status_code == 403
