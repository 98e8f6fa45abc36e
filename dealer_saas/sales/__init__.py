"""sales module: test drives, quotes, orders with approvals, payments, delivery, finance."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("sales", __name__, url_prefix="/sales")

#: what the store's management does in sales; the last two (the top approval level and the
#: settings) belong to the store and group managers only
_STORE_SALES = (
    "sales.view",
    "sales.test_drive",
    "sales.quote",
    "sales.order",
    "sales.delivery",
    "sales.order.approve",
    "sales.payment",
    "sales.finance",
    "sales.order.approve_high",
    "sales.settings",
)

MODULE = registry.declare(
    registry.ModuleSpec(
        "sales",
        permissions={
            "sales.view": _l("查看销售业务"),
            "sales.test_drive": _l("试乘试驾"),
            "sales.quote": _l("报价"),
            "sales.order": _l("销售订单"),
            "sales.order.approve": _l("审批订单（销售经理级）"),
            "sales.order.approve_high": _l("审批订单（总经理级）"),
            "sales.payment": _l("登记收款"),
            "sales.delivery": _l("交车"),
            "sales.finance": _l("按揭与保险"),
            "sales.settings": _l("销售设置"),
        },
        grants={
            **{role: _STORE_SALES for role in ("store_manager", "group_manager")},
            "sales_manager": _STORE_SALES[:-2],
            "receptionist": ("sales.view",),
            # the consultant hands the car over to their customer (交车)
            "sales_consultant": ("sales.view", "sales.test_drive", "sales.quote", "sales.order", "sales.delivery"),
            "finance_clerk": ("sales.view", "sales.payment", "sales.finance"),
        },
        reads=("sales.view",),
        records={
            "test_drives": _l("试驾"),
            "quotes": _l("报价"),
            "sales_orders": _l("订单"),
            "order_approvals": _l("订单审批"),
            "payments": _l("收款"),
            "deliveries": _l("交车"),
            "loan_applications": _l("按揭"),
            "insurance_policies": _l("保险"),
        },
        menu=(
            MenuEntry("sales.test_drive_list", _l("试驾"), "sales.test_drive", "🚗", _l("销售"), order=50),
            MenuEntry("sales.quote_list", _l("报价"), "sales.quote", "🧾", _l("销售"), order=60),
            MenuEntry("sales.order_list", _l("订单"), "sales.view", "📑", _l("销售"), order=70),
        ),
        settings=(
            settings.APPROVAL_SECTION,
            settings.DEPOSIT_SECTION,
            settings.PURCHASE_TAX_SECTION,
            settings.LOAN_PLANS_SECTION,
        ),
    )
)

from . import models, tiles, timeline, views  # noqa: E402,F401
