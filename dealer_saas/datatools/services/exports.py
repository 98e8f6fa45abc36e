"""Exports of customers' cars, visits, follow-up cards, stock, parts and suppliers (those two
in ``parts_exports``), with the filters their lists take, through the one safe writer
(``dealer_saas.xlsx``), audit-logged with the filters and the number of rows (the customers
export lives in the customers module).

Rows are read page by page through the owning module's own list function (the list's
filters, order and visibility rule exactly), at most EXPORT_LIMIT rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ... import audit, tenancy, xlsx
from ...domain import DomainError
from ...extensions import db
from ...formatting import mask_phone
from ...tenancy import Store
from ...timeutil import local
from ...validation import bounded_id

EXPORT_LIMIT = 50_000
PAGE = 1000


class ExportError(DomainError):
    """Too many rows, or nothing to export."""


@dataclass(frozen=True)
class Exporter:
    entity: str
    label: Any
    permission: str
    #: the list's filter values read from the posted form (unknown names ignored)
    filters: Callable[[Mapping[str, Any]], dict[str, Any]]
    #: (filters, after) -> (rows, next token)
    page: Callable[[dict[str, Any], str | None], tuple[list[Any], str | None]]
    headers: tuple[Any, ...]
    #: (row, stores, tz) -> cells
    cells: Callable[[Any, dict[int, str], str | None], list[Any]]
    #: the list's status choices (the export form's "状态")
    statuses: Callable[[], Mapping[str, Any]] = lambda: {}


EXPORTERS: dict[str, Exporter] = {}


def register(exporter: Exporter) -> None:
    EXPORTERS[exporter.entity] = exporter


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None


def _phone(customer: Any) -> str:
    if customer is None or not customer.mobile:
        return ""
    from ...customers.services import can_see_full_mobile

    return customer.mobile if can_see_full_mobile(customer) else mask_phone(customer.mobile)


def _when(value: dt.datetime | None, tz: str | None) -> dt.datetime | None:
    return local(value, tz).replace(tzinfo=None) if value else None


# --------------------------------------------------------------------------- visits


def _visit_filters(form: Mapping[str, Any]) -> dict[str, Any]:
    from ...leads.models import VISIT_KINDS

    kind = form.get("kind") or form.get("status") or ""
    return {
        "date_from": _day(form.get("date_from")),
        "date_to": _day(form.get("date_to")),
        "consultant_id": bounded_id(form.get("consultant_id")),
        "kind": kind if kind in VISIT_KINDS else "",
        "no_contact": form.get("no_contact") in ("1", "on", "true", "y"),
    }


def _visit_page(filters: dict[str, Any], after: str | None):
    from ...leads.services.visits import list_visits

    page = list_visits(filters, after, size=PAGE)
    return page.items, page.next_token


def _visit_cells(v: Any, stores: dict[int, str], tz: str | None) -> list[Any]:
    from ...leads.models import VISIT_KINDS

    return [
        stores.get(v.store_id, ""),
        _when(v.time_in, tz),
        _when(v.time_out, tz),
        str(VISIT_KINDS.get(v.kind, v.kind)),
        v.customer.name if v.customer else v.visitor_name,
        _phone(v.customer),
        v.party_size,
        v.intended_model,
        v.consultant.name if v.consultant else "",
        v.source,
        v.summary,
    ]


def _visit_statuses():
    from ...leads.models import VISIT_KINDS

    return VISIT_KINDS


register(
    Exporter(
        "visits",
        _l("来店/来电登记"),
        "visits.view",
        _visit_filters,
        _visit_page,
        (
            _l("门店"),
            _l("到店时间"),
            _l("离店时间"),
            _l("类型"),
            _l("姓名"),
            _l("手机号"),
            _l("人数"),
            _l("意向车型"),
            _l("接待顾问"),
            _l("来源"),
            _l("接待摘要"),
        ),
        _visit_cells,
        _visit_statuses,
    )
)


# --------------------------------------------------------------------------- cards


def _card_filters(form: Mapping[str, Any]) -> dict[str, Any]:
    from ...leads.models import CARD_STATUSES, INTENT_LEVELS

    status = form.get("status") or "open"
    return {
        "status": status if status in CARD_STATUSES else "open",
        "level": form.get("level") if form.get("level") in INTENT_LEVELS else "",
        "consultant_id": bounded_id(form.get("consultant_id")),
        "overdue": form.get("overdue") in ("1", "on", "true", "y"),
        "sort": "new",
    }


def _card_page(filters: dict[str, Any], after: str | None):
    from ...leads.services.cards import list_cards

    page = list_cards(filters, after, size=PAGE)
    return page.items, page.next_token


def _card_cells(c: Any, stores: dict[int, str], tz: str | None) -> list[Any]:
    from ...leads.models import CARD_STATUSES

    return [
        stores.get(c.store_id, ""),
        c.customer.name if c.customer else "",
        _phone(c.customer),
        c.level,
        str(CARD_STATUSES.get(c.status, c.status)),
        c.intended_model,
        c.budget,
        c.next_contact_on,
        c.consultant.name if c.consultant else "",
        _when(c.created_at, tz),
    ]


def _card_statuses():
    from ...leads.models import CARD_STATUSES

    return CARD_STATUSES


register(
    Exporter(
        "cards",
        _l("意向跟进卡"),
        "cards.view",
        _card_filters,
        _card_page,
        (
            _l("门店"),
            _l("客户"),
            _l("手机号"),
            _l("意向级别"),
            _l("状态"),
            _l("意向车型"),
            _l("预算"),
            _l("下次跟进"),
            _l("销售顾问"),
            _l("创建时间"),
        ),
        _card_cells,
        _card_statuses,
    )
)


# --------------------------------------------------------------------------- stock


def _stock_filters(form: Mapping[str, Any]) -> dict[str, Any]:
    from ...inventory.services.stock import StockQuery

    args = dict(form)
    if not args.get("state") and args.get("status"):
        args["state"] = args["status"]
    query = StockQuery.from_args(args)
    return {"query": query, "params": query.params()}


def _stock_page(filters: dict[str, Any], after: str | None):
    from ...inventory.services.stock import list_stock

    page, _today = list_stock(filters["query"], after, size=PAGE)
    return page.items, page.next_token


def _stock_cells(s: Any, stores: dict[int, str], tz: str | None) -> list[Any]:
    from ...inventory.models import STOCK_STATES

    model = s.vehicle_model
    return [
        stores.get(s.store_id, ""),
        s.vin,
        model.code if model else "",
        " ".join(p for p in (model.brand, model.series, model.trim) if p) if model else "",
        s.colour,
        s.interior_colour,
        str(STOCK_STATES.get(s.state, s.state)),
        s.production_date,
        s.arrival_date,
        s.cost,
        s.location,
        s.plate,
        _("是") if s.is_demo else _("否"),
    ]


def _stock_statuses():
    from ...inventory.models import STOCK_STATES

    return STOCK_STATES


register(
    Exporter(
        "stock",
        _l("整车库存"),
        "inventory.view",
        _stock_filters,
        _stock_page,
        (
            _l("门店"),
            _l("车架号"),
            _l("车型代码"),
            _l("车型"),
            _l("外观颜色"),
            _l("内饰颜色"),
            _l("状态"),
            _l("生产日期"),
            _l("到店日期"),
            _l("成本"),
            _l("库位"),
            _l("车牌号"),
            _l("试驾车"),
        ),
        _stock_cells,
        _stock_statuses,
    )
)


# --------------------------------------------------------------------------- customers' cars


def _vehicle_filters(form: Mapping[str, Any]) -> dict[str, Any]:
    return {"brand": str(form.get("brand") or "").strip()[:40]}


def _vehicle_page(filters: dict[str, Any], after: str | None):
    """Cars whose owner the user may see (the customers visibility rule), by id."""
    from sqlalchemy.orm import joinedload

    from ...customers.models import Customer, CustomerVehicle
    from ...customers.services import visible_customers

    owners = visible_customers().with_only_columns(Customer.id)
    stmt = (
        select(CustomerVehicle)
        .where(CustomerVehicle.owner_id.in_(owners))
        .options(joinedload(CustomerVehicle.owner))
        .order_by(CustomerVehicle.id)
        .limit(PAGE + 1)
    )
    if filters.get("brand"):
        stmt = stmt.where(CustomerVehicle.brand == filters["brand"])
    start = bounded_id(after)
    if start:
        stmt = stmt.where(CustomerVehicle.id > start)
    rows = list(db.session.execute(stmt).scalars())
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return rows, (str(rows[-1].id) if more and rows else None)


def _vehicle_cells(v: Any, stores: dict[int, str], tz: str | None) -> list[Any]:
    return [
        stores.get(v.store_id, ""),
        v.owner.name if v.owner else "",
        _phone(v.owner),
        v.vin,
        v.plate,
        v.brand,
        v.model,
        v.trim,
        v.colour,
        v.purchase_date,
        v.mileage,
        v.insurance_expiry,
        v.next_service_date,
    ]


register(
    Exporter(
        "vehicles",
        _l("客户车辆"),
        "customers.view",
        _vehicle_filters,
        _vehicle_page,
        (
            _l("门店"),
            _l("车主"),
            _l("车主手机号"),
            _l("车架号"),
            _l("车牌号"),
            _l("品牌"),
            _l("车型"),
            _l("配置"),
            _l("颜色"),
            _l("购车日期"),
            _l("里程"),
            _l("保险到期"),
            _l("下次保养日期"),
        ),
        _vehicle_cells,
    )
)


def may_export(exporter: Exporter) -> bool:
    ctx = tenancy.current()
    return ctx.can("admin.export") and ctx.can(exporter.permission)


def export(entity: str, form: Mapping[str, Any], *, tz: str | None) -> tuple[bytes, int]:
    """The rows of ``entity`` the user may see under the list's filters, as .xlsx, and how
    many. Audit-logged. ExportError past EXPORT_LIMIT rows."""
    exporter = EXPORTERS.get(entity)
    if exporter is None or not may_export(exporter):
        raise ExportError(_("没有导出该类数据的权限。"), "entity")
    filters = exporter.filters(form)
    pages: list[list[Any]] = []
    after: str | None = None
    count = 0
    while True:
        rows, after = exporter.page(filters, after)
        pages.append(rows)
        count += len(rows)
        if count > EXPORT_LIMIT:
            raise ExportError(_("符合条件的记录超过 %(n)s 条，请缩小筛选范围后再导出。", n=f"{EXPORT_LIMIT:,}"))
        if not after:
            break
    ctx = tenancy.current()
    stores = dict(db.session.execute(select(Store.id, Store.name).where(Store.org_id == ctx.org_id)).all())

    def lines() -> Iterator[list[Any]]:
        yield [str(h) for h in exporter.headers]
        for rows in pages:
            for row in rows:
                yield exporter.cells(row, stores, tz)

    content = xlsx.xlsx_bytes(lines(), title=str(exporter.label))
    shown = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in filters.items() if k != "query" and v}
    audit.record(
        "export",
        entity,
        summary=_("导出%(what)s %(n)s 条", what=exporter.label, n=count),
        after={"filters": shown, "rows": count},
    )
    return content, count


def file_name(entity: str, today: dt.date) -> str:
    return f"{entity}-{today:%Y%m%d}.xlsx"


# the other modules' exporters (registered after the ones above, in the export form's order)
from . import parts_exports  # noqa: E402,F401
