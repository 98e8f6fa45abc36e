"""service module (售后): labour catalogue, appointments, repair orders, the workshop board
and the technician's phone view."""

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from . import settings

bp = Blueprint("service", __name__, url_prefix="/service")

#: what running the service side of a store takes
_ALL = (
    "service.view",
    "service.history",
    "service.appointment",
    "service.ro",
    "service.work",
    "service.qc",
    "service.settle",
    "service.catalogue",
    "service.settings",
)

MODULE = registry.declare(
    registry.ModuleSpec(
        "service",
        permissions={
            "service.view": _l("查看售后业务"),
            "service.history": _l("查看客户维修记录"),
            "service.appointment": _l("售后预约"),
            "service.ro": _l("维修工单接待"),
            "service.work": _l("技师施工"),
            "service.qc": _l("维修质检"),
            "service.settle": _l("维修结算收款"),
            "service.catalogue": _l("维护工时目录与套餐"),
            "service.settings": _l("售后设置"),
        },
        grants={
            "group_manager": _ALL,
            "store_manager": tuple(p for p in _ALL if p != "service.catalogue"),
            "service_advisor": (
                "service.view",
                "service.history",
                "service.appointment",
                "service.ro",
                "service.qc",
                "service.settle",
            ),
            "technician": ("service.view", "service.history", "service.work", "service.qc"),
            "sales_manager": ("service.view", "service.history"),
            "finance_clerk": ("service.view", "service.history", "service.settle"),
            # consultants and the front desk see a customer's service history, read-only
            "sales_consultant": ("service.history",),
            "receptionist": ("service.history",),
            "care_agent": ("service.view", "service.history"),
        },
        reads=("service.view", "service.history"),
        records={
            "repair_orders": _l("维修工单"),
            "repair_order_lines": _l("维修项目"),
            "service_payments": _l("维修收款"),
            "service_appointments": _l("售后预约"),
            "labour_operations": _l("工时项目"),
            "service_packages": _l("保养套餐"),
        },
        menu=(
            MenuEntry("service.board", _l("车间看板"), "service.view", "🛠", _l("售后"), order=80),
            MenuEntry("service.my_work", _l("我的派工"), "service.work", "🔧", _l("售后"), order=81),
            MenuEntry("service.appointment_day", _l("售后预约"), "service.view", "📅", _l("售后"), order=82),
            MenuEntry("service.repair_order_list", _l("维修工单"), "service.view", "📋", _l("售后"), order=83),
            MenuEntry("service.catalogue", _l("工时目录"), "service.view", "📚", _l("售后"), order=84),
        ),
        settings=(settings.WORKSHOP_SECTION, settings.INTERVAL_SECTION, settings.LABOUR_RATE_SECTION),
        job_labels={"service.sweep_photo_files": _l("清理无主的环车照片文件")},
    )
)

from . import jobs, models, tiles, timeline, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    from .models import (
        APPOINTMENT_STATUSES,
        BODY_AREAS,
        CATEGORIES,
        FUEL_LEVELS,
        LINE_STATUSES,
        PAYERS,
        PAYMENT_METHODS,
        RO_STATUSES,
    )

    app.jinja_env.globals.update(
        service_categories=CATEGORIES,
        service_body_areas=BODY_AREAS,
        service_payers=PAYERS,
        service_fuel_levels=FUEL_LEVELS,
        service_ro_statuses=RO_STATUSES,
        service_line_statuses=LINE_STATUSES,
        service_appointment_statuses=APPOINTMENT_STATUSES,
        service_payment_methods=PAYMENT_METHODS,
    )
