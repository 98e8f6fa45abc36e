import pytest

from dealer_saas import tenancy

from ..jobs.workers import live_stack  # noqa: F401  (real workers for the fault tests)


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@pytest.fixture
def in_care(store):
    """``with in_care(user):`` runs care code as that user of ``store`` with their role's
    permissions (or every permission without a user)."""
    from dealer_saas.permissions import BUILTIN_ROLES

    def enter(user=None, *roles):
        permissions = frozenset().union(*(BUILTIN_ROLES[r].permissions for r in roles)) if roles else None
        return tenancy.enter(store.id, user_id=user.id if user else None, permissions=permissions)

    return enter
