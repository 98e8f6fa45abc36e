"""Dashboard tiles of the reports module: a consultant's month against their targets, and
the store's (or the roll-up's) month for its managers. Figures from ``metrics``."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import tenancy
from ..dashboard.tiles import TileValue, register_tile
from ..extensions import db
from ..formatting import money
from . import metrics
from .metrics import Period
from .models import SalesTarget


def _this_month() -> Period:
    return Period.month_of(tenancy.store_today())


@register_tile("reports_my_month", _l("我的本月业绩"), "reports.own", order=34, chart=True)
def my_month() -> TileValue:
    """The signed-in user's orders and deliveries this month (``metrics.order_count`` and
    ``delivery_count`` of their consultant key) against their targets."""
    ctx = tenancy.current()
    month, tz = _this_month(), tenancy.store_timezone()
    units = sum(n for (_s, key), n in metrics.order_count(month, by="consultant", tz=tz).items() if key == ctx.user_id)
    delivered = sum(
        n for (_s, key), n in metrics.delivery_count(month, by="consultant", tz=tz).items() if key == ctx.user_id
    )
    target_units, target_deliveries = db.session.execute(
        select(func.coalesce(func.sum(SalesTarget.units), 0), func.coalesce(func.sum(SalesTarget.deliveries), 0)).where(
            metrics.among(SalesTarget.store_id, metrics.scope()),
            SalesTarget.consultant_id == ctx.user_id,
            SalesTarget.month == month.start,
        )
    ).one()
    value = f"{units} / {target_units}" if target_units else str(units)
    detail = (
        _("订单（目标 %(t)s）；交车 %(d)s / %(td)s", t=target_units, d=delivered, td=target_deliveries)
        if target_units or target_deliveries
        else _("本月订单；交车 %(d)s", d=delivered)
    )
    chart = {
        "type": "bar",
        "compact": True,
        "title": _("本月订单与交车对比目标"),
        "labels": [_("订单"), _("交车")],
        "series": [
            {"name": _("实际"), "values": [units, delivered]},
            {"name": _("目标"), "values": [int(target_units), int(target_deliveries)]},
        ],
    }
    return TileValue(
        value, detail=detail, url=url_for("sales.order_list") if ctx.can("sales.view") else None, chart=chart
    )


@register_tile("reports_store_month", _l("本月销售"), "reports.view", order=35)
def store_month() -> TileValue:
    """The store's (or the roll-up's) deliveries, orders and vehicle gross margin this month."""
    month, tz = _this_month(), tenancy.store_timezone()
    delivered = sum(metrics.delivery_count(month, tz=tz).values())
    units = sum(metrics.order_count(month, tz=tz).values())
    margin = sum(metrics.gross_margin(month, tz=tz).values(), metrics.ZERO)
    return TileValue(
        str(delivered),
        detail=_("本月交车"),
        url=url_for("reports.ranking"),
        rows=[(_("订单"), units), (_("毛利"), money(margin))],
    )
