"""The parts stock alert: parts whose on hand minus reserved is at or below their reorder
point, reported once per crossing (through the alerts module), linking to the suggested
purchase order."""

from __future__ import annotations

from flask_babel import gettext as _

from .. import tenancy
from ..alerts import alert_source
from ..alerts.sources import labels_summary
from .services.stock import below_reorder_point


def _title(labels: list[str]) -> str:
    return _("%(n)d 个配件低于安全库存：%(names)s", n=len(labels), names=labels_summary(labels))


@alert_source(
    "parts.below_reorder_point",
    title=_title,
    permissions=("parts.purchase",),
    link=lambda _keys: "/parts/suggested-order",
)
def parts_below_reorder_point() -> dict[str, str]:
    """Part id -> "code name" for the active store's parts at or below their reorder point
    (the parts module's indexed query)."""
    store = tenancy.writable_store()
    return {str(row.part_id): f"{row.code} {row.name}" for row in below_reorder_point(store.id)}
