"""Test-drive decisions of issue 14: booking in the past is refused, and a drive cannot be
marked done or no-show before its slot starts (clear messages, nothing saved)."""

from __future__ import annotations

import datetime as dt

import pytest

from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.sales.models import TestDrive
from dealer_saas.timeutil import utcnow

from ..conftest import login

CN = dt.timezone(dt.timedelta(hours=8))  # the factories' stores are in Asia/Shanghai


def _book(w, start):
    return services.book_test_drive(
        customer_id=w.customer.id, vehicle_id=w.demo_car.id, starts_at=start, duration_minutes=30
    )


@pytest.mark.parametrize("minutes_ago", [2, 30, 60 * 24])
def test_booking_in_the_past_is_refused(w, act, minutes_ago):
    start = utcnow() - dt.timedelta(minutes=minutes_ago)
    with act(w.consultant, "sales_consultant"), pytest.raises(services.SalesError, match="不能预约过去的时间") as error:
        _book(w, start)
    assert error.value.field == "starts_at"
    assert db.session.query(TestDrive).count() == 0


def test_booking_the_current_minute_or_later_is_fine(w, act):
    with act(w.consultant, "sales_consultant"):
        _book(w, utcnow().replace(second=0, microsecond=0))
        _book(w, utcnow() + dt.timedelta(hours=3))
    assert db.session.query(TestDrive).count() == 2


def test_past_booking_from_the_form_shows_the_message_beside_the_time(w, app):
    client = login(app.test_client(), w.consultant, w.store)
    yesterday = (utcnow() - dt.timedelta(days=1)).astimezone(CN).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/sales/test-drives/new?customer_id={w.customer.id}",
        data={"vehicle_id": w.demo_car.id, "starts_at": yesterday, "duration_minutes": 30},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "不能预约过去的时间" in body
    assert body.index("不能预约过去的时间") > body.index('id="field-starts_at"')
    assert db.session.query(TestDrive).count() == 0


@pytest.mark.parametrize("state", ["done", "no_show"])
def test_not_done_or_no_show_before_the_slot_starts(w, act, state):
    with act(w.consultant, "sales_consultant"):
        drive = _book(w, utcnow() + dt.timedelta(hours=2))
        services.check_in_test_drive(drive.id, licence_number="A123", licence_checked=True, waiver_signed=True)
        with pytest.raises(services.SalesError, match="尚未开始"):
            services.change_test_drive_state(drive.id, state)
        assert drive.status == "booked"
        # cancelling stays possible at any time
        services.change_test_drive_state(drive.id, "cancelled")
    assert drive.status == "cancelled"


@pytest.mark.parametrize("state", ["done", "no_show"])
def test_done_or_no_show_once_the_slot_has_started(w, act, state):
    with act(w.consultant, "sales_consultant"):
        drive = _book(w, utcnow() + dt.timedelta(hours=2))
        services.check_in_test_drive(drive.id, licence_number="A123", licence_checked=True, waiver_signed=True)
        drive.starts_at = utcnow() - dt.timedelta(minutes=1)
        db.session.flush()
        services.change_test_drive_state(drive.id, state)
    assert drive.status == state


def test_page_offers_done_and_no_show_only_once_started(w, app, act):
    with act(w.consultant, "sales_consultant"):
        drive = _book(w, utcnow() + dt.timedelta(hours=2))
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/sales/test-drives/{drive.id}").get_data(as_text=True)
    assert 'value="done"' not in body and 'value="no_show"' not in body and 'value="cancelled"' in body
    assert 'data-testid="not-started"' in body
    # a posted no-show before the start is refused with the reason
    url = f"/sales/test-drives/{drive.id}/state"
    response = client.post(url, data={"to": "no_show"}, headers={"HX-Request": "true"})
    assert "尚未开始" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TestDrive, drive.id).status == "booked"
    drive = db.session.get(TestDrive, drive.id)
    drive.starts_at = utcnow() - dt.timedelta(minutes=1)
    db.session.flush()
    body = client.get(f"/sales/test-drives/{drive.id}").get_data(as_text=True)
    assert 'value="done"' in body and 'value="no_show"' in body
