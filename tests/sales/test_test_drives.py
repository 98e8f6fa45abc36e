"""Test drives: no double booking of a car, licence and waiver before the drive, feedback."""

from __future__ import annotations

import datetime as dt

import pytest

from dealer_saas.extensions import db
from dealer_saas.sales import services
from dealer_saas.sales.models import TestDrive
from dealer_saas.timeutil import utcnow

from . import factories as sf  # noqa: F401


def _slot(hours=2, minutes=0):
    return (utcnow() + dt.timedelta(hours=hours, minutes=minutes)).replace(second=0, microsecond=0)


def book(w, start, minutes=30, vehicle=None):
    return services.book_test_drive(
        customer_id=w.customer.id, vehicle_id=(vehicle or w.demo_car).id, starts_at=start, duration_minutes=minutes
    )


def started(drive, minutes=5):
    """Move a booked drive's slot into the past (a drive is done or no-show once it started)."""
    drive.starts_at = utcnow() - dt.timedelta(minutes=minutes)
    drive.ends_at = drive.starts_at + dt.timedelta(minutes=30)
    db.session.flush()
    return drive


def test_overlapping_booking_of_one_car_is_refused(w, act):
    start = _slot()
    with act(w.consultant, "sales_consultant"):
        book(w, start)
        for offset in (0, 15, -15, 29, -29):
            with pytest.raises(services.SalesError, match="已有预约") as error:
                book(w, start + dt.timedelta(minutes=offset))
            assert error.value.field == "starts_at"
        book(w, start + dt.timedelta(minutes=30))  # back to back is fine
        book(w, start - dt.timedelta(minutes=30))
    assert db.session.query(TestDrive).count() == 3


def test_cancelled_booking_frees_the_slot(w, act):
    start = _slot()
    with act(w.consultant, "sales_consultant"):
        drive = book(w, start)
        services.change_test_drive_state(drive.id, "cancelled")
        book(w, start)


def test_only_demo_cars_can_be_booked(w, act):
    with act(w.consultant, "sales_consultant"), pytest.raises(services.SalesError) as error:
        book(w, _slot(), vehicle=w.cars[0])
    assert error.value.field == "vehicle_id"


def test_drive_needs_licence_check_and_waiver(w, act):
    with act(w.consultant, "sales_consultant"):
        drive = started(book(w, _slot()))
        with pytest.raises(services.SalesError, match="驾驶证"):
            services.change_test_drive_state(drive.id, "done")
        services.check_in_test_drive(
            drive.id, licence_number="440101199001011234", licence_checked=True, waiver_signed=False
        )
        with pytest.raises(services.SalesError, match="试驾协议"):
            services.change_test_drive_state(drive.id, "done")
        with pytest.raises(services.SalesError, match="完成后"):
            services.record_test_drive_feedback(drive.id, rating=5, feedback="好")
        services.check_in_test_drive(
            drive.id, licence_number="440101199001011234", licence_checked=True, waiver_signed=True
        )
        services.change_test_drive_state(drive.id, "done")
        services.record_test_drive_feedback(drive.id, rating=4, feedback="动力不错")
        with pytest.raises(services.InvalidTransition):
            services.change_test_drive_state(drive.id, "no_show")
    assert (drive.status, drive.rating, drive.feedback) == ("done", 4, "动力不错")


def test_no_show(w, act):
    with act(w.consultant, "sales_consultant"):
        drive = started(book(w, _slot()))
        services.change_test_drive_state(drive.id, "no_show")
    assert drive.status == "no_show"


def test_day_view_and_booking_form(w, app, client_as):
    from ..conftest import login

    client = login(app.test_client(), w.consultant, w.store)
    start = (utcnow() + dt.timedelta(days=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    local_start = start.strftime("%Y-%m-%dT10:00")
    url = f"/sales/test-drives/new?customer_id={w.customer.id}"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"vehicle_id": w.demo_car.id, "starts_at": local_start, "duration_minutes": 30})
    assert response.status_code == 303
    # the same slot again: refused beside the start time, nothing saved
    response = client.post(url, data={"vehicle_id": w.demo_car.id, "starts_at": local_start, "duration_minutes": 60})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "已有预约" in body and 'id="field-starts_at"' in body
    assert db.session.query(TestDrive).count() == 1
    # bad input: no car, no time
    response = client.post(url, data={"vehicle_id": "0", "starts_at": ""})
    assert response.status_code == 200 and "请选择" in response.get_data(as_text=True)
    assert db.session.query(TestDrive).count() == 1
    day = start.date().isoformat()
    page = client.get(f"/sales/test-drives?day={day}")
    assert page.status_code == 200 and w.customer.name in page.get_data(as_text=True)
    assert page.headers["Vary"] == "HX-Request" or "HX-Request" in page.headers["Vary"]
    drive = db.session.query(TestDrive).one()
    detail = client.post(f"/sales/test-drives/{drive.id}/state", data={"to": "done"}, headers={"HX-Request": "true"})
    assert detail.status_code == 200 and "驾驶证" in detail.get_data(as_text=True)
    db.session.expire_all()
    assert drive.status == "booked"
    ok = client.post(
        f"/sales/test-drives/{drive.id}/check-in",
        headers={"HX-Request": "true"},
        data={"licence_number": "A123", "licence_checked": "y", "waiver_signed": "y"},
    )
    assert ok.status_code == 200 and "testDriveSaved" in ok.headers["HX-Trigger"]


def test_consultant_cannot_open_another_consultants_test_drive(w, app, act):
    from .. import factories
    from ..conftest import login

    with act(w.consultant, "sales_consultant"):
        drive = book(w, _slot())
    other = factories.user_with_role("sales_consultant", w.store)
    client = login(app.test_client(), other, w.store)
    assert client.get(f"/sales/test-drives/{drive.id}").status_code == 404
    assert client.post(f"/sales/test-drives/{drive.id}/state", data={"to": "cancelled"}).status_code == 404
    manager = login(app.test_client(), w.manager, w.store)
    assert manager.get(f"/sales/test-drives/{drive.id}").status_code == 200
