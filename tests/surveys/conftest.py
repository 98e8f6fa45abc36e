from dataclasses import dataclass

import pytest

from dealer_saas import tenancy
from dealer_saas.customers.models import Customer
from dealer_saas.surveys.models import SurveyTemplate
from dealer_saas.surveys.services.templates import seed_starter_templates
from dealer_saas.tenancy import Store, User

from .. import factories
from ..jobs.workers import live_stack  # noqa: F401  (real workers for the fault tests)


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    """Services translate their messages, which needs a request (the locale)."""
    with app.test_request_context():
        yield


@dataclass
class SurveyWorld:
    store: Store
    advisor: User
    consultant: User
    manager: User
    customer: Customer
    csi: SurveyTemplate
    ssi: SurveyTemplate
    nps: SurveyTemplate


@pytest.fixture
def w(store):
    with tenancy.enter(store.id):
        seed_starter_templates()
        from sqlalchemy import select

        from dealer_saas.extensions import db

        templates = {t.code: t for t in db.session.execute(select(SurveyTemplate)).scalars()}
    return SurveyWorld(
        store,
        factories.user_with_role("service_advisor", store),
        factories.user_with_role("sales_consultant", store),
        factories.user_with_role("store_manager", store),
        factories.CustomerFactory(store=store, mobile="13900139000"),
        templates["CSI"],
        templates["SSI"],
        templates["NPS"],
    )
