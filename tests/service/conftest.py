import pytest

from . import factories as service_factories


@pytest.fixture
def w(store):
    """A store with an advisor, two technicians, a store manager, a consultant's customer
    with a car (20 000 km), two catalogue operations and a package."""
    return service_factories.world(store)


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@pytest.fixture
def act(in_store):
    """``with act(user, "technician"):`` runs service code with exactly that role's
    permissions."""
    from dealer_saas.permissions import BUILTIN_ROLES

    def enter(user, *roles):
        permissions = frozenset().union(*(BUILTIN_ROLES[r].permissions for r in roles))
        return in_store(user, permissions=permissions)

    return enter
