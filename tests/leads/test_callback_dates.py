"""The intent level sets the next call-back date; contacts restart the cycle."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from dealer_saas import audit, tenancy
from dealer_saas.extensions import db
from dealer_saas.leads import services
from dealer_saas.leads.models import CardContact
from dealer_saas.timeutil import local_today

from .. import factories
from .factories import CONSULTANT, card


@pytest.mark.parametrize("level, days", [("H", 1), ("A", 3), ("B", 7), ("C", 15)])
def test_default_days_per_level(store, in_store, level, days):
    with in_store():
        today = tenancy.store_today()
        assert services.next_contact_for(level, today) == today + dt.timedelta(days=days)


def test_store_setting_overrides_days(store, in_store):
    store.settings = {"callback_days": {"H": 2, "A": 5}}
    db.session.flush()
    with in_store():
        today = tenancy.store_today()
        assert services.next_contact_for("H", today) == today + dt.timedelta(days=2)
        assert services.next_contact_for("A", today) == today + dt.timedelta(days=5)
        assert services.next_contact_for("B", today) == today + dt.timedelta(days=7)


def test_contact_changes_level_and_next_date(store, in_store):
    user = factories.user_with_role("sales_consultant", store)
    row = card(store, level="C", consultant_id=user.id)
    with in_store(user, permissions=CONSULTANT):
        contact, changed = services.log_contact(row.id, {"channel": "phone", "content": "客户想本周订车", "level": "H"})
        today = tenancy.store_today()
    assert changed is True
    assert row.level == "H" and row.next_contact_on == today + dt.timedelta(days=1)
    assert row.last_contact_at is not None
    assert contact.level_before == "C" and contact.level_after == "H" and contact.by_user_id == user.id
    logged = (
        db.session.execute(
            select(audit.AuditLog).where(audit.AuditLog.entity == "card_contacts", audit.AuditLog.store_id == store.id)
        )
        .scalars()
        .all()
    )
    assert len(logged) == 1


def test_contact_without_level_restarts_cycle_and_accepts_override(store, in_store):
    user = factories.user_with_role("sales_consultant", store)
    row = card(store, level="B", consultant_id=user.id, next_contact_on=local_today() - dt.timedelta(days=4))
    with in_store(user, permissions=CONSULTANT):
        today = tenancy.store_today()
        _c, changed = services.log_contact(row.id, {"content": "发了报价"})
        assert not changed and row.next_contact_on == today + dt.timedelta(days=7)
        chosen = today + dt.timedelta(days=2)
        services.log_contact(row.id, {"content": "约了周六", "next_contact_on": chosen})
        assert row.next_contact_on == chosen
        with pytest.raises(services.LeadsError) as error:
            services.log_contact(row.id, {"content": "x", "next_contact_on": today - dt.timedelta(days=1)})
        assert error.value.field == "next_contact_on"
        with pytest.raises(services.LeadsError) as error:
            services.log_contact(row.id, {"content": "  "})
        assert error.value.field == "content"
    assert len(db.session.execute(select(CardContact).where(CardContact.card_id == row.id)).scalars().all()) == 2


def test_a_card_is_opened_with_the_date_given_and_never_in_the_past(store, in_store):
    from dealer_saas.audit import AuditLog

    customer = factories.CustomerFactory(store=store)
    wanted = tenancy.store_today() + dt.timedelta(days=2)
    with in_store(factories.user_with_role("sales_consultant", store)):
        with pytest.raises(services.LeadsError, match="不能早于今天") as error:
            services.create_card(customer.id, {"level": "B", "next_contact_on": dt.date(2020, 1, 1)})
        assert error.value.field == "next_contact_on"
        card = services.create_card(customer.id, {"level": "B", "next_contact_on": wanted})
        with pytest.raises(services.LeadsError, match="不能早于今天"):
            services.update_card(card.id, {"next_contact_on": dt.date(2020, 1, 1)}, card.version)
    assert card.next_contact_on == wanted
    logged = db.session.query(AuditLog).filter_by(entity="follow_up_cards", entity_id=card.id, action="create").one()
    assert logged.after["next_contact_on"] == wanted.isoformat()  # the audit shows the date that was saved
