"""The part master (the group's) and a store's stock settings of it; the store's suppliers."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ... import audit, tenancy
from ...domain import flush_or_stale
from ...extensions import db
from ...validation import bounded_id
from ..models import CATEGORIES, QZERO, UNITS, Part, PartStock, Supplier
from . import stock as stock_service
from .rules import PartsError, PartsStale, money, quantity

MASTER_FIELDS = ("name", "category", "unit", "compatible_models", "barcode")
STOCK_FIELDS = ("reorder_point", "maximum", "bin", "sale_price", "supplier_id")


def _clean_code(value: Any) -> str:
    code = "".join((value or "").split()).upper()[:40]
    if not code:
        raise PartsError(_("请填写配件编码。"), "code")
    return code


def _clean_master(data: dict[str, Any]) -> dict[str, Any]:
    name = (data.get("name") or "").strip()[:120]
    if not name:
        raise PartsError(_("请填写配件名称。"), "name")
    category = data.get("category") or ""
    if category not in CATEGORIES:
        raise PartsError(_("请选择类别。"), "category")
    unit = data.get("unit") or ""
    if unit not in UNITS:
        raise PartsError(_("请选择单位。"), "unit")
    barcode = "".join((data.get("barcode") or "").split()).upper()[:40] or None
    return {
        "name": name,
        "category": category,
        "unit": unit,
        "compatible_models": (data.get("compatible_models") or "").strip()[:200],
        "barcode": barcode,
    }


def _clean_stock(data: dict[str, Any]) -> dict[str, Any]:
    reorder = quantity(data.get("reorder_point") or 0, "reorder_point", allow_zero=True)
    maximum = quantity(data.get("maximum") or 0, "maximum", allow_zero=True)
    if maximum and maximum < reorder:
        raise PartsError(_("最高库存不能低于补货点。"), "maximum")
    supplier_id = bounded_id(data.get("supplier_id")) if data.get("supplier_id") not in (None, "", 0, "0") else None
    if supplier_id is not None and tenancy.get_or_none(Supplier, supplier_id) is None:
        raise PartsError(_("请选择本店的供应商。"), "supplier_id")
    return {
        "reorder_point": reorder,
        "maximum": maximum,
        "bin": (data.get("bin") or "").strip().upper()[:20],
        "sale_price": money(data.get("sale_price"), "sale_price"),
        "supplier_id": supplier_id,
    }


def create_part(data: dict[str, Any]) -> PartStock:
    """A part for the store: a new code joins the group's master; a code the group already
    has gets this store's stock row (its master data is kept). Starts at zero on hand: stock
    arrives by receipts, transfers or a stocktake."""
    tenancy.writable_store()
    code = _clean_code(data.get("code"))
    master = _clean_master(data)
    values = _clean_stock(data)
    part = db.session.execute(select(Part).where(Part.code == code)).scalar_one_or_none()
    if part is None:
        if master["barcode"] and db.session.execute(select(Part.id).where(Part.barcode == master["barcode"])).first():
            raise PartsError(_("条码 %(b)s 已用于其他配件。", b=master["barcode"]), "barcode")
        part = Part(code=code, **master)
        db.session.add(part)
        db.session.flush()
        audit.record("create", part, after=audit.snapshot(part), summary=code)
    elif db.session.execute(select(PartStock.id).where(PartStock.part_id == part.id)).first():
        raise PartsError(_("本店已有配件 %(c)s。", c=code), "code")
    stock = PartStock(part_id=part.id, on_hand=QZERO, reserved=QZERO, **values)
    stock_service.refresh_flags(stock)
    db.session.add(stock)
    db.session.flush()
    audit.record("create", stock, after=audit.snapshot(stock), summary=code)
    return stock


def update_part(part_stock_id: Any, version: Any, data: dict[str, Any]) -> PartStock:
    """Edit the master data (the group's, seen by every store) and this store's settings."""
    tenancy.writable_store()
    stock = stock_service.get_stock(part_stock_id)
    if str(version) != str(stock.version):
        raise PartsStale()
    master = _clean_master(data)
    values = _clean_stock(data)
    part = stock.part
    if (
        master["barcode"]
        and db.session.execute(select(Part.id).where(Part.barcode == master["barcode"], Part.id != part.id)).first()
    ):
        raise PartsError(_("条码 %(b)s 已用于其他配件。", b=master["barcode"]), "barcode")
    before_part, before_stock = audit.snapshot(part, MASTER_FIELDS), audit.snapshot(stock, STOCK_FIELDS)
    for key, value in master.items():
        setattr(part, key, value)
    for key, value in values.items():
        setattr(stock, key, value)
    stock_service.refresh_flags(stock)
    flush_or_stale(PartsStale)
    audit.record("update", part, before=before_part, after=audit.snapshot(part, MASTER_FIELDS), summary=part.code)
    audit.record("update", stock, before=before_stock, after=audit.snapshot(stock, STOCK_FIELDS), summary=part.code)
    return stock


# --------------------------------------------------------------------------- suppliers


def suppliers(active_only: bool = False, limit: int = 200) -> list[Supplier]:
    stmt = select(Supplier).order_by(Supplier.name, Supplier.id).limit(limit)
    if active_only:
        stmt = stmt.where(Supplier.is_active.is_(True))
    return list(db.session.execute(stmt).scalars())


def get_supplier(supplier_id: Any) -> Supplier:
    return tenancy.get_or_404(Supplier, supplier_id)


def _clean_supplier(data: dict[str, Any]) -> dict[str, Any]:
    name = (data.get("name") or "").strip()[:120]
    if not name:
        raise PartsError(_("请填写供应商名称。"), "name")
    lead = data.get("lead_days")
    lead = 3 if lead in (None, "") else int(lead)
    if not 0 <= lead <= 365:
        raise PartsError(_("到货天数需在 0 到 365 之间。"), "lead_days")
    return {
        "name": name,
        "contact": (data.get("contact") or "").strip()[:60],
        "phone": (data.get("phone") or "").strip()[:30],
        "lead_days": lead,
        "is_active": bool(data.get("is_active", True)),
    }


def save_supplier(supplier_id: Any, data: dict[str, Any]) -> Supplier:
    """Create (``supplier_id`` None) or edit a supplier; names are unique in the store."""
    tenancy.writable_store()
    values = _clean_supplier(data)
    supplier = get_supplier(supplier_id) if supplier_id is not None else None
    clash = db.session.execute(select(Supplier.id).where(Supplier.name == values["name"])).scalar()
    if clash is not None and (supplier is None or clash != supplier.id):
        raise PartsError(_("已有同名供应商。"), "name")
    if supplier is None:
        supplier = Supplier(**values)
        db.session.add(supplier)
        db.session.flush()
        audit.record("create", supplier, after=audit.snapshot(supplier), summary=supplier.name)
        return supplier
    before = audit.snapshot(supplier, list(values))
    for key, value in values.items():
        setattr(supplier, key, value)
    db.session.flush()
    audit.record("update", supplier, before=before, after=audit.snapshot(supplier, list(values)), summary=supplier.name)
    return supplier


# --------------------------------------------------------------------------- imports


def supplier_page(*, active: bool | None = None, after: str | None = None, size: int = 200):
    """The store's suppliers by name, keyset-paged (the export reads every page)."""
    from ... import pagination

    stmt = select(Supplier)
    if active is not None:
        stmt = stmt.where(Supplier.is_active.is_(active))
    return pagination.keyset_page(stmt, pagination.Sort("name", (Supplier.name, Supplier.id)), after, size)


def import_supplier(data: dict[str, Any]) -> str:
    """One supplier of a file from the old system, matched by name in the store: "created",
    or "updated" with only the values the file gives (an empty value keeps the stored one)."""
    tenancy.writable_store()
    name = (data.get("name") or "").strip()[:120]
    existing = db.session.execute(select(Supplier).where(Supplier.name == name)).scalar_one_or_none() if name else None
    given = {k: v for k, v in data.items() if v not in (None, "")}
    if existing is None:
        save_supplier(None, given)
        return "created"
    stored = {k: getattr(existing, k) for k in ("name", "contact", "phone", "lead_days", "is_active")}
    save_supplier(existing.id, stored | given)
    return "updated"


def import_part(data: dict[str, Any]) -> str:
    """One part of a file from the old system, matched by part code: the store's stock row
    of that code is updated (only the values the file gives), else the part is created (a
    code the group already has gets this store's stock row). ``supplier`` names one of the
    store's suppliers; ``on_hand`` and ``average_cost`` are the counted opening balance (an
    adjustment movement through the stock service). Returns "created" or "updated"."""
    tenancy.writable_store()
    code = _clean_code(data.get("code"))
    given = {k: v for k, v in data.items() if v not in (None, "")}
    supplier_name = given.pop("supplier", None)
    if supplier_name:
        supplier_id = db.session.execute(select(Supplier.id).where(Supplier.name == supplier_name)).scalar()
        if supplier_id is None:
            raise PartsError(_("本店没有名为“%(name)s”的供应商，请先导入供应商。", name=supplier_name[:60]), "supplier")
        given["supplier_id"] = supplier_id
    on_hand, average_cost = given.pop("on_hand", None), given.pop("average_cost", None)
    if on_hand is not None:
        on_hand = quantity(on_hand, "on_hand", allow_zero=True)
    if average_cost is not None:
        average_cost = money(average_cost, "average_cost")
    row = db.session.execute(
        select(PartStock).join(Part, Part.id == PartStock.part_id).where(Part.code == code)
    ).scalar_one_or_none()
    if row is None:
        part = db.session.execute(select(Part).where(Part.code == code)).scalar_one_or_none()
        master = (
            {k: getattr(part, k) for k in MASTER_FIELDS} if part is not None else {"category": "other", "unit": "pc"}
        )
        stock = create_part(master | given | {"code": code})
        outcome = "created"
    else:
        stored = {k: getattr(row.part, k) for k in MASTER_FIELDS} | {k: getattr(row, k) for k in STOCK_FIELDS}
        stock = update_part(row.id, row.version, stored | given)
        outcome = "updated"
    if on_hand is not None or average_cost is not None:
        stock_service.set_opening_balance(stock.id, on_hand, average_cost, _("导入期初库存"))
    return outcome
