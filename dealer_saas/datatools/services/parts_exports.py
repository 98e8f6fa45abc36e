"""The parts module's exports: parts (with this store's stock) and suppliers, through the
parts module's own list functions (the lists' filters and order), registered with the
export machinery of ``exports``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .exports import PAGE, Exporter, register


def _part_filters(form: Mapping[str, Any]) -> dict[str, Any]:
    from ...parts.models import CATEGORIES

    category = form.get("category") or form.get("status") or ""
    return {"q": str(form.get("q") or "").strip()[:40], "category": category if category in CATEGORIES else ""}


def _part_page(filters: dict[str, Any], after: str | None):
    from ...parts.services.stock import stock_page

    page = stock_page(q=filters["q"], category=filters["category"] or None, after=after, size=PAGE)
    return page.items, page.next_token


def _part_cells(s: Any, stores: dict[int, str], tz: str | None) -> list[Any]:
    from ...parts.models import CATEGORIES, UNITS

    part = s.part
    return [
        stores.get(s.store_id, ""),
        part.code,
        part.name,
        str(CATEGORIES.get(part.category, part.category)),
        str(UNITS.get(part.unit, part.unit)),
        part.compatible_models,
        part.barcode or "",
        s.on_hand,
        s.reserved,
        s.reorder_point,
        s.maximum,
        s.bin,
        s.average_cost,
        s.sale_price,
        s.supplier.name if s.supplier else "",
    ]


def _part_statuses():
    from ...parts.models import CATEGORIES

    return CATEGORIES


register(
    Exporter(
        "parts",
        _l("配件"),
        "parts.view",
        _part_filters,
        _part_page,
        (
            _l("门店"),
            _l("配件编码"),
            _l("配件名称"),
            _l("类别"),
            _l("单位"),
            _l("适用车型"),
            _l("条码"),
            _l("库存数量"),
            _l("已预留"),
            _l("补货点"),
            _l("最高库存"),
            _l("库位"),
            _l("平均成本"),
            _l("销售价"),
            _l("供应商"),
        ),
        _part_cells,
        _part_statuses,
    )
)

SUPPLIER_STATES = {"active": _l("启用"), "inactive": _l("停用")}


def _supplier_filters(form: Mapping[str, Any]) -> dict[str, Any]:
    state = form.get("status") or ""
    return {"status": state if state in SUPPLIER_STATES else ""}


def _supplier_page(filters: dict[str, Any], after: str | None):
    from ...parts.services.catalogue import supplier_page

    active = {"active": True, "inactive": False}.get(filters["status"])
    page = supplier_page(active=active, after=after, size=PAGE)
    return page.items, page.next_token


def _supplier_cells(s: Any, stores: dict[int, str], tz: str | None) -> list[Any]:
    return [
        stores.get(s.store_id, ""),
        s.name,
        s.contact,
        s.phone,
        s.lead_days,
        _("是") if s.is_active else _("否"),
    ]


register(
    Exporter(
        "suppliers",
        _l("配件供应商"),
        "parts.purchase",
        _supplier_filters,
        _supplier_page,
        (_l("门店"), _l("供应商名称"), _l("联系人"), _l("电话"), _l("到货天数"), _l("启用")),
        _supplier_cells,
        lambda: SUPPLIER_STATES,
    )
)
