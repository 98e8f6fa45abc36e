"""Vehicle stock rules: states, allocation to orders (row-locked), transfers, minimums.

Allocation is the rule other modules rely on: a car goes to at most one live order. The
database enforces it (unique ``sales_orders.stock_vehicle_id``) and the service takes a row
lock on the car first, so two consultants allocating the same VIN at once cannot both win.

A transfer moves the car itself into the receiving store and writes one row per side
(``out`` in the sender, ``in`` in the receiver) with a shared reference, so each store sees
exactly its own side and the sender keeps the VIN on its row after the car has left.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from .. import audit, pagination, tenancy
from ..extensions import db
from ..tenancy import Store
from ..timeutil import local_today, utcnow
from ..validation import InvalidValue, normalise_plate, normalise_vin
from .models import STOCK_STATES, ModelStockMinimum, StockTransfer, StockVehicle, VehicleModel

#: allowed state changes of a stock vehicle
STOCK_TRANSITIONS = {
    "in_transit": {"in_stock"},
    "in_stock": {"allocated", "in_transit"},
    "allocated": {"in_stock", "delivered"},
    "delivered": set(),
}
#: states in which a car is on the store's books and ages
AGEING_STATES = ("in_stock", "allocated")
#: states shown by default and counted in the summary (delivered cars pile up forever)
LIVE_STATES = ("in_transit", "in_stock", "allocated")
#: ageing buckets: name -> (fewest days, most days or None)
AGEING_BUCKETS: dict[str, tuple[int, int | None]] = {
    "0-30": (0, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "90+": (91, None),
}
#: a car older than this is "aged stock" on the dashboard
AGED_AFTER_DAYS = 90


class InventoryError(Exception):
    """A stock rule refused the change; ``field`` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class VehicleUnavailable(InventoryError):
    """The car cannot be used for this (wrong state, demo car, other model); message is safe."""


class InvalidStockTransition(InventoryError):
    """A stock state change the table does not allow."""


class DuplicateVin(InventoryError):
    """The VIN is already registered in the group; ``existing_id`` is set when it is in this store."""

    def __init__(self, message: str, existing_id: int | None = None) -> None:
        super().__init__(message, field="vin")
        self.existing_id = existing_id


class StaleEdit(InventoryError):
    """Someone else saved the row since the form was loaded."""


# --------------------------------------------------------------------------- states


def lock_vehicle(stock_vehicle_id: int) -> StockVehicle:
    """The car, row-locked for the rest of the transaction (scoped to the store)."""
    vehicle = db.session.execute(
        select(StockVehicle).where(StockVehicle.id == stock_vehicle_id).with_for_update()
    ).scalar_one_or_none()
    if vehicle is None:
        raise VehicleUnavailable(_("找不到该车辆。"))
    return vehicle


def state_label(state: str) -> str:
    return str(STOCK_STATES.get(state, state))


def change_state(vehicle: StockVehicle, new_state: str, *, summary: str = "") -> None:
    """Move a car to ``new_state`` if the table allows it; audit-logged. Raises InvalidStockTransition."""
    if new_state not in STOCK_TRANSITIONS.get(vehicle.state, set()):
        raise InvalidStockTransition(
            _("车辆状态不能从“%(a)s”变为“%(b)s”。", a=state_label(vehicle.state), b=state_label(new_state))
        )
    before = audit.snapshot(vehicle, ["state", "store_id"])
    vehicle.state = new_state
    db.session.flush()
    audit.record(
        "transition", vehicle, before=before, after=audit.snapshot(vehicle, ["state", "store_id"]), summary=summary
    )


def allocate_to_order(stock_vehicle_id: int, model_id: int) -> StockVehicle:
    """Reserve an in-stock, non-demo car of the order's model. Raises VehicleUnavailable."""
    vehicle = lock_vehicle(stock_vehicle_id)
    if vehicle.is_demo:
        raise VehicleUnavailable(_("试驾车不能配给订单。"))
    if vehicle.model_id != model_id:
        raise VehicleUnavailable(_("该车辆车型与订单不一致。"))
    if vehicle.state != "in_stock":
        raise VehicleUnavailable(_("该车辆当前不在库（%(state)s），不能配车。", state=state_label(vehicle.state)))
    change_state(vehicle, "allocated", summary=vehicle.vin)
    return vehicle


def release_from_order(vehicle: StockVehicle) -> None:
    """Put an allocated car back in stock (order cancelled). Raises InvalidStockTransition."""
    lock_vehicle(vehicle.id)
    change_state(vehicle, "in_stock", summary=vehicle.vin)


def mark_delivered(vehicle: StockVehicle) -> None:
    """The car has been handed over. Raises InvalidStockTransition unless allocated."""
    lock_vehicle(vehicle.id)
    change_state(vehicle, "delivered", summary=vehicle.vin)


def available_for_model(model_id: int, limit: int = 50) -> list[StockVehicle]:
    """In-stock cars of a model that can be sold, oldest arrival first (sell aged stock)."""
    return list(
        db.session.execute(
            select(StockVehicle)
            .where(StockVehicle.model_id == model_id, StockVehicle.state == "in_stock", StockVehicle.is_demo.is_(False))
            .order_by(StockVehicle.arrival_date.asc().nulls_last(), StockVehicle.id)
            .limit(limit)
        ).scalars()
    )


def demo_cars() -> list[StockVehicle]:
    """The store's demo cars (for test drives)."""
    return list(
        db.session.execute(
            select(StockVehicle)
            .where(StockVehicle.is_demo.is_(True), StockVehicle.state != "delivered")
            .options(joinedload(StockVehicle.vehicle_model))  # every page shows the model
            .order_by(StockVehicle.id)
        ).scalars()
    )


def receive_at_store(stock_vehicle_id: int) -> StockVehicle:
    """到店入库: an in-transit car arrives (arrival date today if empty). Raises InvalidStockTransition."""
    vehicle = lock_vehicle(stock_vehicle_id)
    if _open_incoming_transfer(vehicle.id) is not None:
        # a transferred car is received through its transfer, which closes both sides
        raise InvalidStockTransition(_("该车辆是调拨在途车辆，请在调拨单中接收。"))
    change_state(vehicle, "in_stock", summary=vehicle.vin)
    if vehicle.arrival_date is None:
        vehicle.arrival_date = store_today()
        db.session.flush()
    return vehicle


# --------------------------------------------------------------------------- dates


def store_today() -> dt.date:
    """Today in the active store's time zone (the group's default in the roll-up)."""
    ctx = tenancy.current()
    tz = None
    if ctx.store_id is not None:
        store = db.session.get(Store, ctx.store_id)  # the identity map has it (the user's load)
        tz = store.timezone if store is not None else None
    return local_today(tz)


def ageing_days(vehicle: StockVehicle, today: dt.date) -> int | None:
    """Days since arrival for a car on the books (in stock or allocated), else None."""
    if vehicle.state not in AGEING_STATES or vehicle.arrival_date is None:
        return None
    return max((today - vehicle.arrival_date).days, 0)


def ageing_bucket(days: int | None) -> str | None:
    if days is None:
        return None
    for name, (low, high) in AGEING_BUCKETS.items():
        if days >= low and (high is None or days <= high):
            return name
    return None


# --------------------------------------------------------------------------- catalogue


MODEL_FIELDS = ("code", "brand", "series", "trim", "model_year", "list_price", "colours", "is_active")


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


# --------------------------------------------------------------------------- stock list


_ARRIVAL_KEY = func.coalesce(StockVehicle.arrival_date, sa.literal(dt.date(9999, 12, 31), sa.Date))

#: allowed sorts of the stock list (unknown names fall back to the first)
STOCK_SORTS: dict[str, pagination.Sort] = {
    "aged": pagination.Sort("aged", (_ARRIVAL_KEY, StockVehicle.id)),  # type: ignore[arg-type]
    "newest": pagination.Sort("newest", (_ARRIVAL_KEY, StockVehicle.id), desc=True),  # type: ignore[arg-type]
    "vin": pagination.Sort("vin", (StockVehicle.vin, StockVehicle.id)),
}
#: allowed filters of the stock list
STOCK_FILTERS = ("state", "model", "demo", "ageing", "vin")


@dataclass
class StockQuery:
    """The stock list's filters, parsed from request args (unknown names ignored)."""

    state: str = ""
    model: int | None = None
    demo: str = ""  # "", "yes", "no"
    ageing: str = ""
    vin: str = ""
    sort: str = "aged"
    active: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: Any) -> StockQuery:
        query = cls()
        state = args.get("state", "")
        if state in STOCK_STATES:
            query.state = state
        try:
            query.model = int(args.get("model", "")) or None
        except ValueError:
            query.model = None
        if args.get("demo") in ("yes", "no"):
            query.demo = args["demo"]
        if args.get("ageing") in AGEING_BUCKETS:
            query.ageing = args["ageing"]
        vin = "".join(ch for ch in (args.get("vin") or "").upper() if ch.isalnum())[:17]
        query.vin = vin
        query.sort = args.get("sort") if args.get("sort") in STOCK_SORTS else "aged"
        return query

    def params(self, **override: Any) -> dict[str, Any]:
        """The query string of this filter (for links and the next page)."""
        values = {
            "state": self.state,
            "model": self.model or "",
            "demo": self.demo,
            "ageing": self.ageing,
            "vin": self.vin,
            "sort": self.sort,
        }
        values.update(override)
        return {k: v for k, v in values.items() if v not in ("", None)}


def stock_statement(query: StockQuery, today: dt.date) -> sa.Select:
    """The filtered stock select (scoped to the store by the tenancy core)."""
    stmt = select(StockVehicle).options(joinedload(StockVehicle.vehicle_model))
    if query.state:
        stmt = stmt.where(StockVehicle.state == query.state)
    elif query.ageing:
        stmt = stmt.where(StockVehicle.state.in_(AGEING_STATES))
    else:
        stmt = stmt.where(StockVehicle.state.in_(LIVE_STATES))
    if query.model:
        stmt = stmt.where(StockVehicle.model_id == query.model)
    if query.demo:
        stmt = stmt.where(StockVehicle.is_demo.is_(query.demo == "yes"))
    if query.ageing:
        low, high = AGEING_BUCKETS[query.ageing]
        stmt = stmt.where(
            StockVehicle.state.in_(AGEING_STATES), StockVehicle.arrival_date <= today - dt.timedelta(days=low)
        )
        if high is not None:
            stmt = stmt.where(StockVehicle.arrival_date >= today - dt.timedelta(days=high))
    if query.vin:
        if len(query.vin) == 17:
            stmt = stmt.where(StockVehicle.vin == query.vin)
        else:
            stmt = stmt.where(StockVehicle.vin.like(f"%{query.vin}"))
    return stmt


def list_stock(query: StockQuery, after: str | None, size: int = 30) -> tuple[pagination.Page, dt.date]:
    """One page of the stock list with the store's today (for ageing)."""
    today = store_today()
    page = pagination.keyset_page(stock_statement(query, today), STOCK_SORTS[query.sort], after, size)
    return page, today


@dataclass
class StockSummary:
    by_state: dict[str, int]
    by_model: list[tuple[int, str, int]]  # (model id, label, cars in stock or allocated or in transit)


def stock_summary() -> StockSummary:
    """Live cars per state and per model, from one grouped query."""
    rows = db.session.execute(
        select(
            StockVehicle.state,
            VehicleModel.id,
            VehicleModel.brand,
            VehicleModel.series,
            VehicleModel.trim,
            func.count(StockVehicle.id),
        )
        .join(VehicleModel, StockVehicle.model_id == VehicleModel.id)
        .where(StockVehicle.state.in_(LIVE_STATES))
        .group_by(StockVehicle.state, VehicleModel.id, VehicleModel.brand, VehicleModel.series, VehicleModel.trim)
    ).all()
    by_state = {state: 0 for state in LIVE_STATES}
    by_model: dict[int, list] = {}
    for state, model_id, brand, series, trim, count in rows:
        by_state[state] = by_state.get(state, 0) + count
        entry = by_model.setdefault(model_id, [model_id, " ".join(p for p in (series, trim) if p), 0])
        entry[2] += count
    models = sorted((tuple(v) for v in by_model.values()), key=lambda e: (-e[2], e[1]))
    return StockSummary(by_state=by_state, by_model=models)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- stock vehicles


VEHICLE_FIELDS = (
    "vin",
    "model_id",
    "colour",
    "interior_colour",
    "production_date",
    "arrival_date",
    "cost",
    "location",
    "is_demo",
    "plate",
)


def _vehicle_values(data: dict[str, Any], today: dt.date) -> dict[str, Any]:
    try:
        vin = normalise_vin(data.get("vin") or "")
    except InvalidValue as error:
        raise InventoryError(str(error), "vin") from None
    model_id = data.get("model_id")
    if not model_id or db.session.execute(select(VehicleModel.id).where(VehicleModel.id == model_id)).scalar() is None:
        raise InventoryError(_("请从车型目录中选择车型。"), "model_id")
    cost = data.get("cost")
    if cost is not None and decimal.Decimal(cost) < 0:
        raise InventoryError(_("成本不能为负数。"), "cost")
    production, arrival = data.get("production_date"), data.get("arrival_date")
    if arrival is not None and arrival > today:
        raise InventoryError(_("到店日期不能晚于今天。"), "arrival_date")
    if production is not None and production > today:
        raise InventoryError(_("生产日期不能晚于今天。"), "production_date")
    if production is not None and arrival is not None and production > arrival:
        raise InventoryError(_("生产日期不能晚于到店日期。"), "production_date")
    plate = normalise_plate(data.get("plate") or "")
    if len(plate) > 12:
        raise InventoryError(_("车牌号过长。"), "plate")
    return {
        "vin": vin,
        "model_id": int(model_id),
        "colour": (data.get("colour") or "").strip(),
        "interior_colour": (data.get("interior_colour") or "").strip(),
        "production_date": production,
        "arrival_date": arrival,
        "cost": decimal.Decimal(cost) if cost is not None else decimal.Decimal("0"),
        "location": (data.get("location") or "").strip(),
        "is_demo": bool(data.get("is_demo")),
        "plate": plate,
    }


def _check_vin_free(vin: str, exclude_id: int | None = None) -> None:
    # The scoped select finds a duplicate in this store (linkable); one in another store of
    # the group is caught by the unique constraint at flush.
    stmt = select(StockVehicle.id).where(StockVehicle.vin == vin)
    if exclude_id is not None:
        stmt = stmt.where(StockVehicle.id != exclude_id)
    existing = db.session.execute(stmt.limit(1)).scalar()
    if existing is not None:
        raise DuplicateVin(_("车架号 %(vin)s 已在本店库存中。", vin=vin), existing_id=existing)


def _flush_vehicle(apply) -> None:
    # The change is made inside the savepoint: begin_nested() flushes pending changes first,
    # and a duplicate VIN must roll back to here, not poison the request's transaction.
    try:
        with db.session.begin_nested():
            apply()
            db.session.flush()
    except IntegrityError:
        raise DuplicateVin(_("该车架号已在集团其他门店登记，不能重复入库。")) from None
    except StaleDataError:
        raise StaleEdit(_("已被他人修改，请刷新后重试")) from None


def create_stock_vehicle(data: dict[str, Any]) -> StockVehicle:
    """Register a car by VIN (unique in the group), in transit or already in stock. Raises
    InventoryError, DuplicateVin."""
    today = store_today()
    values = _vehicle_values(data, today)
    _check_vin_free(values["vin"])
    arrived = data.get("state") == "in_stock"
    if arrived and values["arrival_date"] is None:
        values["arrival_date"] = today
    if not arrived and values["arrival_date"] is not None:
        raise InventoryError(_("在途车辆还没有到店日期；已到店请选择“已到店”。"), "arrival_date")
    vehicle = StockVehicle(state="in_stock" if arrived else "in_transit", **values)
    _flush_vehicle(lambda: db.session.add(vehicle))
    audit.record("create", vehicle, after=audit.snapshot(vehicle), summary=vehicle.vin)
    return vehicle


def update_stock_vehicle(stock_vehicle_id: int, data: dict[str, Any], expected_version: int | None) -> StockVehicle:
    """Edit a car's details (not its state) if nobody saved it since ``expected_version``.
    Raises StaleEdit, DuplicateVin, InventoryError."""
    vehicle = tenancy.get_or_404(StockVehicle, stock_vehicle_id)
    if expected_version is None or vehicle.version != expected_version:
        raise StaleEdit(_("已被他人修改，请刷新后重试"))
    values = _vehicle_values(data, store_today())
    if values["vin"] != vehicle.vin:
        _check_vin_free(values["vin"], exclude_id=vehicle.id)
    committed = vehicle.state not in ("in_transit", "in_stock")
    if committed and values["model_id"] != vehicle.model_id:
        raise InventoryError(_("已配车或已交车的车辆不能更换车型。"), "model_id")
    if committed and values["is_demo"] and not vehicle.is_demo:
        raise InventoryError(_("已配车或已交车的车辆不能设为试驾车。"), "is_demo")
    if vehicle.state == "in_transit" and values["arrival_date"] is not None:
        raise InventoryError(_("在途车辆请使用“到店入库”登记到店。"), "arrival_date")
    if vehicle.state in AGEING_STATES and values["arrival_date"] is None:
        raise InventoryError(_("在库车辆必须有到店日期。"), "arrival_date")
    before = audit.snapshot(vehicle)

    def apply() -> None:
        for key, value in values.items():
            setattr(vehicle, key, value)

    _flush_vehicle(apply)
    audit.record("update", vehicle, before=before, after=audit.snapshot(vehicle), summary=vehicle.vin)
    return vehicle


def vehicle_transfers(stock_vehicle_id: int) -> list[StockTransfer]:
    """This store's transfer rows of one car (its history here), newest first."""
    return list(
        db.session.execute(
            select(StockTransfer)
            .where(StockTransfer.vehicle_id == stock_vehicle_id)
            .options(joinedload(StockTransfer.other_store))
            .order_by(StockTransfer.created_at.desc(), StockTransfer.id.desc())
        ).scalars()
    )


# --------------------------------------------------------------------------- transfers


def transfer_destinations() -> list[Store]:
    """The other active stores of the organisation a car may be sent to."""
    ctx = tenancy.current()
    return list(
        db.session.execute(
            select(Store)
            .where(Store.org_id == ctx.org_id, Store.is_active.is_(True), Store.id != ctx.store_id)
            .order_by(Store.code, Store.id)
        ).scalars()
    )


def _destination(dest_store_id: Any) -> Store:
    ctx = tenancy.current()
    try:
        dest_id = int(dest_store_id)
    except (TypeError, ValueError):
        raise InventoryError(_("请选择调入门店。"), "dest_store_id") from None
    dest = db.session.execute(select(Store).where(Store.id == dest_id)).scalar_one_or_none()
    # Another organisation's store is answered exactly like a store that does not exist.
    if dest is None or dest.org_id != ctx.org_id or not dest.is_active:
        raise InventoryError(_("找不到该门店。"), "dest_store_id")
    if dest.id == ctx.store_id:
        raise InventoryError(_("不能调拨到本店。"), "dest_store_id")
    return dest


def _open_incoming_transfer(stock_vehicle_id: int) -> StockTransfer | None:
    return db.session.execute(
        select(StockTransfer)
        .where(
            StockTransfer.vehicle_id == stock_vehicle_id,
            StockTransfer.direction == "in",
            StockTransfer.state == "in_transit",
        )
        .limit(1)
    ).scalar_one_or_none()


#: what other modules say about a car leaving the store: ``check(vehicle) -> reason or None``
#: (the sales module refuses a demo car with test drives still booked)
TRANSFER_CHECKS: list[Callable[[StockVehicle], str | None]] = []


def transfer_check(check: Callable[[StockVehicle], str | None]) -> Callable[[StockVehicle], str | None]:
    """Register a reason a car may not be transferred (a decorator for other modules)."""
    TRANSFER_CHECKS.append(check)
    return check


def send_transfer(stock_vehicle_id: int, dest_store_id: Any, note: str = "") -> StockTransfer:
    """Send an in-stock car to another store of the group: the car moves (in transit) and each
    store gets its side of the transfer. Returns the ``out`` row. Raises InventoryError,
    VehicleUnavailable."""
    ctx = tenancy.current()
    vehicle = lock_vehicle(stock_vehicle_id)
    dest = _destination(dest_store_id)
    if vehicle.state != "in_stock":
        raise VehicleUnavailable(
            _("只有在库且未配车的车辆可以调拨（当前：%(state)s）。", state=state_label(vehicle.state))
        )
    for check in TRANSFER_CHECKS:
        reason = check(vehicle)
        if reason:
            raise VehicleUnavailable(reason)
    source_id = vehicle.store_id
    reference = f"DB{utcnow():%Y%m%d}-{uuid.uuid4().hex[:6].upper()}"
    note = (note or "").strip()[:200]
    out_row = StockTransfer(
        reference=reference,
        direction="out",
        vehicle_id=vehicle.id,
        vin=vehicle.vin,
        other_store_id=dest.id,
        state="in_transit",
        note=note,
        requested_by_id=ctx.user_id,
    )
    db.session.add(out_row)
    db.session.flush()
    audit.record("create", out_row, after=audit.snapshot(out_row), summary=f"{reference} {vehicle.vin}")
    with tenancy.allow_writes_to(dest.id):
        before = audit.snapshot(vehicle, ["store_id", "location"])
        vehicle.store_id = dest.id
        vehicle.location = ""
        change_state(vehicle, "in_transit", summary=f"{reference} {vehicle.vin}")
        audit.record(
            "transfer",
            vehicle,
            before=before,
            after=audit.snapshot(vehicle, ["store_id", "location"]),
            summary=reference,
        )
        in_row = StockTransfer(
            store_id=dest.id,
            reference=reference,
            direction="in",
            vehicle_id=vehicle.id,
            vin=vehicle.vin,
            other_store_id=source_id,
            state="in_transit",
            note=note,
            requested_by_id=ctx.user_id,
        )
        db.session.add(in_row)
        db.session.flush()
        audit.record("create", in_row, after=audit.snapshot(in_row), summary=f"{reference} {vehicle.vin}")
    return out_row


def receive_transfer(stock_transfer_id: int) -> StockTransfer:
    """The receiving store takes delivery of a transferred car: it is in stock here and both
    sides of the transfer are received. Raises InventoryError."""
    row = tenancy.get_or_404(StockTransfer, stock_transfer_id)
    if row.direction != "in":
        raise InventoryError(_("只有调入门店可以接收车辆。"))
    if row.state != "in_transit":
        raise InventoryError(_("该调拨单已处理。"))
    vehicle = lock_vehicle(row.vehicle_id)
    change_state(vehicle, "in_stock", summary=f"{row.reference} {vehicle.vin}")
    if vehicle.arrival_date is None:
        vehicle.arrival_date = store_today()
    now = utcnow()
    before = audit.snapshot(row, ["state", "received_at"])
    row.state, row.received_at = "received", now
    db.session.flush()
    audit.record(
        "transition", row, before=before, after=audit.snapshot(row, ["state", "received_at"]), summary=row.reference
    )
    with tenancy.allow_writes_to(row.other_store_id):
        out_row = db.session.execute(
            select(StockTransfer).where(
                StockTransfer.reference == row.reference,
                StockTransfer.direction == "out",
                StockTransfer.store_id == row.other_store_id,
            )
        ).scalar_one_or_none()
        if out_row is not None:
            before = audit.snapshot(out_row, ["state", "received_at"])
            out_row.state, out_row.received_at = "received", now
            db.session.flush()
            audit.record(
                "transition",
                out_row,
                before=before,
                after=audit.snapshot(out_row, ["state", "received_at"]),
                summary=row.reference,
            )
    return row


TRANSFER_SORT = pagination.Sort("newest", (StockTransfer.created_at, StockTransfer.id), desc=True)


def list_transfers(direction: str, state: str, after: str | None, size: int = 30) -> pagination.Page:
    """This store's side of its transfers, newest first. Reads the VIN from the row: an
    ``out`` row's car now belongs to the other store and is not loaded."""
    stmt = select(StockTransfer).options(joinedload(StockTransfer.other_store))
    if direction in ("in", "out"):
        stmt = stmt.where(StockTransfer.direction == direction)
    if state in ("in_transit", "received", "cancelled"):
        stmt = stmt.where(StockTransfer.state == state)
    return pagination.keyset_page(stmt, TRANSFER_SORT, after, size)


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


def models_below_minimum() -> list[tuple[str, int, int]]:
    """(model label, sellable in stock, minimum) for each model under its store minimum: one
    grouped query (per store, so the roll-up adds stores up correctly)."""
    sellable = sa.and_(
        StockVehicle.model_id == ModelStockMinimum.model_id,
        StockVehicle.store_id == ModelStockMinimum.store_id,
        StockVehicle.state == "in_stock",
        StockVehicle.is_demo.is_(False),
    )
    rows = db.session.execute(
        select(
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
    return [(" ".join(p for p in (series, trim) if p), count, minimum) for _b, series, trim, minimum, count in rows]


def aged_stock_count(limit: int = 999) -> tuple[int, bool]:
    """Cars on the books for more than 90 days (bounded count)."""
    cutoff = store_today() - dt.timedelta(days=AGED_AFTER_DAYS + 1)
    stmt = select(StockVehicle.id).where(StockVehicle.state.in_(AGEING_STATES), StockVehicle.arrival_date <= cutoff)
    return pagination.count_upto(stmt, limit)
