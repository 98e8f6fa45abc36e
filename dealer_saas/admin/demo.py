"""Demo data of the admin module: one organisation-owned custom role per demo group."""

from __future__ import annotations

import random

from sqlalchemy import select

from .. import demo
from ..extensions import db
from ..tenancy import Role

#: a role a dealer group typically adds: the showroom lead sees the whole floor but approves nothing
DEMO_ROLE_CODE = "showroom_lead"
DEMO_ROLE_PERMISSIONS = (
    "dashboard.view",
    "customers.view",
    "customers.view_all",
    "customers.edit",
    "customers.assign",
    "visits.view",
    "visits.edit",
    "cards.view",
    "cards.edit",
    "sales.view",
    "sales.test_drive",
    "sales.quote",
    "inventory.view",
)


@demo.seeder(5)
def seed_custom_role(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Create the group's "展厅主管" role once (the seeder runs per store, so check by code)."""
    org_id = staff.store.org_id
    exists = db.session.execute(select(Role.id).where(Role.org_id == org_id, Role.code == DEMO_ROLE_CODE)).first()
    if exists is None:
        db.session.add(
            Role(
                org_id=org_id,
                code=DEMO_ROLE_CODE,
                name="展厅主管",
                is_builtin=False,
                is_group_role=False,
                permissions=sorted(DEMO_ROLE_PERMISSIONS),
            )
        )
        db.session.flush()
