"""parts module (配件): the part master and each store's stock, stock movements, suppliers
and purchase orders, counter sales, stocktakes, transfers between stores, and the parts
lines of repair orders (through ``services.ro_parts``, called by the service module)."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("parts", __name__, url_prefix="/parts")

#: what running a store's parts counter takes
_ALL = (
    "parts.view",
    "parts.manage",
    "parts.sell",
    "parts.purchase",
    "parts.stocktake",
    "parts.transfer",
    "parts.ro",
)

MODULE = registry.declare(
    registry.ModuleSpec(
        "parts",
        permissions={
            "parts.view": _l("查看配件库存"),
            "parts.manage": _l("维护配件档案与库存调整"),
            "parts.sell": _l("配件柜台销售"),
            "parts.purchase": _l("供应商与采购收货"),
            "parts.stocktake": _l("配件盘点"),
            "parts.transfer": _l("门店间配件调拨"),
            "parts.ro": _l("工单配件领用"),
        },
        grants=registry.grants(
            (("parts_clerk", "store_manager", "group_manager"), _ALL),
            (("service_advisor",), ("parts.view", "parts.ro")),
            (("technician", "finance_clerk"), ("parts.view",)),
        ),
        reads=("parts.view",),
        records={
            "parts": _l("配件档案"),
            "part_stocks": _l("配件库存"),
            "part_suppliers": _l("配件供应商"),
            "purchase_orders": _l("采购单"),
            "purchase_order_lines": _l("采购明细"),
            "counter_sales": _l("柜台销售"),
            "stocktakes": _l("盘点单"),
            "part_transfers": _l("配件调拨"),
            "repair_order_parts": _l("工单配件"),
        },
        audit_actions={"adjust": _l("库存调整")},
        menu=(
            MenuEntry("parts.stock_list", _l("配件库存"), "parts.view", "🔩", _l("配件"), order=90),
            MenuEntry("parts.low_stock", _l("缺货与积压"), "parts.view", "⚠", _l("配件"), order=91),
            MenuEntry("parts.po_list", _l("采购单"), "parts.purchase", "🧾", _l("配件"), order=92),
            MenuEntry("parts.sale_list", _l("柜台销售"), "parts.sell", "🛒", _l("配件"), order=93),
            MenuEntry("parts.stocktake_list", _l("盘点"), "parts.stocktake", "📦", _l("配件"), order=94),
            MenuEntry("parts.transfer_list", _l("配件调拨"), "parts.transfer", "🚚", _l("配件"), order=95),
            MenuEntry("parts.supplier_list", _l("供应商"), "parts.purchase", "🏢", _l("配件"), order=96),
        ),
    )
)

from . import alerts, models, tiles, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from .models import (
        CATEGORIES,
        MOVEMENT_KINDS,
        PAYMENT_METHODS,
        PO_STATUSES,
        RO_PART_STATUSES,
        STOCKTAKE_STATUSES,
        TRANSFER_STATES,
        UNITS,
    )
    from .services.stock import _qty

    app.jinja_env.globals.update(
        parts_categories=CATEGORIES,
        parts_units=UNITS,
        parts_movement_kinds=MOVEMENT_KINDS,
        parts_po_statuses=PO_STATUSES,
        parts_stocktake_statuses=STOCKTAKE_STATUSES,
        parts_transfer_states=TRANSFER_STATES,
        parts_ro_statuses=RO_PART_STATUSES,
        parts_payment_methods=PAYMENT_METHODS,
    )
    app.jinja_env.filters["qty"] = _qty
