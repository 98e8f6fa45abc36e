"""The car's service history page: its ROs (dates, mileage, work done) and next service due,
a button that issues the public booking link, read-only for consultants (only their own
customers' cars and the pool); the customer page links to it; the 360 timeline lists ROs."""

from __future__ import annotations

from .. import factories
from ..conftest import login
from . import factories as sf


def test_the_history_lists_the_cars_ros_with_their_work(w, app):
    closed = sf.ro(w, status="closed", mileage=21000)
    other_car = factories.CustomerVehicleFactory(store=w.store, owner=w.customer)
    elsewhere = sf.ro(w, status="open")
    elsewhere.vehicle_id = other_car.id
    client = login(app.test_client(), w.advisor, w.store)
    page = client.get(f"/service/vehicles/{w.vehicle.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert closed.number in body and "21,000 km" in body and "M001 更换机油" in body
    assert elsewhere.number not in body
    assert 'data-testid="issue-booking-link"' in body
    assert f"/service/vehicles/{w.vehicle.id}/booking-link" in body


def test_consultants_read_their_customers_history_without_controls(w, app):
    sf.ro(w, status="closed")
    mine = login(app.test_client(), w.consultant, w.store)
    body = mine.get(f"/service/vehicles/{w.vehicle.id}").get_data(as_text=True)
    assert "M001 更换机油" in body and "issue-booking-link" not in body and "接车开单" not in body
    colleague = login(app.test_client(), factories.user_with_role("sales_consultant", w.store), w.store)
    assert colleague.get(f"/service/vehicles/{w.vehicle.id}").status_code == 404  # not their customer
    foreign = factories.StoreFactory()
    outsider = login(app.test_client(), factories.user_with_role("store_manager", foreign), foreign)
    assert outsider.get(f"/service/vehicles/{w.vehicle.id}").status_code == 404


def test_the_customer_page_links_each_car_to_its_history(w, app):
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/customers/{w.customer.id}").get_data(as_text=True)
    assert f"/service/vehicles/{w.vehicle.id}" in body and 'data-testid="vehicle-history-link"' in body


def test_repair_orders_are_on_the_customer_360_timeline_read_only_for_consultants(w, app):
    order = sf.ro(w, status="closed", mileage=21000)
    client = login(app.test_client(), w.consultant, w.store)
    body = client.get(f"/customers/{w.customer.id}/timeline").get_data(as_text=True)
    assert order.number in body and "21,000 km" in body
    assert f"/service/repair-orders/{order.id}" not in body  # no service.view: no link into the workshop
