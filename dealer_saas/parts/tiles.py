"""Dashboard tiles of the parts module: low and over stock, each one bounded count on an
index (``ix_part_stocks_store_low`` / ``_over``); in the roll-up they count every store."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true

from .. import pagination
from ..dashboard.tiles import TileValue, register_tile
from .models import PartStock

LIMIT = 999


def _count(stmt) -> str:
    count, more = pagination.count_upto(stmt, LIMIT)
    return f"{count}+" if more else str(count)


@register_tile("parts_low_stock", _l("配件缺货"), "parts.view", order=50)
def low_stock() -> TileValue:
    """Parts at or below their reorder point (on hand - reserved)."""
    value = _count(select(PartStock.id).where(PartStock.is_low == true()))
    return TileValue(value, url=url_for("parts.low_stock"), tone="danger" if value != "0" else "body")


@register_tile("parts_over_stock", _l("配件超储"), "parts.view", order=51)
def over_stock() -> TileValue:
    """Parts above their maximum."""
    value = _count(select(PartStock.id).where(PartStock.is_over == true()))
    return TileValue(value, url=url_for("parts.low_stock", view="over"))
