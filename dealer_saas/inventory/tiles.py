"""Dashboard tiles of the stock module: models under their minimum, aged stock."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..dashboard.tiles import TileValue, register_tile
from . import services


@register_tile("stock_below_minimum", _l("低于最低库存的车型"), "inventory.view", order=60)
def below_minimum() -> TileValue:
    """Models whose sellable in-stock count is under the store's minimum (one grouped query)."""
    rows = services.models_below_minimum()
    return TileValue(
        value=len(rows),
        detail=_("在库（不含试驾车）/ 最低库存") if rows else _("各车型库存充足"),
        url=url_for("inventory.stock_list", state="in_stock"),
        tone="danger" if rows else "body",
        rows=[(label, f"{count} / {minimum}") for label, count, minimum in rows[:6]],
    )


@register_tile("stock_aged_90", _l("库龄超过 90 天的车辆"), "inventory.view", order=61)
def aged_stock() -> TileValue:
    """Cars on the books for more than 90 days (bounded count)."""
    count, more = services.aged_stock_count()
    return TileValue(
        value=f"{count}+" if more else count,
        detail=_("在库与已配车，按到店日期计算"),
        url=url_for("inventory.stock_list", ageing="90+"),
        tone="danger" if count else "body",
    )
