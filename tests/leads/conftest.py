import pytest


@pytest.fixture(autouse=True)
def _request_context(app, db_session):
    """Service errors carry translated messages, and Flask-Babel's locale selector reads the
    request's session (dealer_saas/i18n.py): give service tests a request to read."""
    with app.test_request_context():
        yield
