import pytest

from ..jobs.workers import live_stack  # noqa: F401  (real workers for the fault tests)


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@pytest.fixture
def marketer(store):
    from .. import factories

    return factories.user_with_role("marketing", store)


@pytest.fixture
def act(in_store):
    """``with act(user, "marketing"):`` runs code with exactly that role's permissions."""
    from dealer_saas.permissions import BUILTIN_ROLES

    def enter(user, *roles):
        permissions = frozenset().union(*(BUILTIN_ROLES[r].permissions for r in roles))
        return in_store(user, permissions=permissions)

    return enter
