"""reports module (报表): the sales funnel, the consultant ranking with monthly targets, the
pipeline forecast and the group's stores side by side (figures in ``metrics.py``); the
customers, stock and after-sales reports made of sections (``sections.py``, figures in
``customer_reports.py``, ``stock_reports.py``, ``aftersales_reports.py``); the role tiles of
the dashboard (``tiles.py``, ``role_tiles.py``)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("reports", __name__, url_prefix="/reports")

_MANAGERS = ("store_manager", "sales_manager", "group_manager")

MODULE = registry.declare(
    registry.ModuleSpec(
        "reports",
        permissions={
            "reports.view": _l("查看门店报表"),
            "reports.targets": _l("设置销售目标与预测参数"),
            "reports.export": _l("导出报表"),
            "reports.own": _l("查看本人业绩与目标"),
            "reports.care": _l("查看客户关怀与市场报表"),
        },
        grants={
            # managers hold what they grant: a store manager may only give roles within their own powers
            **{
                role: ("reports.view", "reports.targets", "reports.export", "reports.own", "reports.care")
                for role in _MANAGERS
            },
            "sales_consultant": ("reports.own",),
            "marketing": ("reports.care",),
        },
        reads=("reports.view", "reports.export", "reports.own", "reports.care"),
        records={"sales_targets": _l("销售目标")},
        menu=(
            MenuEntry("reports.funnel", _l("销售报表"), "reports.view", "📊", _l("报表"), order=180),
            MenuEntry("reports.stores", _l("门店对比"), "reports.group", "🏆", _l("报表"), order=190),
            MenuEntry("reports.customers", _l("客户报表"), "reports.view", "👥", _l("报表"), order=191),
            MenuEntry("reports.stock", _l("库存报表"), "reports.view", "🚗", _l("报表"), order=192),
            MenuEntry("reports.aftersales", _l("售后报表"), "reports.view", "🔧", _l("报表"), order=193),
            MenuEntry("reports.care", _l("关怀与市场报表"), "reports.care", "💬", _l("报表"), order=194),
        ),
        settings=(settings.FORECAST_SECTION,),
        job_labels={
            "reports.refresh_customer_stats": _l("汇总客户报表数据"),
            "reports.refresh_service_stats": _l("汇总售后产值数据"),
            "reports.refresh_visit_stats": _l("汇总来店数据"),
            "reports.build_section": _l("生成报表（数据量大）"),
        },
    )
)

from . import demo, jobs, models, role_tiles, section_jobs, section_views, tiles, views  # noqa: E402,F401
