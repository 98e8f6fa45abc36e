"""Service screens: status, fragments and headers, bad input on every form (clear message,
nothing saved), the roll-up without write controls, tiles and the 360 timeline."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from dealer_saas import tenancy
from dealer_saas.extensions import db
from dealer_saas.service.models import (
    Appointment,
    LabourOperation,
    RepairOrder,
    RepairOrderLine,
    ServicePackage,
    ServicePayment,
)
from dealer_saas.service.services import appointments

from .. import factories
from ..conftest import login
from . import factories as sf

HX = {"HX-Request": "true"}


def _client(app, user, store):
    return login(app.test_client(), user, store)


@pytest.mark.parametrize(
    ("path", "role", "status"),
    [
        ("/service/board", "service_advisor", 200),
        ("/service/board", "sales_consultant", 403),
        ("/service/my-work", "technician", 200),
        ("/service/my-work", "service_advisor", 403),
        ("/service/appointments", "technician", 200),
        ("/service/appointments/new", "technician", 403),
        ("/service/repair-orders", "sales_manager", 200),
        ("/service/repair-orders/new", "sales_manager", 403),
        ("/service/catalogue", "technician", 200),
    ],
)
def test_who_opens_what(w, client_as, path, role, status):
    client, _user = client_as(role)
    assert client.get(path).status_code == status


def test_the_board_polls_every_30_seconds_as_a_fragment(w, app):
    late = sf.ro(w, status="in_progress")
    late.promised_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    client = _client(app, w.advisor, w.store)
    page = client.get("/service/board")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    fragment = client.get("/service/board", headers=HX)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and body.lstrip().startswith('<section id="workshop-board"')
    assert 'hx-trigger="every 30s' in body and 'data-testid="overdue"' in body and late.number in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_reception_form_bad_input_saves_nothing_and_good_input_opens_the_ro(w, app):
    client = _client(app, w.advisor, w.store)
    bad = client.post(
        "/service/repair-orders/new",
        data={"plate_or_vin": "粤A12345", "mileage_in": "10", "complaints": "保养", "fuel_level": "half"},
    )
    assert bad.status_code == 200 and "里程不能小于" in bad.get_data(as_text=True)
    empty = client.post("/service/repair-orders/new", data={})
    assert empty.status_code == 200 and "请输入车牌号或车架号" in empty.get_data(as_text=True)
    unknown = client.post(
        "/service/repair-orders/new",
        data={"plate_or_vin": "沪Z99999", "mileage_in": "30000", "complaints": "x", "fuel_level": "half"},
    )
    assert "本店没有车牌号" in unknown.get_data(as_text=True)
    assert db.session.execute(sa.select(RepairOrder.id)).first() is None
    good = client.post(
        "/service/repair-orders/new",
        data={
            "plate_or_vin": " 粤a12345 ",
            "mileage_in": "20500",
            "complaints": "保养",
            "fuel_level": "full",
            "promised_at": "2030-01-01T17:00",
        },
        headers=HX,
    )
    ro = db.session.execute(sa.select(RepairOrder)).scalar_one()
    assert good.headers["HX-Redirect"] == f"/service/repair-orders/{ro.id}"
    assert "roStateChanged" in good.headers["HX-Trigger"] and ro.mileage_in == 20500


def test_adding_lines_answers_the_fragment_with_the_event(w, app):
    ro = sf.ro(w, status="open", lines=0)
    client = _client(app, w.advisor, w.store)
    bad = client.post(
        f"/service/repair-orders/{ro.id}/labour", data={"operation_id": "", "payer": "customer"}, headers=HX
    )
    assert bad.status_code == 200 and "请选择工时项目" in bad.get_data(as_text=True)
    too_big = client.post(
        f"/service/repair-orders/{ro.id}/labour",
        data={"operation_id": w.oil.id, "payer": "customer", "discount": "5000"},
        headers=HX,
    )
    assert "优惠不能超过项目金额" in too_big.get_data(as_text=True)
    assert db.session.execute(sa.select(RepairOrderLine.id)).first() is None
    good = client.post(
        f"/service/repair-orders/{ro.id}/package",
        data={"package_id": w.package.id, "payer": "customer", "technician_id": w.tech.id},
        headers=HX,
    )
    body = good.get_data(as_text=True)
    assert good.status_code == 200 and body.lstrip().startswith('<div id="repair-order"')
    assert "roStateChanged" in good.headers["HX-Trigger"] and "¥588.00" in body


def test_the_technician_works_a_line_with_one_tap(w, app):
    ro = sf.ro(w, status="open")
    line = ro.lines[0]
    client = _client(app, w.tech, w.store)
    page = client.get("/service/my-work")
    assert 'data-testid="work-start"' in page.get_data(as_text=True)
    started = client.post(f"/service/lines/{line.id}/work", data={"action": "start"}, headers=HX)
    assert started.status_code == 200 and "roLineWorked" in started.headers["HX-Trigger"]
    assert 'data-testid="work-finish"' in started.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RepairOrderLine, line.id).status == "working"
    assert db.session.get(RepairOrder, ro.id).status == "in_progress"
    wrong = client.post(f"/service/lines/{line.id}/work", data={"action": "start"}, headers=HX)
    assert wrong.status_code == 200 and "不能执行" in wrong.get_data(as_text=True)


def test_the_own_technician_cannot_pass_their_line(w, app):
    ro = sf.ro(w, status="quality_check")
    line = ro.lines[0]
    client = _client(app, w.tech, w.store)
    refused = client.post(f"/service/lines/{line.id}/qc", data={"action": "pass"}, headers=HX)
    assert "施工技师以外" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RepairOrderLine, line.id).status == "done"
    advisor = _client(app, w.advisor, w.store)
    no_note = advisor.post(f"/service/lines/{line.id}/qc", data={"action": "fail"}, headers=HX)
    assert "请填写不通过的原因" in no_note.get_data(as_text=True)
    advisor.post(f"/service/lines/{line.id}/qc", data={"action": "pass"}, headers=HX)
    db.session.expire_all()
    assert db.session.get(RepairOrder, ro.id).status == "ready"


def test_payment_settle_close_and_the_statement(w, app):
    ro = sf.ro(w, status="ready", lines=2, mileage=21000)
    client = _client(app, w.advisor, w.store)
    for amount, message in (("", "请填写金额"), ("-3", "金额需在"), ("400.01", "超过该结算方未付金额"), ("abc", "")):
        response = client.post(
            f"/service/repair-orders/{ro.id}/payments",
            data={"payer": "customer", "method": "cash", "amount": amount},
            headers=HX,
        )
        assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert db.session.execute(sa.select(ServicePayment.id)).first() is None
    early = client.post(f"/service/repair-orders/{ro.id}/settle", data={"action": "settle"}, headers=HX)
    assert "未付" in early.get_data(as_text=True)
    client.post(
        f"/service/repair-orders/{ro.id}/payments",
        data={"payer": "customer", "method": "wechat", "amount": "400"},
        headers=HX,
    )
    client.post(f"/service/repair-orders/{ro.id}/settle", data={}, headers=HX)
    wrong = client.post(f"/service/repair-orders/{ro.id}/action", data={"action": "settle"}, headers=HX)
    assert "未知操作" in wrong.get_data(as_text=True)
    closed = client.post(f"/service/repair-orders/{ro.id}/action", data={"action": "close"}, headers=HX)
    assert 'data-testid="next-due"' in closed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RepairOrder, ro.id).status == "closed"
    statement = client.get(f"/service/repair-orders/{ro.id}/statement").get_data(as_text=True)
    assert "维修结算单" in statement and "¥400.00" in statement and ro.number in statement


def test_appointment_booking_actions_and_arrival(w, app):
    client = _client(app, w.advisor, w.store)
    with tenancy.enter(w.store.id):
        slot, _label = appointments.free_slots()[0]
    empty = client.post("/service/appointments/new", data={})
    assert empty.status_code == 200 and "请输入车牌号或车架号" in empty.get_data(as_text=True)
    bad_slot = client.post(
        "/service/appointments/new",
        data={"plate_or_vin": w.vehicle.plate, "slot": "2001-01-01T09:00", "service_type": "maintenance"},
    )
    assert "该时段已过" in bad_slot.get_data(as_text=True) or "营业时间" in bad_slot.get_data(as_text=True)
    assert db.session.execute(sa.select(Appointment.id)).first() is None
    booked = client.post(
        "/service/appointments/new",
        data={"plate_or_vin": w.vehicle.plate, "slot": slot, "service_type": "repair"},
        headers=HX,
    )
    assert "serviceAppointmentSaved" in booked.headers["HX-Trigger"]
    appointment = db.session.execute(sa.select(Appointment)).scalar_one()
    day = client.get(f"/service/appointments?day={slot[:10]}").get_data(as_text=True)
    assert w.vehicle.plate in day and "已约 1 / 3" in day
    confirmed = client.post(f"/service/appointments/{appointment.id}/action", data={"action": "confirm"}, headers=HX)
    assert confirmed.get_data(as_text=True).lstrip().startswith('<div id="appointment"')
    arrived = client.post(f"/service/appointments/{appointment.id}/arrive", data={}, headers=HX)
    ro = db.session.execute(sa.select(RepairOrder)).scalar_one()
    assert arrived.headers["HX-Redirect"] == f"/service/repair-orders/{ro.id}"
    again = client.post(f"/service/appointments/{appointment.id}/arrive", data={})
    assert again.status_code == 200 and "不能执行" in again.get_data(as_text=True)


def test_the_catalogue_is_edited_by_group_roles_only(w, app):
    store_manager = _client(app, w.manager, w.store)
    assert store_manager.get("/service/catalogue/operations/new").status_code in (403, 404)
    assert store_manager.get(f"/service/catalogue/operations/{w.oil.id}/edit").status_code in (403, 404)
    group = factories.user_with_role("group_manager", w.store, org_wide=True)
    client = _client(app, group, w.store)
    bad = client.post(
        "/service/catalogue/operations/new",
        data={"code": "M001", "name": "重复", "category": "repair", "body_area": "engine", "standard_hours": "1"},
    )
    assert bad.status_code == 200 and "已存在" in bad.get_data(as_text=True)
    zero = client.post(
        "/service/catalogue/packages/new",
        data={"code": "PKX", "name": "空套餐", "category": "maintenance", "price": "100"},
    )
    assert "套餐至少包含一个工时项目" in zero.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(LabourOperation.id))).scalar() == 2
    assert db.session.execute(sa.select(sa.func.count(ServicePackage.id))).scalar() == 1
    good = client.post(
        f"/service/catalogue/operations/{w.oil.id}/edit",
        data={
            "code": "M001",
            "name": "更换机油（全合成）",
            "category": "maintenance",
            "body_area": "engine",
            "standard_hours": "0.6",
            "is_active": "y",
        },
    )
    assert good.status_code == 303
    assert "更换机油（全合成）" in client.get("/service/catalogue").get_data(as_text=True)


def test_the_roll_up_shows_no_write_controls(w, app):
    factories.StoreFactory(organisation=w.store.organisation)  # a group of two stores
    ro = sf.ro(w, status="in_progress")
    manager = factories.user_with_role("group_manager", w.store, org_wide=True)
    client = _client(app, manager, w.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    body = client.get(f"/service/repair-orders/{ro.id}").get_data(as_text=True)
    assert ro.number in body and w.store.name in body
    assert 'id="labour-line-form"' not in body and 'id="payment-form"' not in body and 'hx-post="/service' not in body
    assert client.get("/service/board").status_code == 200
    assert "接车开单" not in client.get("/service/repair-orders").get_data(as_text=True)
    assert client.post(f"/service/repair-orders/{ro.id}/labour", data={}).status_code == 403


def test_a_consultant_reads_the_service_history_on_the_timeline(w, app):
    ro = sf.ro(w, status="closed")
    client = _client(app, w.consultant, w.store)
    body = client.get(f"/customers/{w.customer.id}/timeline").get_data(as_text=True)
    assert ro.number in body
    assert f"/service/repair-orders/{ro.id}" not in body  # read-only: no link into the workshop
    assert client.get(f"/service/repair-orders/{ro.id}").status_code == 403


def test_tiles_count_today_and_the_board(w, app):
    sf.ro(w, status="open")
    sf.ro(w, status="ready")
    client = _client(app, w.advisor, w.store)
    board = client.get("/tiles/service_ros_by_state", headers=HX).get_data(as_text=True)
    assert ">2<" in board.replace(" ", "") or "2" in board
    assert client.get("/tiles/service_appointments_today", headers=HX).status_code == 200


def test_tiles_work_in_the_roll_up_and_count_every_store(w, app):
    sibling = factories.StoreFactory(organisation=w.store.organisation)
    sf.ro(w, status="open")
    customer = factories.CustomerFactory(store=sibling)
    vehicle = factories.CustomerVehicleFactory(store=sibling, owner=customer)
    sf.ro(dataclasses.replace(w, store=sibling, customer=customer, vehicle=vehicle), status="in_progress")
    manager = factories.user_with_role("group_manager", w.store, org_wide=True)
    client = _client(app, manager, w.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    board = client.get("/tiles/service_ros_by_state", headers=HX)
    assert board.status_code == 200 and ">2<" in board.get_data(as_text=True).replace(" ", "").replace("\n", "")
    assert client.get("/tiles/service_appointments_today", headers=HX).status_code == 200
    assert client.get("/service/appointments").status_code == 200
    assert "售后预约" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/service/board", "/service/repair-orders", "/service/my-work"])
def test_lists_and_the_board_cost_the_same_for_3_or_30_orders(w, app, path):
    from ..conftest import count_queries

    user = w.tech if path == "/service/my-work" else w.advisor
    client = _client(app, user, w.store)
    for _ in range(3):
        sf.ro(w, status="in_progress", lines=2)
    client.get(path)  # warm the identity map
    with count_queries() as few:
        assert client.get(path, headers=HX).status_code == 200
    for _ in range(27):
        sf.ro(w, status="in_progress", lines=2)
    with count_queries() as many:
        response = client.get(path, headers=HX)
    assert response.status_code == 200
    assert len(many) == len(few) and len(many) <= 12, "\n".join(s[:120] for s in many)


def test_the_ro_list_and_the_board_name_a_deleted_customer_in_the_users_language(w, app):
    """The RO list and the board read the customer's shown name as a column: a deleted
    customer is "已删除客户" (or "Deleted customer" in English, from the same statement),
    never the name; a live customer keeps theirs."""
    kept = sf.ro(w, status="in_progress")
    other = factories.CustomerVehicleFactory(store=w.store)
    gone = sf.ro(w, status="in_progress")
    gone.customer_id, gone.vehicle_id = other.owner_id, other.id
    other.owner.deleted_at = dt.datetime.now(dt.UTC)
    db.session.flush()
    client = _client(app, w.advisor, w.store)
    for language, shown in (("zh", "已删除客户"), ("en", "Deleted customer"), ("zh", "已删除客户")):
        assert client.post("/language", data={"language": language, "next": "/"}).status_code == 303
        for path in ("/service/repair-orders", "/service/board"):
            body = client.get(path, headers=HX).get_data(as_text=True)
            assert kept.number in body and gone.number in body and w.customer.name in body, path
            assert shown in body and other.owner.name not in body, (path, language)
