"""Auth tests: the setup is committed (to the test's savepoint) before requests, because a
request that answers >= 400 rolls the session back, which would otherwise erase the setup."""
from __future__ import annotations

import pytest

from dealer_saas.extensions import db


@pytest.fixture
def client_as(client_as):
    def make(*args, **kwargs):
        result = client_as(*args, **kwargs)
        db.session.commit()
        return result

    return make
