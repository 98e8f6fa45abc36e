from dataclasses import dataclass

import pytest

from dealer_saas.customers.models import Customer
from dealer_saas.tenancy import Store, User

from .. import factories


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@dataclass
class CareWorld:
    store: Store
    care: User
    manager: User
    advisor: User
    other_advisor: User
    customer: Customer


@pytest.fixture
def w(store):
    return CareWorld(
        store,
        factories.user_with_role("care_agent", store),
        factories.user_with_role("store_manager", store),
        factories.user_with_role("service_advisor", store),
        factories.user_with_role("service_advisor", store),
        factories.CustomerFactory(store=store, mobile="13800138000"),
    )


@pytest.fixture
def act(in_store):
    """``with act(user, "care_agent"):`` runs complaint code with exactly that role's permissions."""
    from dealer_saas.permissions import BUILTIN_ROLES

    def enter(user, *roles):
        permissions = frozenset().union(*(BUILTIN_ROLES[r].permissions for r in roles))
        return in_store(user, permissions=permissions)

    return enter
