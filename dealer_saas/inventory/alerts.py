"""The stock alert of the vehicle stock: models under the store's minimum (once per
crossing, through the alerts module)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..alerts import alert_source
from ..alerts.sources import labels_summary
from . import services


def _title(labels: list[str]) -> str:
    return _("%(n)d 个车型低于最低库存：%(names)s", n=len(labels), names=labels_summary(labels))


@alert_source(
    "inventory.model_below_minimum",
    title=_title,
    permissions=("inventory.edit",),
    link=lambda _keys: "/inventory/?state=in_stock",
)
def models_below_minimum() -> dict[str, str]:
    """Model id -> label for the active store's models under their minimum."""
    return {str(model_id): label for model_id, label, _count, _minimum in services.models_below_minimum_by_id()}
