"""Card statuses move only along services.TRANSITIONS; lost requests need a manager who is
not the requester."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dealer_saas import audit, tenancy
from dealer_saas.extensions import db
from dealer_saas.leads import services
from dealer_saas.leads.models import CARD_STATUSES

from .. import factories
from .factories import CONSULTANT, MANAGER, card

ACTIONS = sorted({action for _status, action in services.TRANSITIONS})
ILLEGAL = [
    (status, action) for status in CARD_STATUSES for action in ACTIONS if (status, action) not in services.TRANSITIONS
]


def _values(action):
    return (
        {"reason": "价格", "competitor": "凯美瑞", "note": "再跟一次"}
        if action in ("request_lost", "send_back")
        else {}
    )


@pytest.mark.parametrize("status, action", ILLEGAL)
def test_every_illegal_transition_is_refused(store, in_store, status, action):
    row = card(store, status=status)
    with in_store(factories.user_with_role("sales_manager", store)):
        with pytest.raises(services.InvalidTransition) as error:
            services.transition_card(row.id, action, **_values(action))
    assert "不能执行" in str(error.value)
    assert row.status == status


@pytest.mark.parametrize("status, action", sorted(services.TRANSITIONS))
def test_every_legal_transition_applies_and_is_audited(store, in_store, status, action):
    requester = factories.user_with_role("sales_consultant", store)
    row = card(store, status=status, consultant_id=requester.id, lost_requested_by_id=requester.id)
    with in_store(factories.user_with_role("sales_manager", store)):
        if action == "win":
            services.mark_card_won(row.id, order_id=None)
        else:
            services.transition_card(row.id, action, **_values(action))
    assert row.status == services.TRANSITIONS[(status, action)]
    rows = (
        db.session.execute(
            select(audit.AuditLog).where(
                audit.AuditLog.entity == "follow_up_cards",
                audit.AuditLog.action == "transition",
                audit.AuditLog.entity_id == row.id,
            )
        )
        .scalars()
        .all()
    )
    assert rows and rows[-1].before["status"] == status


def test_lost_request_needs_reason_and_competitor(store, in_store):
    user = factories.user_with_role("sales_consultant", store)
    row = card(store, consultant_id=user.id)
    with in_store(user, permissions=CONSULTANT):
        with pytest.raises(services.LeadsError) as error:
            services.transition_card(row.id, "request_lost", reason="", competitor="凯美瑞")
        assert error.value.field == "reason"
        with pytest.raises(services.LeadsError) as error:
            services.transition_card(row.id, "request_lost", reason="价格", competitor=" ")
        assert error.value.field == "competitor"
        assert row.status == "open"
        services.transition_card(row.id, "request_lost", reason="价格", competitor="凯美瑞")
    assert row.status == "lost_pending" and row.lost_requested_by_id == user.id


def test_manager_approves_or_sends_back_with_note(store, in_store):
    consultant = factories.user_with_role("sales_consultant", store)
    manager = factories.user_with_role("sales_manager", store)
    first = card(store, consultant_id=consultant.id)
    second = card(store, consultant_id=consultant.id, level="B")
    with in_store(consultant, permissions=CONSULTANT):
        for row in (first, second):
            services.transition_card(row.id, "request_lost", reason="预算不够", competitor="二手车")
    with in_store(manager, permissions=MANAGER):
        services.transition_card(first.id, "approve_lost")
        with pytest.raises(services.LeadsError) as error:
            services.transition_card(second.id, "send_back", note="")
        assert error.value.field == "note"
        services.transition_card(second.id, "send_back", note="客户还有意向，再约试驾")
        today = tenancy.store_today()
    assert first.status == "lost" and first.lost_reviewed_by_id == manager.id
    assert second.status == "open" and second.lost_review_note == "客户还有意向，再约试驾"
    assert second.next_contact_on == today + dt.timedelta(days=7)


def test_consultant_cannot_approve_own_lost_request_whatever_the_roles(store, in_store):
    user = factories.user_with_role("sales_consultant", store)
    row = card(store, consultant_id=user.id)
    # every permission, including cards.approve_lost: still not their own request
    with in_store(user):
        services.transition_card(row.id, "request_lost", reason="价格", competitor="凯美瑞")
        for action in ("approve_lost", "send_back"):
            with pytest.raises(services.LeadsError) as error:
                services.transition_card(row.id, action, note="自己批")
            assert "自己" in str(error.value)
    assert row.status == "lost_pending"


def test_consultant_without_permission_cannot_decide(store, in_store):
    consultant = factories.user_with_role("sales_consultant", store)
    other = factories.user_with_role("sales_consultant", store)
    row = card(store, consultant_id=None, status="lost_pending", lost_requested_by_id=other.id)
    with in_store(consultant, permissions=CONSULTANT):
        with pytest.raises(services.LeadsError):
            services.transition_card(row.id, "approve_lost")


def test_mark_card_won_for_sales_and_reactivate_from_dormant(store, in_store):
    won = card(store)
    dormant = card(store, status="dormant", level="H", next_contact_on=dt.date(2020, 1, 1))
    pending = card(store, status="lost_pending", lost_reason="价格", lost_competitor="某品牌")
    asleep = card(store, status="dormant")
    with in_store(factories.user_with_role("sales_consultant", store)):
        services.mark_card_won(won.id, None)
        assert won.status == "won" and won.won_at is not None
        # a delivered car wins the card whatever happened to it since the order
        services.mark_card_won(pending.id, None)
        services.mark_card_won(asleep.id, None)
        assert pending.status == asleep.status == "won"
        with pytest.raises(services.InvalidTransition):
            services.transition_card(won.id, "make_dormant")
        services.transition_card(dormant.id, "reactivate")
        assert dormant.status == "open"
        assert dormant.next_contact_on == tenancy.store_today() + dt.timedelta(days=1)
