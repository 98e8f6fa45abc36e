"""Demo data tools: one finished customer import per store, so the import list and its
report have something to show. Idempotent."""

from __future__ import annotations

import random

from sqlalchemy import select

from .. import demo
from ..extensions import db
from ..timeutil import utcnow
from .models import ImportBatch


@demo.seeder(90)
def seed_imports(staff: demo.StoreStaff, rng: random.Random) -> None:
    if db.session.execute(select(ImportBatch.id).limit(1)).scalar() is not None:
        return
    manager = (staff.by_role.get("store_manager") or [None])[0]
    db.session.add(
        ImportBatch(
            entity="customers",
            filename="旧系统客户.xlsx",
            status="committed",
            headers=["姓名", "手机号"],
            mapping={"0": "name", "1": "mobile"},
            total_rows=3,
            counts={"created": 2, "updated": 0, "rejected": 1},
            report=[[3, "rejected", "手机号格式不正确。", ""], [2, "created", "", "13800138000"]],
            created_by_id=manager.id if manager else None,
            checked_at=utcnow(),
            committed_at=utcnow(),
        )
    )
