"""The demo logins that ``flask demo`` prints after seeding: every one is a real, active
account of the role it is printed with, so a newcomer can sign in as each role."""

from __future__ import annotations

import random

import sqlalchemy as sa

from dealer_saas import demo, tenancy
from dealer_saas.extensions import db
from dealer_saas.tenancy import Membership, Role, User

#: the role code behind each printed description's English part
ROLE_OF = {
    "store manager": "store_manager",
    "sales manager": "sales_manager",
    "receptionist": "receptionist",
    "sales consultant": "sales_consultant",
    "finance clerk": "finance_clerk",
    "service advisor": "service_advisor",
    "technician": "technician",
    "parts clerk": "parts_clerk",
    "care agent": "care_agent",
    "marketing": "marketing",
    "group admin": "group_admin",
    "group manager": "group_manager",
}


def test_every_printed_login_is_an_account_of_its_role(db_session):
    with tenancy.system():
        demo.seed_foundation(random.Random(1))
        logins = demo.demo_logins()
        assert len(logins) == 1 + 2 * (2 + 10)  # the platform admin; per group 2 group roles, 10 store roles
        for username, description in logins:
            user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one()
            assert user.is_active, username
            if username == "platform":
                assert user.is_platform_admin
                continue
            english = next(name for name in ROLE_OF if description.endswith(" " + name))
            memberships = sa.select(Role.code).join(Membership, Membership.role_id == Role.id)
            codes = db.session.execute(memberships.where(Membership.user_id == user.id)).scalars()
            assert ROLE_OF[english] in set(codes), (username, description)
