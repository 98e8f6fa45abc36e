"""Demo notifications: what the store manager and the consultants would have been told."""

from __future__ import annotations

import random

from .. import demo
from .services import notify


@demo.seeder(95)
def seed_notifications(staff: demo.StoreStaff, rng: random.Random) -> None:
    """A few unread and read notifications per store (idempotent through the keys)."""
    store = staff.store
    manager = staff.first("store_manager")
    notify(
        kind="leads.overdue",
        title="有 3 张 H 级跟进卡超过回访日期，请督促顾问跟进",
        key=f"demo:overdue:{store.id}",
        link="/leads/cards",
        user_ids=[manager.id],
    )
    notify(
        kind="inventory.low_stock",
        title="帕萨特 库存低于最低库存，请安排订车",
        key=f"demo:low-stock:{store.id}",
        link="/inventory/",
        user_ids=[manager.id],
        permission="inventory.edit",
    )
    for consultant in staff.by_role.get("sales_consultant", [])[:2]:
        notify(
            kind="leads.assigned",
            title="店总为您分配了新的意向客户，请在今天内首次联系",
            key=f"demo:assigned:{consultant.id}",
            link="/leads/my-day",
            user_ids=[consultant.id],
        )
