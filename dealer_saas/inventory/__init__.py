"""inventory module."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

MODULE = registry.declare(
    registry.ModuleSpec(
        "inventory",
        permissions={
            "inventory.view": _l("查看整车库存"),
            "inventory.edit": _l("管理整车库存"),
            "inventory.transfer": _l("门店间调车"),
        },
        grants={
            **{
                role: ("inventory.view", "inventory.edit", "inventory.transfer")
                for role in ("group_manager", "store_manager", "sales_manager")
            },
            **{role: ("inventory.view",) for role in ("sales_consultant", "finance_clerk", "parts_clerk")},
        },
        reads=("inventory.view",),
        records={
            "vehicle_models": _l("车型"),
            "stock_vehicles": _l("库存车辆"),
            "stock_transfers": _l("调车"),
            "model_stock_minimums": _l("车型最低库存"),
        },
        menu=(MenuEntry("inventory.stock_list", _l("整车库存"), "inventory.view", "🏭", _l("库存"), order=100),),
    )
)

from . import alerts, models, tiles, views  # noqa: E402,F401
