"""Vehicle stock by VIN, the group's model catalogue, transfers and minimum stock."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import OrgScoped, Store, StoreScoped
from ..timeutil import utcnow

STOCK_STATES = {
    "in_transit": _l("在途"),
    "in_stock": _l("在库"),
    "allocated": _l("已配车"),
    "delivered": _l("已交车"),
}
TRANSFER_STATES = {"in_transit": _l("调拨在途"), "received": _l("已接收"), "cancelled": _l("已取消")}


class VehicleModel(OrgScoped, db.Model):
    """A brand/series/trim the group sells, with its list price (group reference data)."""

    __tablename__ = "vehicle_models"
    __table_args__ = (sa.UniqueConstraint("org_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    brand: Mapped[str] = mapped_column(sa.String(40))
    series: Mapped[str] = mapped_column(sa.String(60))
    trim: Mapped[str] = mapped_column(sa.String(80), default="")
    model_year: Mapped[int | None]
    list_price: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2))
    colours: Mapped[str] = mapped_column(sa.String(300), default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    #: 新能源: purchase tax at the store's reduced new-energy rate (sales settings)
    is_new_energy: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    @property
    def label(self) -> str:
        return " ".join(p for p in (self.brand, self.series, self.trim) if p)


class StockVehicle(StoreScoped, db.Model):
    """A physical car in (or on its way to) a store, by VIN."""

    __tablename__ = "stock_vehicles"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "vin", name="uq_stock_vehicles_org_vin"),
        sa.Index("ix_stock_vehicles_store_state_model", "store_id", "state", "model_id"),
        sa.Index("ix_stock_vehicles_store_arrival", "store_id", "arrival_date"),
        sa.Index("ix_stock_vehicles_store_demo", "store_id", "is_demo"),
        # the VIN-suffix search (people read the last 6 characters off the windscreen) scans
        # this index within one store instead of the table
        sa.Index("ix_stock_vehicles_store_vin", "store_id", "vin"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    vin: Mapped[str] = mapped_column(sa.String(17))
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    colour: Mapped[str] = mapped_column(sa.String(30), default="")
    interior_colour: Mapped[str] = mapped_column(sa.String(30), default="")
    production_date: Mapped[dt.date | None]
    arrival_date: Mapped[dt.date | None]
    cost: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2), default=decimal.Decimal("0"))
    location: Mapped[str] = mapped_column(sa.String(60), default="")
    state: Mapped[str] = mapped_column(sa.String(12), default="in_transit")
    #: a demo car for test drives (not for sale while it is one)
    is_demo: Mapped[bool] = mapped_column(default=False)
    plate: Mapped[str] = mapped_column(sa.String(12), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    vehicle_model: Mapped[VehicleModel] = relationship()

    __mapper_args__ = {"version_id_col": version}


class StockTransfer(StoreScoped, db.Model):
    """One side of a transfer between two stores of a group: the sending store holds an
    ``out`` row, the receiving store an ``in`` row, so each sees its own side."""

    __tablename__ = "stock_transfers"
    __table_args__ = (sa.Index("ix_stock_transfers_store_state", "store_id", "state"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the shared reference of both sides
    reference: Mapped[str] = mapped_column(sa.String(40))
    direction: Mapped[str] = mapped_column(sa.String(3))  # "out" or "in"
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_vehicles.id"))
    vin: Mapped[str] = mapped_column(sa.String(17))
    other_store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    state: Mapped[str] = mapped_column(sa.String(12), default="in_transit")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    received_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    #: the store on the other side (stores are not tenant rows: its name is safe to show)
    other_store: Mapped[Store] = relationship(foreign_keys=[other_store_id])


class ModelStockMinimum(StoreScoped, db.Model):
    """The fewest cars of a model a store wants in stock; below it the dashboard warns."""

    __tablename__ = "model_stock_minimums"
    __table_args__ = (sa.UniqueConstraint("store_id", "model_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    min_quantity: Mapped[int] = mapped_column(default=1)

    vehicle_model: Mapped[VehicleModel] = relationship()
