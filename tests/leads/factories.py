"""Helpers for the leads tests (the shared factories already cover Visit and FollowUpCard)."""

from __future__ import annotations

import datetime as dt

from dealer_saas.extensions import db
from dealer_saas.leads.models import CardContact
from dealer_saas.permissions import BUILTIN_ROLES

from ..factories import FollowUpCardFactory

CONSULTANT = BUILTIN_ROLES["sales_consultant"].permissions
MANAGER = BUILTIN_ROLES["sales_manager"].permissions


def card(store, **fields):
    """An open card (level A, due in 3 days unless told) of ``store``."""
    return FollowUpCardFactory(store=store, **fields)


def contact(card, at: dt.datetime, content="电话回访", **fields) -> CardContact:
    row = CardContact(store_id=card.store_id, org_id=card.org_id, card_id=card.id, at=at, content=content, **fields)
    db.session.add(row)
    db.session.flush()
    return row


def save() -> None:
    """Commit the test's rows to the test transaction's savepoint, so a request that ends
    in a rollback (a 404, a form error) does not take the fixtures with it."""
    db.session.commit()


def rows(model, store, *where):
    """The rows of ``model`` in ``store`` only: on SQLite a request's commit outlives the
    test (pysqlite's SAVEPOINT handling), so never count across stores."""
    from sqlalchemy import select

    return list(db.session.execute(select(model).where(model.store_id == store.id, *where)).scalars())
