"""The group's model catalogue (brands, series, trims, list prices, colours; codes unique
in the group) and each store's minimum stock per model, with the dashboard's view of
models below their minimum."""

from __future__ import annotations

import decimal
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ... import audit, pagination, tenancy
from ...extensions import db
from ..models import ModelStockMinimum, StockVehicle, VehicleModel
from .errors import InventoryError

# --------------------------------------------------------------------------- catalogue


MODEL_FIELDS = ("code", "brand", "series", "trim", "model_year", "list_price", "colours", "is_active", "is_new_energy")


def _clean_colours(value: str | None) -> str:
    parts = [p.strip() for p in (value or "").replace("，", ",").replace("、", ",").split(",")]
    return ",".join(dict.fromkeys(p for p in parts if p))


def _model_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {
        "code": (data.get("code") or "").strip().upper(),
        "brand": (data.get("brand") or "").strip(),
        "series": (data.get("series") or "").strip(),
        "trim": (data.get("trim") or "").strip(),
        "model_year": data.get("model_year"),
        "list_price": data.get("list_price"),
        "colours": _clean_colours(data.get("colours")),
        "is_active": bool(data.get("is_active", True)),
        "is_new_energy": bool(data.get("is_new_energy", False)),
    }
    if not values["brand"]:
        raise InventoryError(_("请填写品牌。"), "brand")
    if not values["series"]:
        raise InventoryError(_("请填写车系。"), "series")
    if values["list_price"] is None or decimal.Decimal(values["list_price"]) < 0:
        raise InventoryError(_("指导价不能为负数。"), "list_price")
    return values


def _check_model_code(code: str, exclude_id: int | None = None) -> None:
    stmt = select(VehicleModel.id).where(VehicleModel.code == code)
    if exclude_id is not None:
        stmt = stmt.where(VehicleModel.id != exclude_id)
    if db.session.execute(stmt.limit(1)).scalar() is not None:
        raise InventoryError(_("车型编码“%(code)s”已存在。", code=code), "code")


def create_model(data: dict[str, Any]) -> VehicleModel:
    """Add a model to the group's catalogue; the code is unique in the group. Raises InventoryError."""
    values = _model_values(data)
    if not values["code"]:
        values["code"] = "M" + uuid.uuid4().hex[:8].upper()
    _check_model_code(values["code"])
    model = VehicleModel(**values)
    _flush_model(lambda: db.session.add(model))
    audit.record("create", model, after=audit.snapshot(model), summary=model.label)
    return model


def update_model(vehicle_model_id: int, data: dict[str, Any]) -> VehicleModel:
    """Change a catalogue model (prices, colours, active). Raises InventoryError."""
    model = tenancy.get_or_404(VehicleModel, vehicle_model_id)
    values = _model_values(data)
    values["code"] = values["code"] or model.code
    _check_model_code(values["code"], exclude_id=model.id)
    before = audit.snapshot(model)

    def apply() -> None:
        for key, value in values.items():
            setattr(model, key, value)

    _flush_model(apply)
    audit.record("update", model, before=before, after=audit.snapshot(model), summary=model.label)
    return model


def _flush_model(apply) -> None:
    try:
        with db.session.begin_nested():
            apply()
            db.session.flush()
    except IntegrityError:
        raise InventoryError(_("车型编码已存在。"), "code") from None


def active_models() -> list[VehicleModel]:
    """The group's active catalogue (a select's choices), by brand and series."""
    return list(
        db.session.execute(
            select(VehicleModel)
            .where(VehicleModel.is_active.is_(True))
            .order_by(VehicleModel.brand, VehicleModel.series, VehicleModel.trim, VehicleModel.id)
        ).scalars()
    )


MODEL_SORT = pagination.Sort("brand", (VehicleModel.brand, VehicleModel.series, VehicleModel.id))


def list_models(after: str | None, size: int = 50, *, include_inactive: bool = True) -> pagination.Page:
    """One page of the group's catalogue, by brand and series."""
    stmt = select(VehicleModel)
    if not include_inactive:
        stmt = stmt.where(VehicleModel.is_active.is_(True))
    return pagination.keyset_page(stmt, MODEL_SORT, after, size)


# --------------------------------------------------------------------------- minimums


@dataclass
class MinimumRow:
    model: VehicleModel
    min_quantity: int
    in_stock: int

    @property
    def is_below(self) -> bool:
        return self.min_quantity > 0 and self.in_stock < self.min_quantity


def _in_stock_counts() -> dict[int, int]:
    return dict(
        db.session.execute(
            select(StockVehicle.model_id, func.count(StockVehicle.id))
            .where(StockVehicle.state == "in_stock", StockVehicle.is_demo.is_(False))
            .group_by(StockVehicle.model_id)
        ).all()
    )


def minimum_rows() -> list[MinimumRow]:
    """Every active model with the store's minimum and its sellable in-stock count."""
    minimums = dict(db.session.execute(select(ModelStockMinimum.model_id, ModelStockMinimum.min_quantity)).all())
    counts = _in_stock_counts()
    return [MinimumRow(m, minimums.get(m.id, 0), counts.get(m.id, 0)) for m in active_models()]


def set_minimums(values: dict[int, int]) -> int:
    """Set the store's minimum per model (0 removes it); all or nothing. Returns rows changed.
    Raises InventoryError."""
    for model_id, quantity in values.items():
        if quantity is None or quantity < 0 or quantity > 9999:
            raise InventoryError(_("最低库存应为 0 到 9999 的整数。"), f"min_{model_id}")
    known = set(db.session.execute(select(VehicleModel.id).where(VehicleModel.id.in_(list(values) or [-1]))).scalars())
    unknown = set(values) - known
    if unknown:
        raise InventoryError(_("车型不存在。"))
    existing = {m.model_id: m for m in db.session.execute(select(ModelStockMinimum)).scalars()}
    changed = 0
    for model_id, quantity in values.items():
        row = existing.get(model_id)
        if row is None and quantity > 0:
            row = ModelStockMinimum(model_id=model_id, min_quantity=quantity)
            db.session.add(row)
            db.session.flush()
            audit.record("create", row, after=audit.snapshot(row))
        elif row is not None and quantity == 0:
            audit.record("delete", row, before=audit.snapshot(row))
            db.session.delete(row)
        elif row is not None and row.min_quantity != quantity:
            before = audit.snapshot(row)
            row.min_quantity = quantity
            audit.record("update", row, before=before, after=audit.snapshot(row))
        else:
            continue
        changed += 1
    db.session.flush()
    return changed


def models_below_minimum_by_id() -> list[tuple[int, str, int, int]]:
    """(model id, model label, sellable in stock, minimum) for each model under its store
    minimum: one grouped query (per store, so the roll-up adds stores up correctly)."""
    sellable = sa.and_(
        StockVehicle.model_id == ModelStockMinimum.model_id,
        StockVehicle.store_id == ModelStockMinimum.store_id,
        StockVehicle.state == "in_stock",
        StockVehicle.is_demo.is_(False),
    )
    rows = db.session.execute(
        select(
            ModelStockMinimum.model_id,
            VehicleModel.brand,
            VehicleModel.series,
            VehicleModel.trim,
            ModelStockMinimum.min_quantity,
            func.count(StockVehicle.id),
        )
        .select_from(ModelStockMinimum)
        .join(VehicleModel, VehicleModel.id == ModelStockMinimum.model_id)
        .outerjoin(StockVehicle, sellable)
        .where(ModelStockMinimum.min_quantity > 0)
        .group_by(
            ModelStockMinimum.id,
            VehicleModel.brand,
            VehicleModel.series,
            VehicleModel.trim,
            ModelStockMinimum.min_quantity,
        )
        .having(func.count(StockVehicle.id) < ModelStockMinimum.min_quantity)
        .order_by(VehicleModel.series, VehicleModel.trim)
    ).all()
    return [
        (model_id, " ".join(p for p in (series, trim) if p), count, minimum)
        for model_id, _b, series, trim, minimum, count in rows
    ]


def models_below_minimum() -> list[tuple[str, int, int]]:
    """(model label, sellable in stock, minimum) for each model under its store minimum."""
    return [(label, count, minimum) for _id, label, count, minimum in models_below_minimum_by_id()]
