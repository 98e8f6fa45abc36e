"""Background work of the customers module."""

from __future__ import annotations

from ..jobs import job
from . import services


@job("customers.purge_deleted", cadence="daily", hour=3)
def purge_deleted_customers(store_id: int, period: str = "", **ids) -> dict:
    """Customers deleted more than 30 days ago are deleted, or anonymised while visits, cards,
    quotes or orders still refer to them (idempotent: a purged customer is not taken again)."""
    return services.purge_deleted()
