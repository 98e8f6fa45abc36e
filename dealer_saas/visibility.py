"""The consultant visibility rule, once (DESIGN section 3): a user with
``customers.view_all`` sees the whole store; anyone else sees the rows they own (a
customer's owner, a card's consultant, an order's consultant or creator) plus the store's
unassigned pool. Customers, cards, orders, quotes and test drives all ask here, so the list,
the button and the action agree; a row outside the rule answers 404 like a foreign id.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from . import tenancy

VIEW_ALL = "customers.view_all"


def sees_whole_store() -> bool:
    """Managers, reception, finance and care see every row of the store."""
    return tenancy.current().can(VIEW_ALL)


def mine_or_pool(owner: Any) -> sa.ColumnElement[bool] | None:
    """Rows whose ``owner`` column is the current user or nobody; None: the whole store."""
    if sees_whole_store():
        return None
    return sa.or_(owner == tenancy.current().user_id, owner.is_(None))


def mine(*owners: Any) -> sa.ColumnElement[bool] | None:
    """Rows where any of ``owners`` (consultant, creator) is the current user; None: the
    whole store."""
    if sees_whole_store():
        return None
    user_id = tenancy.current().user_id
    return sa.or_(*(owner == user_id for owner in owners))


def is_mine_or_pool(owner_id: int | None) -> bool:
    """The same rule for one loaded row."""
    return sees_whole_store() or owner_id in (None, tenancy.current().user_id)


def restrict(stmt: sa.Select, clause: sa.ColumnElement[bool] | None) -> sa.Select:
    """Apply a clause from :func:`mine_or_pool` or :func:`mine` (None: no restriction)."""
    return stmt if clause is None else stmt.where(clause)
