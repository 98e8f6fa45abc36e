"""The group's labour catalogue (operations with standard hours), its packages, and the
store's labour rate per category."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import audit, tenancy
from ...extensions import db
from .. import settings
from ..models import BODY_AREAS, CATEGORIES, LabourOperation, ServicePackage, ServicePackageItem
from .rules import ServiceError, hours, money

MAX_PACKAGE_ITEMS = 30


def operations(*, category: str | None = None, q: str = "", active_only: bool = False) -> list[LabourOperation]:
    """The organisation's operations, by category then code (a few hundred at most)."""
    stmt = select(LabourOperation)
    if category in CATEGORIES:
        stmt = stmt.where(LabourOperation.category == category)
    if active_only:
        stmt = stmt.where(LabourOperation.is_active.is_(True))
    q = (q or "").strip()[:40]
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(LabourOperation.code.ilike(pattern, escape="\\"), LabourOperation.name.ilike(pattern, escape="\\"))
        )
    return list(db.session.execute(stmt.order_by(LabourOperation.category, LabourOperation.code)).scalars())


def packages(active_only: bool = False) -> list[ServicePackage]:
    stmt = select(ServicePackage).options(selectinload(ServicePackage.items).joinedload(ServicePackageItem.operation))
    if active_only:
        stmt = stmt.where(ServicePackage.is_active.is_(True))
    return list(db.session.execute(stmt.order_by(ServicePackage.code)).scalars())


def line_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The active operations and packages as form choices (value, label), both in one
    statement (``UNION ALL``): the RO page's forms to add work."""
    ops = select(
        sa.literal("o").label("kind"),
        LabourOperation.id,
        LabourOperation.code,
        LabourOperation.name,
        LabourOperation.standard_hours.label("figure"),
        LabourOperation.category.label("sort"),
    ).where(LabourOperation.is_active.is_(True))
    pkgs = select(
        sa.literal("p").label("kind"),
        ServicePackage.id,
        ServicePackage.code,
        ServicePackage.name,
        ServicePackage.price.label("figure"),
        sa.literal("").label("sort"),
    ).where(ServicePackage.is_active.is_(True))
    both = sa.union_all(ops, pkgs).subquery()
    rows = db.session.execute(select(both).order_by(both.c.kind, both.c.sort, both.c.code)).all()
    operations = [(str(r.id), f"{r.code} {r.name}（{r.figure}h）") for r in rows if r.kind == "o"]
    packages = [(str(r.id), f"{r.code} {r.name}（¥{r.figure:,.2f}）") for r in rows if r.kind == "p"]
    return operations, packages


def get_operation(labour_operation_id: Any) -> LabourOperation:
    return tenancy.get_or_404(LabourOperation, labour_operation_id)


def get_package(service_package_id: Any) -> ServicePackage:
    return tenancy.get_or_404(ServicePackage, service_package_id)


def _clean_operation(data: dict[str, Any]) -> dict[str, Any]:
    code = (data.get("code") or "").strip().upper()
    name = (data.get("name") or "").strip()
    if not code:
        raise ServiceError(_("请填写工时代码。"), "code")
    if not name:
        raise ServiceError(_("请填写项目名称。"), "name")
    if data.get("category") not in CATEGORIES:
        raise ServiceError(_("请选择类别。"), "category")
    if data.get("body_area") not in BODY_AREAS:
        raise ServiceError(_("请选择部位。"), "body_area")
    return {
        "code": code[:30],
        "name": name[:120],
        "category": data["category"],
        "body_area": data["body_area"],
        "applicable_models": (data.get("applicable_models") or "").strip()[:200],
        "standard_hours": hours(data.get("standard_hours"), "standard_hours"),
        "is_active": bool(data.get("is_active", True)),
    }


def _code_free(model: Any, code: str, own_id: int | None) -> None:
    stmt = select(model.id).where(model.code == code)
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    if db.session.execute(stmt.limit(1)).scalar() is not None:
        raise ServiceError(_("代码 %(c)s 已存在。", c=code), "code")


def create_operation(data: dict[str, Any]) -> LabourOperation:
    """A new operation of the group's catalogue; codes are unique in the organisation."""
    values = _clean_operation(data)
    _code_free(LabourOperation, values["code"], None)
    operation = LabourOperation(**values)
    db.session.add(operation)
    db.session.flush()
    audit.record("create", operation, after=audit.snapshot(operation), summary=operation.code)
    return operation


def update_operation(labour_operation_id: Any, data: dict[str, Any]) -> LabourOperation:
    """Edit an operation; lines already on repair orders keep their hours and price."""
    operation = get_operation(labour_operation_id)
    values = _clean_operation(data)
    _code_free(LabourOperation, values["code"], operation.id)
    before = audit.snapshot(operation)
    for key, value in values.items():
        setattr(operation, key, value)
    db.session.flush()
    audit.record("update", operation, before=before, after=audit.snapshot(operation), summary=operation.code)
    return operation


def _clean_package(data: dict[str, Any]) -> tuple[dict[str, Any], list[LabourOperation]]:
    code = (data.get("code") or "").strip().upper()
    name = (data.get("name") or "").strip()
    if not code:
        raise ServiceError(_("请填写套餐代码。"), "code")
    if not name:
        raise ServiceError(_("请填写套餐名称。"), "name")
    if data.get("category") not in CATEGORIES:
        raise ServiceError(_("请选择类别。"), "category")
    price = money(data.get("price"), "price")
    if price <= 0:
        raise ServiceError(_("套餐价格须大于 0。"), "price")
    ids = []
    for value in data.get("operation_ids") or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise ServiceError(_("请选择工时项目。"), "operation_ids") from None
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise ServiceError(_("套餐至少包含一个工时项目。"), "operation_ids")
    if len(ids) > MAX_PACKAGE_ITEMS:
        raise ServiceError(_("套餐最多包含 %(n)s 个项目。", n=MAX_PACKAGE_ITEMS), "operation_ids")
    found = list(db.session.execute(select(LabourOperation).where(LabourOperation.id.in_(ids))).scalars())
    if len(found) != len(ids):
        raise ServiceError(_("请选择工时项目。"), "operation_ids")
    values = {
        "code": code[:30],
        "name": name[:120],
        "category": data["category"],
        "price": price,
        "is_active": bool(data.get("is_active", True)),
    }
    return values, sorted(found, key=lambda o: ids.index(o.id))


def _set_items(package: ServicePackage, chosen: list[LabourOperation]) -> None:
    wanted = {o.id for o in chosen}
    for item in list(package.items):
        if item.operation_id not in wanted:
            package.items.remove(item)
    present = {item.operation_id for item in package.items}
    for operation in chosen:
        if operation.id not in present:
            package.items.append(ServicePackageItem(operation=operation))


def create_package(data: dict[str, Any]) -> ServicePackage:
    """A package of operations sold at one price (the 10 000 km service)."""
    values, chosen = _clean_package(data)
    _code_free(ServicePackage, values["code"], None)
    package = ServicePackage(**values)
    _set_items(package, chosen)
    db.session.add(package)
    db.session.flush()
    audit.record("create", package, after=audit.snapshot(package), summary=package.code)
    return package


def update_package(service_package_id: Any, data: dict[str, Any]) -> ServicePackage:
    package = get_package(service_package_id)
    values, chosen = _clean_package(data)
    _code_free(ServicePackage, values["code"], package.id)
    before = audit.snapshot(package)
    for key, value in values.items():
        setattr(package, key, value)
    _set_items(package, chosen)
    db.session.flush()
    audit.record("update", package, before=before, after=audit.snapshot(package), summary=package.code)
    return package


def rate_for(category: str) -> Decimal:
    """The active store's labour rate (yuan per hour) for a category."""
    return settings.labour_rates(tenancy.writable_store())[category]
