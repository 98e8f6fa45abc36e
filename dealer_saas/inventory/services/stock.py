"""Stock vehicles and their states: the table of moves, allocation to orders (row-locked),
arrival, ageing, the stock list and its summary, registering and editing a car.

Allocation is the rule other modules rely on: a car goes to at most one live order. The
database enforces it (unique ``sales_orders.stock_vehicle_id``) and the service takes a row
lock on the car first, so two consultants allocating the same VIN at once cannot both win.
"""

from __future__ import annotations

import datetime as dt
import decimal
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ... import audit, pagination, tenancy
from ...domain import Transitions
from ...extensions import db
from ...i18n import N_
from ...validation import InvalidValue, bounded_id, normalise_plate, normalise_vin
from ..models import STOCK_STATES, StockTransfer, StockVehicle, VehicleModel
from .errors import DuplicateVin, InvalidStockTransition, InventoryError, StaleEdit, VehicleUnavailable

#: allowed state changes of a stock vehicle: the one table (``change_state`` applies it)
STOCK_MOVES = Transitions(
    {
        "in_transit": {"in_stock"},
        "in_stock": {"allocated", "in_transit"},
        "allocated": {"in_stock", "delivered"},
        "delivered": set(),
    },
    STOCK_STATES,
    attr="state",
    audit_fields=("store_id",),
    error=InvalidStockTransition,
    stale=StaleEdit,
    message=N_("车辆状态不能从“%(a)s”变为“%(b)s”。"),
)
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
    STOCK_MOVES.apply(vehicle, new_state, summary=summary)


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


def _open_incoming_transfer(stock_vehicle_id: int) -> StockTransfer | None:
    """The car's transfer into this store that has not been received yet."""
    return db.session.execute(
        select(StockTransfer)
        .where(
            StockTransfer.vehicle_id == stock_vehicle_id,
            StockTransfer.direction == "in",
            StockTransfer.state == "in_transit",
        )
        .limit(1)
    ).scalar_one_or_none()


def receive_at_store(stock_vehicle_id: int) -> StockVehicle:
    """到店入库: an in-transit car arrives (arrival date today if empty). Raises InvalidStockTransition."""
    vehicle = lock_vehicle(stock_vehicle_id)
    if _open_incoming_transfer(vehicle.id) is not None:
        # a transferred car is received through its transfer, which closes both sides
        raise InvalidStockTransition(_("该车辆是调拨在途车辆，请在调拨单中接收。"))
    change_state(vehicle, "in_stock", summary=vehicle.vin)
    if vehicle.arrival_date is None:
        vehicle.arrival_date = tenancy.store_today()
        db.session.flush()
    return vehicle


# --------------------------------------------------------------------------- ageing


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
        query.model = bounded_id(args.get("model"))
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
    """One page of the stock list with the store's today (for ageing; in the all-stores
    roll-up, today in the default zone)."""
    today = tenancy.store_today()
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
    today = tenancy.store_today()
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
    values = _vehicle_values(data, tenancy.store_today())
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


def aged_stock_count(limit: int = 999) -> tuple[int, bool]:
    """Cars on the books for more than 90 days (bounded count; in the roll-up, 90 days
    before today in the default zone)."""
    cutoff = tenancy.store_today() - dt.timedelta(days=AGED_AFTER_DAYS + 1)
    stmt = select(StockVehicle.id).where(StockVehicle.state.in_(AGEING_STATES), StockVehicle.arrival_date <= cutoff)
    return pagination.count_upto(stmt, limit)
