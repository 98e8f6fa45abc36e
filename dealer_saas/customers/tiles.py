"""Dashboard tiles of the customers module: bounded counts over store-leading indexes."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..dashboard.tiles import TileValue, register_tile
from ..pagination import count_upto
from ..timeutil import utcnow
from .models import Customer
from .services import COUNT_LIMIT, live_customers, visible_customers


def _shown(count: int, more: bool) -> str:
    return f"{count}+" if more else str(count)


@register_tile("customers_new_week", _l("本周新客户"), "customers.view", order=20)
def new_customers_this_week() -> TileValue:
    """Customers created in the last 7 days that the user may see (store_id, created_at index)."""
    since = utcnow() - dt.timedelta(days=7)
    count, more = count_upto(visible_customers().where(Customer.created_at >= since), COUNT_LIMIT)
    return TileValue(_shown(count, more), detail=_("近 7 天"), url=url_for("customers.customer_list"))


@register_tile("customers_unassigned", _l("待分配客户"), "customers.assign", order=21)
def unassigned_customers() -> TileValue:
    """The unassigned pool (store_id, owner_id, created_at index)."""
    count, more = count_upto(live_customers().where(Customer.owner_id.is_(None)), COUNT_LIMIT)
    return TileValue(
        _shown(count, more),
        detail=_("公共池中的客户"),
        url=url_for("customers.customer_list", owner="none"),
        tone="danger" if count else "body",
    )
