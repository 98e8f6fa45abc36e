"""customers module."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("customers", __name__, url_prefix="/customers")

MODULE = registry.declare(
    registry.ModuleSpec(
        "customers",
        permissions={
            "customers.view": _l("查看客户"),
            "customers.view_all": _l("查看全店客户（不限本人）"),
            "customers.edit": _l("新增/编辑客户"),
            "customers.pii": _l("查看敏感信息（身份证、完整电话）"),
            "customers.assign": _l("分配客户归属"),
            "customers.merge": _l("合并重复客户"),
            "customers.export": _l("导出客户"),
            "customers.delete": _l("删除客户（30 天内可恢复）"),
        },
        grants=registry.grants(
            (
                ("group_manager", "store_manager", "sales_manager"),
                (
                    "customers.view",
                    "customers.view_all",
                    "customers.edit",
                    "customers.pii",
                    "customers.assign",
                    "customers.merge",
                    "customers.export",
                ),
            ),
            # deleting (soft, restorable for 30 days) is the store manager's; the group admin
            # holds every permission anyway
            (("store_manager",), ("customers.delete",)),
            (("receptionist",), ("customers.view", "customers.view_all", "customers.edit", "customers.assign")),
            (("sales_consultant",), ("customers.view", "customers.edit")),
            (("finance_clerk",), ("customers.view", "customers.view_all", "customers.pii")),
            (("service_advisor",), ("customers.view", "customers.view_all", "customers.edit")),
            (("care_agent",), ("customers.view", "customers.view_all")),
            (("marketing",), ("customers.view", "customers.view_all", "customers.export")),
        ),
        records={
            "customers": _l("客户"),
            "customer_vehicles": _l("客户车辆"),
            "customer_contacts": _l("联系人"),
            "vehicle_ownerships": _l("车辆归属"),
        },
        reads=("customers.view", "customers.view_all", "customers.pii", "customers.export"),
        tabs=(MenuEntry("customers.customer_list", _l("客户"), "customers.view", "👤", order=20),),
        menu=(
            MenuEntry("customers.customer_list", _l("客户"), "customers.view", "👤", _l("销售"), order=30, pinned=True),
        ),
        settings=(settings.CUSTOMER_RECORDS_SECTION,),
    )
)

from . import history, jobs, models, tiles, views  # noqa: E402,F401
