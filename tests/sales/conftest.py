import pytest

from . import factories as sales_factories


@pytest.fixture
def w(store):
    """A store with two models, a demo car, three cars in stock, a consultant, a customer
    of theirs, a sales manager and a store manager."""
    return sales_factories.world(store)


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@pytest.fixture
def act(in_store):
    """``with act(user, "sales_consultant"):`` runs service code with exactly that role's
    permissions (``in_store`` alone grants every permission)."""
    from dealer_saas.permissions import BUILTIN_ROLES

    def enter(user, *roles):
        permissions = frozenset().union(*(BUILTIN_ROLES[r].permissions for r in roles))
        return in_store(user, permissions=permissions)

    return enter
