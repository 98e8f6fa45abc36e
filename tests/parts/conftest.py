import pytest

from . import factories as parts_factories


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@pytest.fixture
def p(store, in_store):
    """A store with a parts clerk, two suppliers and three parts (in the clerk's context)."""
    clerk = parts_factories.factories.user_with_role("parts_clerk", store)
    with in_store(clerk):
        yield parts_factories.world(store, clerk)
