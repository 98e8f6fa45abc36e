"""Demo targets: every demo consultant gets targets for this month and last month, so the
ranking shows actual against target (idempotent: a month that has targets is left alone)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from .. import demo
from ..extensions import db
from ..timeutil import local_today
from .models import SalesTarget


@demo.seeder(60)
def seed_targets(staff: demo.StoreStaff, rng: random.Random) -> None:
    """Units, deliveries and gross margin targets per consultant for two months."""
    consultants = staff.by_role.get("sales_consultant") or []
    this_month = local_today(staff.store.timezone).replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    for month in (last_month, this_month):
        if db.session.execute(select(SalesTarget.id).where(SalesTarget.month == month).limit(1)).scalar():
            continue
        for n, consultant in enumerate(consultants):
            units = 4 + (n * 3 + rng.randint(0, 4)) % 9
            db.session.add(
                SalesTarget(
                    consultant_id=consultant.id,
                    month=month,
                    units=units,
                    deliveries=max(1, units - 2),
                    gross_margin=Decimal(units * rng.choice((6000, 8000, 10000))),
                )
            )
    db.session.flush()
