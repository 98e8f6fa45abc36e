"""Reception, labour and package lines (hours x the store's rate - discount, Numeric),
totals per payer, payments, settlement, and closing through the customers module."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from dealer_saas import tenancy
from dealer_saas.customers import service_history
from dealer_saas.domain import DomainError
from dealer_saas.extensions import db
from dealer_saas.service.models import RepairOrder, RepairOrderLine, ServiceEvent, ServicePayment
from dealer_saas.service.services import repair_orders
from dealer_saas.service.services.rules import ServiceError

from . import factories as sf

RECEPTION = {"mileage_in": 20500, "fuel_level": "half", "complaints": "常规保养", "walkaround_notes": "左后门划痕"}


def _rates(store, **rates):
    store.settings = {**(store.settings or {}), "labour_rates": {k: str(v) for k, v in rates.items()}}
    db.session.flush()


def test_reception_numbers_per_day_and_never_takes_mileage_backwards(w, in_store):
    with in_store(w.advisor):
        first = repair_orders.open_repair_order(w.vehicle.id, RECEPTION)
        second = repair_orders.open_repair_order(w.vehicle.id, RECEPTION)
        with pytest.raises(DomainError) as refused:
            repair_orders.open_repair_order(w.vehicle.id, {**RECEPTION, "mileage_in": 19999})
    assert refused.value.field == "mileage_in" and "20,000" in str(refused.value)
    assert first.number.endswith("-001") and second.number.endswith("-002")
    assert first.customer_id == w.customer.id and first.advisor_id == w.advisor.id and first.status == "open"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**RECEPTION, "fuel_level": "lots"}, "fuel_level"),
        ({**RECEPTION, "complaints": "  "}, "complaints"),
        ({**RECEPTION, "mileage_in": "abc"}, "mileage_in"),
        ({**RECEPTION, "mileage_in": 10**9}, "mileage_in"),
        ({**RECEPTION, "advisor_id": 999999}, "advisor_id"),
    ],
)
def test_bad_reception_is_refused_beside_its_field(w, in_store, data, field):
    with in_store(w.advisor), pytest.raises(DomainError) as refused:
        repair_orders.open_repair_order(w.vehicle.id, data)
    assert refused.value.field == field


def test_a_labour_line_is_hours_times_the_store_rate_less_discount(w, in_store):
    _rates(w.store, maintenance="180", repair="222.50", bodywork=1, paint=1, warranty=1, pdi=1)
    order = sf.ro(w, status="open", lines=0)
    with in_store(w.advisor):
        line = repair_orders.add_labour_line(
            order.id, {"operation_id": w.brakes.id, "payer": "customer", "discount": "17.01"}
        )
        custom = repair_orders.add_labour_line(
            order.id, {"operation_id": w.oil.id, "payer": "insurer", "hours": "0.75", "technician_id": w.tech.id}
        )
    # 1.20 h x 222.50 = 267.00, less 17.01
    assert (line.hours, line.rate, line.amount) == (D("1.20"), D("222.50"), D("249.99"))
    assert (custom.hours, custom.rate, custom.amount, custom.technician_id) == (
        D("0.75"),
        D("180"),
        D("135.00"),
        w.tech.id,
    )
    assert order.total == D("384.99")
    assert isinstance(db.session.execute(sa.select(RepairOrder.total)).scalar(), D)


def test_a_package_is_priced_as_a_whole(w, in_store):
    order = sf.ro(w, status="open", lines=0)
    with in_store(w.advisor):
        line = repair_orders.add_package_line(
            order.id, {"package_id": w.package.id, "payer": "customer", "discount": "88"}
        )
    assert (line.rate, line.discount, line.amount, line.hours) == (D("588.00"), D("88.00"), D("500.00"), D("0.50"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"operation_id": "", "payer": "customer"}, "operation_id"),
        ({"operation_id": "x", "payer": "customer"}, "operation_id"),
        ({"payer": "nobody"}, "payer"),
        ({"payer": "customer", "hours": "0"}, "hours"),
        ({"payer": "customer", "hours": "1000"}, "hours"),
        ({"payer": "customer", "discount": "-1"}, "discount"),
        ({"payer": "customer", "discount": "100000"}, "discount"),
        ({"payer": "customer", "technician_id": "999999"}, "technician_id"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_added(w, in_store, data, field):
    order = sf.ro(w, status="open", lines=0)
    data = {"operation_id": w.oil.id, **data}
    with in_store(w.advisor), pytest.raises(ServiceError) as refused:
        with db.session.begin_nested():
            repair_orders.add_labour_line(order.id, data)
    assert refused.value.field == field
    assert db.session.execute(sa.select(sa.func.count(RepairOrderLine.id))).scalar() == 0


def test_an_operation_of_another_organisation_is_not_offered(w, in_store, two_tenants):
    other = sf.world(two_tenants.b1)
    order = sf.ro(w, status="open", lines=0)
    with in_store(w.advisor), pytest.raises(ServiceError):
        repair_orders.add_labour_line(order.id, {"operation_id": other.oil.id, "payer": "customer"})


@pytest.mark.parametrize("state", ["quality_check", "ready", "settled", "closed", "cancelled"])
def test_lines_are_fixed_once_the_work_is_done(w, in_store, state):
    order = sf.ro(w, status=state)
    with in_store(w.advisor):
        with pytest.raises(ServiceError):
            repair_orders.add_labour_line(order.id, {"operation_id": w.oil.id, "payer": "customer"})
        with pytest.raises(ServiceError):
            repair_orders.remove_line(order.lines[0].id)


def test_a_line_is_removed_only_before_work(w, in_store):
    order = sf.ro(w, status="open", lines=2)
    with in_store(w.advisor):
        repair_orders.remove_line(order.lines[0].id)
        assert order.total == D("200.00") and len(order.lines) == 1
        order.lines[0].actual_minutes = 5
        with pytest.raises(ServiceError):
            repair_orders.remove_line(order.lines[0].id)


def _ready_with_payers(w, in_store):
    order = sf.ro(w, status="ready", lines=0)
    for payer, amount in (("customer", "120.50"), ("insurer", "800.00"), ("customer", "79.50"), ("warranty", "300")):
        order.lines.append(
            RepairOrderLine(
                store_id=w.store.id,
                org_id=w.store.org_id,
                description="x",
                category="repair",
                payer=payer,
                hours=D("1"),
                rate=D(amount),
                amount=D(amount),
                status="passed",
                technician_id=w.tech.id,
            )
        )
    db.session.flush()
    return order


def test_totals_per_payer_and_settlement_needs_the_customer_paid(w, in_store):
    order = _ready_with_payers(w, in_store)
    assert repair_orders.totals_by_payer(order) == {
        "customer": D("200.00"),
        "insurer": D("800.00"),
        "warranty": D("300.00"),
    }
    assert list(repair_orders.totals_by_payer(order)) == ["customer", "insurer", "warranty"]
    with in_store(w.advisor):
        with pytest.raises(ServiceError) as refused:
            repair_orders.change_state(order.id, "settle")
        assert "200.00" in str(refused.value)
        with pytest.raises(ServiceError) as too_much:
            repair_orders.record_payment(order.id, payer="customer", method="wechat", amount="200.01")
        assert too_much.value.field == "amount"
        with pytest.raises(ServiceError):
            repair_orders.record_payment(order.id, payer="internal", method="wechat", amount="1")
        repair_orders.record_payment(order.id, payer="customer", method="wechat", amount="150")
        repair_orders.record_payment(order.id, payer="customer", method="cash", amount="50.00")
        repair_orders.record_payment(order.id, payer="insurer", method="transfer", amount="800")
        assert repair_orders.outstanding_by_payer(order) == {
            "customer": D("0.00"),
            "insurer": D("0.00"),
            "warranty": D("300.00"),
        }
        repair_orders.change_state(order.id, "settle")
    assert order.status == "settled" and order.paid_total == D("1000.00") and order.settled_at
    assert db.session.execute(sa.select(sa.func.count(ServicePayment.id))).scalar() == 3


@pytest.mark.parametrize("state", ["open", "in_progress", "quality_check", "settled"])
def test_payments_only_when_ready(w, in_store, state):
    order = sf.ro(w, status=state)
    with in_store(w.advisor), pytest.raises(ServiceError):
        repair_orders.record_payment(order.id, payer="customer", method="cash", amount="1")


def test_closing_records_the_visit_on_the_car_and_the_event_for_care(w, in_store):
    w.store.settings = {"service_workshop": {"interval_months": 6, "interval_km": 7500}}
    order = sf.ro(w, status="settled", mileage=23456)
    with in_store(w.advisor):
        today = tenancy.store_today()
        repair_orders.change_state(order.id, "close")
    vehicle = w.vehicle
    assert vehicle.mileage == 23456 and vehicle.next_service_mileage == 30956
    assert vehicle.next_service_date == repair_orders.add_months(today, 6)
    assert (order.status, order.next_due_mileage) == ("closed", 30956)
    event = db.session.execute(sa.select(ServiceEvent)).scalar_one()
    assert (event.kind, event.repair_order_id, event.customer_id, event.vehicle_id) == (
        "ro_closed",
        order.id,
        w.customer.id,
        w.vehicle.id,
    )


def test_closing_refuses_a_mileage_below_the_cars_and_changes_nothing(w, in_store):
    order = sf.ro(w, status="settled", mileage=20100)
    w.vehicle.mileage = 25000  # read meanwhile at another visit
    db.session.flush()
    with in_store(w.advisor), pytest.raises(service_history.MileageError):
        with db.session.begin_nested():
            repair_orders.change_state(order.id, "close")
    db.session.refresh(order)
    assert order.status == "settled"
    assert db.session.execute(sa.select(ServiceEvent)).first() is None


def test_the_customers_service_checks_its_own_rules(w, in_store):
    today = dt.date(2026, 12, 1)
    with in_store(w.advisor):
        with pytest.raises(service_history.MileageError):
            service_history.record_service_visit(
                w.vehicle.id, mileage=19000, serviced_on=today, next_due_date=None, next_due_mileage=None
            )
        with pytest.raises(service_history.MileageError) as due:
            service_history.record_service_visit(
                w.vehicle.id, mileage=21000, serviced_on=today, next_due_date=today, next_due_mileage=None
            )
        assert due.value.field == "next_due_date"
        with pytest.raises(service_history.MileageError):
            service_history.record_service_visit(
                w.vehicle.id, mileage=21000, serviced_on=today, next_due_date=None, next_due_mileage=21000
            )


def test_add_months_keeps_the_day_or_the_months_last():
    assert repair_orders.add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert repair_orders.add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert repair_orders.add_months(dt.date(2026, 12, 1), 12) == dt.date(2027, 12, 1)
