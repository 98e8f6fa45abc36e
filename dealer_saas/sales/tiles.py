"""Dashboard tiles of the sales module.

"Today" and "this month" are the active store's (``tenancy.store_today()`` and
``tenancy.store_timezone()``); in the read-only all-stores roll-up there is no single store,
so the dated tiles count every store of the view by the calendar of the default zone
(``timeutil.DEFAULT_TZ``) and say so under the number.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import tenancy
from ..dashboard.tiles import TileValue, register_tile
from ..timeutil import DEFAULT_TZ
from . import services


def _count(value: tuple[int, bool]) -> str:
    count, more = value
    return f"{count}+" if more else str(count)


@register_tile("sales_orders_in_progress", _l("进行中订单"), "sales.view", order=30)
def orders_in_progress() -> TileValue:
    """Orders not yet delivered or cancelled (a consultant's own)."""
    return TileValue(_count(services.orders_in_progress_count()), url=url_for("sales.order_list", status="open"))


@register_tile("sales_awaiting_my_approval", _l("待我审批订单"), "sales.order.approve", order=31)
def awaiting_my_approval() -> TileValue:
    """Submitted orders waiting for the level this manager approves."""
    count = len(services.approval_queue(limit=100))
    return TileValue(
        f"{count}+" if count >= 100 else str(count),
        url=url_for("sales.approval_queue"),
        tone="danger" if count else "body",
    )


def _calendar_note() -> str:
    """Under a dated tile in the roll-up: whose calendar "today" is."""
    if tenancy.current_store() is not None:
        return ""
    return _("全部门店，按 %(tz)s 的日期", tz=DEFAULT_TZ)


@register_tile("sales_test_drives_today", _l("今日试驾"), "sales.test_drive", order=32)
def test_drives_today() -> TileValue:
    """Test drives booked or done today (a consultant's own)."""
    return TileValue(
        str(services.test_drives_today_count()), detail=_calendar_note(), url=url_for("sales.test_drive_list")
    )


@register_tile("sales_deliveries_this_month", _l("本月交车"), "sales.view", order=33)
def deliveries_this_month() -> TileValue:
    """Cars handed over since the first of the month (a consultant's own orders)."""
    return TileValue(
        _count(services.deliveries_this_month_count()),
        detail=_calendar_note(),
        url=url_for("sales.order_list", status="delivered"),
    )
