"""Parts (配件): the group's part master, each store's stock of it, and every quantity change
as a stock movement row; suppliers and purchase orders, counter sales, stocktakes, transfers
between the stores of a group, and the parts lines of repair orders.

On hand and reserved are never set by hand: ``parts.services.stock`` is the one place that
changes them, writing a :class:`StockMovement` for every change of on hand."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..extensions import db
from ..tenancy import OrgScoped, StoreScoped, User
from ..timeutil import utcnow

MONEY = sa.Numeric(12, 2)
QTY = sa.Numeric(12, 3)
ZERO = decimal.Decimal("0.00")
QZERO = decimal.Decimal("0.000")

CATEGORIES = {
    "oil": _l("油品"),
    "filter": _l("滤清器"),
    "brake": _l("制动"),
    "electrical": _l("电气"),
    "body": _l("车身"),
    "tyre": _l("轮胎"),
    "accessory": _l("精品附件"),
    "other": _l("其他"),
}
UNITS = {"pc": _l("个"), "set": _l("套"), "litre": _l("升"), "bottle": _l("瓶"), "box": _l("盒")}
#: what a movement is; the sign of its quantity says in or out
MOVEMENT_KINDS = {
    "receipt": _l("采购入库"),
    "issue": _l("工单领料"),
    "return": _l("工单退料"),
    "sale": _l("柜台销售"),
    "adjustment": _l("库存调整"),
    "transfer_out": _l("调拨出库"),
    "transfer_in": _l("调拨入库"),
    "stocktake": _l("盘点调整"),
}
PO_STATUSES = {
    "draft": _l("草稿"),
    "sent": _l("已发送"),
    "partially_received": _l("部分到货"),
    "received": _l("已到货"),
    "cancelled": _l("已取消"),
}
STOCKTAKE_STATUSES = {"counting": _l("盘点中"), "posted": _l("已过账"), "cancelled": _l("已取消")}
TRANSFER_STATES = {"in_transit": _l("在途"), "received": _l("已接收"), "cancelled": _l("已取消")}
RO_PART_STATUSES = {"reserved": _l("已预留"), "issued": _l("已领料")}
PAYMENT_METHODS = {
    "cash": _l("现金"),
    "card": _l("刷卡"),
    "transfer": _l("转账"),
    "wechat": _l("微信"),
    "alipay": _l("支付宝"),
}


class Part(OrgScoped, db.Model):
    """A part of the group's master (配件档案): the code is unique in the organisation."""

    __tablename__ = "parts"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "code", name="uq_parts_org_code"),
        sa.Index("ix_parts_org_code_prefix", "org_id", "code", postgresql_ops={"code": "varchar_pattern_ops"}),
        sa.Index("ix_parts_org_name_prefix", "org_id", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
        sa.Index("ix_parts_org_barcode", "org_id", "barcode"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(16), default="other")
    unit: Mapped[str] = mapped_column(sa.String(10), default="pc")
    #: models it fits, comma separated; empty means every model
    compatible_models: Mapped[str] = mapped_column(sa.String(200), default="")
    barcode: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Supplier(StoreScoped, db.Model):
    """A store's supplier (供应商)."""

    __tablename__ = "part_suppliers"
    __table_args__ = (sa.UniqueConstraint("store_id", "name", name="uq_part_suppliers_store_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    contact: Mapped[str] = mapped_column(sa.String(60), default="")
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    lead_days: Mapped[int] = mapped_column(default=3)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class PartStock(StoreScoped, db.Model):
    """One part in one store: quantities (changed only by ``services.stock``), the reorder
    point and maximum, the bin, the moving average cost and the sale price.

    ``is_low`` (on hand - reserved <= reorder point, for a part with a reorder point) and
    ``is_over`` (on hand above a set maximum) are kept by the same service, so the low and
    over stock lists are index range reads."""

    __tablename__ = "part_stocks"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "part_id", name="uq_part_stocks_store_part"),
        sa.Index("ix_part_stocks_store_low", "store_id", "is_low", "part_id"),
        sa.Index("ix_part_stocks_store_over", "store_id", "is_over", "part_id"),
        sa.Index("ix_part_stocks_store_moved", "store_id", "last_moved_at"),
        sa.Index("ix_part_stocks_store_bin", "store_id", "bin"),
        sa.Index("ix_part_stocks_store_supplier", "store_id", "supplier_id"),
        # the roll-up's low and over stock lists (every store of the group), walked in order
        sa.Index("ix_part_stocks_org_low", "org_id", "is_low", "part_id", "id"),
        sa.Index("ix_part_stocks_org_over", "org_id", "is_over", "part_id"),
        sa.Index("ix_part_stocks_org_moved", "org_id", "last_moved_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"))
    on_hand: Mapped[decimal.Decimal] = mapped_column(QTY, default=QZERO)
    reserved: Mapped[decimal.Decimal] = mapped_column(QTY, default=QZERO)
    reorder_point: Mapped[decimal.Decimal] = mapped_column(QTY, default=QZERO)
    maximum: Mapped[decimal.Decimal] = mapped_column(QTY, default=QZERO)
    bin: Mapped[str] = mapped_column(sa.String(20), default="")
    average_cost: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    sale_price: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    #: the preferred supplier: the suggested purchase order groups by it
    supplier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("part_suppliers.id"))
    is_low: Mapped[bool] = mapped_column(default=False)
    is_over: Mapped[bool] = mapped_column(default=False)
    last_moved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    part: Mapped[Part] = relationship()
    supplier: Mapped[Supplier | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def available(self) -> decimal.Decimal:
        return self.on_hand - self.reserved


class StockMovement(StoreScoped, db.Model):
    """One change of a store's on hand (signed ``quantity``), with what caused it."""

    __tablename__ = "stock_movements"
    __table_args__ = (sa.Index("ix_stock_movements_store_stock_at", "store_id", "part_stock_id", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    part_stock_id: Mapped[int] = mapped_column(sa.ForeignKey("part_stocks.id"))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    quantity: Mapped[decimal.Decimal] = mapped_column(QTY)
    unit_cost: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    on_hand_after: Mapped[decimal.Decimal] = mapped_column(QTY)
    reference: Mapped[str] = mapped_column(sa.String(60), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    by_user: Mapped[User | None] = relationship()


class PurchaseOrder(StoreScoped, db.Model):
    """A purchase order (采购单), moved through ``services.purchasing.PO_MOVES`` only."""

    __tablename__ = "purchase_orders"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "number", name="uq_purchase_orders_store_number"),
        sa.Index("ix_purchase_orders_store_created", "store_id", "created_at", "id"),
        # the roll-up's list, newest first over every store (sorting them all: 24 ms for 12 000)
        sa.Index("ix_purchase_orders_org_created", "org_id", "created_at", "id"),
        sa.Index("ix_purchase_orders_store_status", "store_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    supplier_id: Mapped[int] = mapped_column(sa.ForeignKey("part_suppliers.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(back_populates="order", order_by="PurchaseOrderLine.id")

    __mapper_args__ = {"version_id_col": version}


class PurchaseOrderLine(StoreScoped, db.Model):
    __tablename__ = "purchase_order_lines"
    __table_args__ = (sa.Index("ix_purchase_order_lines_store_order", "store_id", "purchase_order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(sa.ForeignKey("purchase_orders.id"))
    part_stock_id: Mapped[int] = mapped_column(sa.ForeignKey("part_stocks.id"))
    quantity: Mapped[decimal.Decimal] = mapped_column(QTY)
    received: Mapped[decimal.Decimal] = mapped_column(QTY, default=QZERO)
    unit_cost: Mapped[decimal.Decimal] = mapped_column(MONEY)

    order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    stock: Mapped[PartStock] = relationship()

    @property
    def outstanding(self) -> decimal.Decimal:
        return self.quantity - self.received


class CounterSale(StoreScoped, db.Model):
    """An over-the-counter sale (柜台销售) to a customer of the store or a walk-in, paid at once."""

    __tablename__ = "counter_sales"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "number", name="uq_counter_sales_store_number"),
        sa.Index("ix_counter_sales_store_sold", "store_id", "sold_at", "id"),
        # the roll-up's list, newest first over every store (sorting them all: 27 ms for 51 000)
        sa.Index("ix_counter_sales_org_sold", "org_id", "sold_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    walk_in_name: Mapped[str] = mapped_column(sa.String(60), default="")
    total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    method: Mapped[str] = mapped_column(sa.String(10), default="wechat")
    paid: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    sold_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    customer: Mapped[Customer | None] = relationship()
    by_user: Mapped[User | None] = relationship()
    lines: Mapped[list[CounterSaleLine]] = relationship(back_populates="sale", order_by="CounterSaleLine.id")


class CounterSaleLine(StoreScoped, db.Model):
    __tablename__ = "counter_sale_lines"
    __table_args__ = (sa.Index("ix_counter_sale_lines_store_sale", "store_id", "counter_sale_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    counter_sale_id: Mapped[int] = mapped_column(sa.ForeignKey("counter_sales.id"))
    part_stock_id: Mapped[int] = mapped_column(sa.ForeignKey("part_stocks.id"))
    quantity: Mapped[decimal.Decimal] = mapped_column(QTY)
    unit_price: Mapped[decimal.Decimal] = mapped_column(MONEY)
    amount: Mapped[decimal.Decimal] = mapped_column(MONEY)

    sale: Mapped[CounterSale] = relationship(back_populates="lines")
    stock: Mapped[PartStock] = relationship()


class Stocktake(StoreScoped, db.Model):
    """A count sheet (盘点单) of one bin or one category, taken at ``created_at``."""

    __tablename__ = "stocktakes"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "number", name="uq_stocktakes_store_number"),
        sa.Index("ix_stocktakes_store_created", "store_id", "created_at", "id"),
        sa.Index("ix_stocktakes_org_created", "org_id", "created_at", "id"),  # the roll-up's list
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    scope: Mapped[str] = mapped_column(sa.String(10))  # "bin" or "category"
    scope_value: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(10), default="counting")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    posted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list[StocktakeLine]] = relationship(back_populates="stocktake", order_by="StocktakeLine.id")

    __mapper_args__ = {"version_id_col": version}


class StocktakeLine(StoreScoped, db.Model):
    __tablename__ = "stocktake_lines"
    __table_args__ = (
        sa.UniqueConstraint("stocktake_id", "part_stock_id", name="uq_stocktake_lines_sheet_stock"),
        sa.Index("ix_stocktake_lines_store_sheet", "store_id", "stocktake_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(sa.ForeignKey("stocktakes.id"))
    part_stock_id: Mapped[int] = mapped_column(sa.ForeignKey("part_stocks.id"))
    #: on hand when the sheet was taken (or the line recounted), and when that was
    expected: Mapped[decimal.Decimal] = mapped_column(QTY)
    taken_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    counted: Mapped[decimal.Decimal | None] = mapped_column(QTY)
    counted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    stocktake: Mapped[Stocktake] = relationship(back_populates="lines")
    stock: Mapped[PartStock] = relationship()

    @property
    def variance(self) -> decimal.Decimal | None:
        return None if self.counted is None else self.counted - self.expected


class PartTransfer(StoreScoped, db.Model):
    """One side of a parts transfer between two stores of a group: ``out`` in the sender,
    ``in`` in the receiver, sharing ``reference`` (each store sees its own side)."""

    __tablename__ = "part_transfers"
    __table_args__ = (
        sa.UniqueConstraint("reference", "direction", name="uq_part_transfers_reference_direction"),
        sa.Index("ix_part_transfers_store_created", "store_id", "created_at", "id"),
        sa.Index("ix_part_transfers_org_created", "org_id", "created_at", "id"),  # the roll-up's list
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(30))
    direction: Mapped[str] = mapped_column(sa.String(3))
    part_id: Mapped[int] = mapped_column(sa.ForeignKey("parts.id"))
    quantity: Mapped[decimal.Decimal] = mapped_column(QTY)
    unit_cost: Mapped[decimal.Decimal] = mapped_column(MONEY)
    other_store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    state: Mapped[str] = mapped_column(sa.String(12), default="in_transit")
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    done_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)

    part: Mapped[Part] = relationship()

    __mapper_args__ = {"version_id_col": version}


class RepairOrderPart(StoreScoped, db.Model):
    """A parts line of a repair order: reserved when added, issued when work starts,
    returned to stock when removed after that. Written only by ``services.ro_parts`` (the
    service module calls it)."""

    __tablename__ = "repair_order_parts"
    __table_args__ = (sa.Index("ix_repair_order_parts_store_order", "store_id", "repair_order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repair_order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    part_stock_id: Mapped[int] = mapped_column(sa.ForeignKey("part_stocks.id"))
    description: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[decimal.Decimal] = mapped_column(QTY)
    unit_price: Mapped[decimal.Decimal] = mapped_column(MONEY)
    discount: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    amount: Mapped[decimal.Decimal] = mapped_column(MONEY)
    payer: Mapped[str] = mapped_column(sa.String(12), default="customer")
    status: Mapped[str] = mapped_column(sa.String(10), default="reserved")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    stock: Mapped[PartStock] = relationship()
