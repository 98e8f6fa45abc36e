"""The repair order's one transition table: every illegal move refused, work driving the
RO (first start, last finish, quality check), cancel only before work starts, and the
optimistic lock."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from dealer_saas.audit import AuditLog
from dealer_saas.extensions import db
from dealer_saas.service.models import RO_STATUSES, RepairOrder
from dealer_saas.service.services import repair_orders, work
from dealer_saas.service.services.rules import RO_MOVES, ServiceError, ServiceStale, ServiceTransitionError

from . import factories as sf

#: the table as the design states it (DESIGN section 4)
EXPECTED = {
    "open": {"in_progress", "cancelled"},
    "in_progress": {"quality_check"},
    "quality_check": {"in_progress", "ready"},
    "ready": {"settled"},
    "settled": {"closed"},
    "closed": set(),
    "cancelled": set(),
}


def test_the_table_is_the_designed_one():
    assert {state: set(RO_MOVES.allowed(state)) for state in RO_STATUSES} == EXPECTED


@pytest.mark.parametrize(
    ("state", "target"),
    [(s, t) for s in RO_STATUSES for t in RO_STATUSES if t not in EXPECTED[s]],
)
def test_every_illegal_move_is_refused(w, in_store, state, target):
    order = sf.ro(w, status=state)
    with in_store(w.advisor), pytest.raises(ServiceTransitionError):
        RO_MOVES.apply(order, target)
    db.session.refresh(order)
    assert order.status == state


PAGE_ACTION_FROM = {"cancel": "open", "settle": "ready", "close": "settled"}


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for a, legal in PAGE_ACTION_FROM.items() for s in RO_STATUSES if s != legal],
)
def test_page_actions_only_from_their_state(w, in_store, state, action):
    order = sf.ro(w, status=state)
    with in_store(w.advisor), pytest.raises(ServiceTransitionError):
        repair_orders.change_state(order.id, action, reason="客户取消")
    assert db.session.get(RepairOrder, order.id).status == state


def test_cancel_needs_a_reason_and_is_audited(w, in_store):
    order = sf.ro(w, status="open")
    with in_store(w.advisor):
        with pytest.raises(ServiceError) as refused:
            repair_orders.change_state(order.id, "cancel", reason=" ")
        assert refused.value.field == "reason"
        repair_orders.change_state(order.id, "cancel", reason="客户改期")
    assert order.status == "cancelled" and order.cancel_reason == "客户改期" and order.cancelled_at
    log = db.session.execute(
        sa.select(AuditLog).where(AuditLog.entity == "repair_orders", AuditLog.action == "transition")
    ).scalar_one()
    assert log.before["status"] == "open" and log.after["status"] == "cancelled"


def test_work_moves_the_ro_and_cancel_is_refused_once_started(w, in_store):
    order = sf.ro(w, status="open", lines=2)
    first, second = order.lines
    with in_store(w.tech):
        work.work_on_line(first.id, "start")
    assert order.status == "in_progress"
    with in_store(w.advisor), pytest.raises(ServiceTransitionError):
        repair_orders.change_state(order.id, "cancel", reason="x")
    with in_store(w.tech):
        work.work_on_line(first.id, "finish")
        assert order.status == "in_progress"  # the second line is still to do
        work.work_on_line(second.id, "start")
        work.work_on_line(second.id, "finish")
    assert order.status == "quality_check"


def test_a_stale_reception_edit_is_refused(w, in_store):
    order = sf.ro(w, status="open")
    old_version = order.version
    with in_store(w.advisor):
        repair_orders.update_reception(
            order.id, old_version, {"mileage_in": 20200, "fuel_level": "full", "complaints": "异响"}
        )
        with pytest.raises(ServiceStale):
            repair_orders.update_reception(
                order.id, old_version, {"mileage_in": 20300, "fuel_level": "full", "complaints": "异响"}
            )
    assert order.mileage_in == 20200
