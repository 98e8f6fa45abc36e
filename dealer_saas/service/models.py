"""After-sales service (售后): the labour catalogue, appointments, repair orders with their
labour lines and payments, and the events the care module turns into call-backs."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer, CustomerVehicle
from ..extensions import db
from ..signed_links import LinkHit  # noqa: F401  (its table is in this module's migration)
from ..tenancy import OrgScoped, StoreScoped, User
from ..timeutil import utcnow

MONEY = sa.Numeric(12, 2)
HOURS = sa.Numeric(6, 2)
ZERO = decimal.Decimal("0.00")

#: labour categories; each has its own hourly rate per store (settings)
CATEGORIES = {
    "maintenance": _l("保养"),
    "repair": _l("机修"),
    "bodywork": _l("钣金"),
    "paint": _l("喷漆"),
    "warranty": _l("保修"),
    "pdi": _l("新车检查（PDI）"),
}
BODY_AREAS = {
    "engine": _l("发动机"),
    "chassis": _l("底盘"),
    "electrical": _l("电气"),
    "body": _l("车身"),
    "interior": _l("内饰"),
}
#: who pays a line (结算方)
PAYERS = {"customer": _l("客户"), "insurer": _l("保险公司"), "warranty": _l("厂家保修"), "internal": _l("内部")}
FUEL_LEVELS = {
    "empty": _l("空"),
    "quarter": _l("1/4"),
    "half": _l("1/2"),
    "three_quarters": _l("3/4"),
    "full": _l("满"),
}
RO_STATUSES = {
    "open": _l("已接车"),
    "in_progress": _l("维修中"),
    "quality_check": _l("质检中"),
    "ready": _l("待交车"),
    "settled": _l("已结算"),
    "closed": _l("已关闭"),
    "cancelled": _l("已取消"),
}
#: states in which an RO is on the workshop board
BOARD_STATES = ("open", "in_progress", "quality_check", "ready")
#: the board's condition as SQL text: the board's partial indexes and its query say it in
#: the same words (literal values, so the planner matches them on a prepared statement too)
BOARD_WHERE = "status IN ('open', 'in_progress', 'quality_check', 'ready')"
LINE_STATUSES = {
    "pending": _l("待开工"),
    "working": _l("施工中"),
    "paused": _l("已暂停"),
    "done": _l("待质检"),
    "passed": _l("质检通过"),
}
APPOINTMENT_STATUSES = {
    "pending": _l("待确认"),
    "booked": _l("已预约"),
    "confirmed": _l("已确认"),
    "arrived": _l("已到店"),
    "no_show": _l("未到店"),
    "cancelled": _l("已取消"),
}
PAYMENT_METHODS = {
    "cash": _l("现金"),
    "card": _l("刷卡"),
    "transfer": _l("转账"),
    "wechat": _l("微信"),
    "alipay": _l("支付宝"),
}


class LabourOperation(OrgScoped, db.Model):
    """A labour operation of the group's catalogue (工时项目), with its standard hours."""

    __tablename__ = "labour_operations"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "code", name="uq_labour_operations_org_code"),
        sa.Index("ix_labour_operations_org_category", "org_id", "category"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(16))
    body_area: Mapped[str] = mapped_column(sa.String(16), default="engine")
    #: models it applies to, comma separated; empty means every model
    applicable_models: Mapped[str] = mapped_column(sa.String(200), default="")
    standard_hours: Mapped[decimal.Decimal] = mapped_column(HOURS)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class ServicePackage(OrgScoped, db.Model):
    """A package (套餐) such as the 10 000 km service: labour lines sold at one price."""

    __tablename__ = "service_packages"
    __table_args__ = (sa.UniqueConstraint("org_id", "code", name="uq_service_packages_org_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(120))
    category: Mapped[str] = mapped_column(sa.String(16), default="maintenance")
    price: Mapped[decimal.Decimal] = mapped_column(MONEY)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    items: Mapped[list[ServicePackageItem]] = relationship(
        back_populates="package", cascade="all, delete-orphan", order_by="ServicePackageItem.id"
    )

    @property
    def hours(self) -> decimal.Decimal:
        return sum((item.operation.standard_hours for item in self.items), ZERO)


class ServicePackageItem(OrgScoped, db.Model):
    __tablename__ = "service_package_items"
    __table_args__ = (sa.UniqueConstraint("package_id", "operation_id", name="uq_service_package_items"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(sa.ForeignKey("service_packages.id", ondelete="CASCADE"), index=True)
    operation_id: Mapped[int] = mapped_column(sa.ForeignKey("labour_operations.id"), index=True)

    package: Mapped[ServicePackage] = relationship(back_populates="items")
    operation: Mapped[LabourOperation] = relationship()


class Appointment(StoreScoped, db.Model):
    """A booked workshop slot (预约); capacity per slot comes from the store settings."""

    __tablename__ = "service_appointments"
    __table_args__ = (
        sa.Index("ix_service_appointments_store_starts", "store_id", "starts_at"),
        sa.Index("ix_service_appointments_store_customer", "store_id", "customer_id"),
        # the roll-up's day (every store of the group, in time order): walked in order
        sa.Index("ix_service_appointments_org_starts", "org_id", "starts_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_vehicles.id"))
    #: the slot's start (UTC); the slot length is the store's at booking time
    starts_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    service_type: Mapped[str] = mapped_column(sa.String(16), default="maintenance")
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(12), default="booked")
    notes: Mapped[str] = mapped_column(sa.String(500), default="")
    repair_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    vehicle: Mapped[CustomerVehicle | None] = relationship()
    advisor: Mapped[User | None] = relationship(foreign_keys=[advisor_id])
    technician: Mapped[User | None] = relationship(foreign_keys=[technician_id])

    __mapper_args__ = {"version_id_col": version}


class RepairOrder(StoreScoped, db.Model):
    """A repair order (维修工单), moved through ``service.services.rules.RO_MOVES`` only."""

    __tablename__ = "repair_orders"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "number", name="uq_repair_orders_store_number"),
        sa.Index("ix_repair_orders_store_status_opened", "store_id", "status", "opened_at"),
        # the ROs settled since the reports' service summary was cut off (reports.service_stats)
        sa.Index("ix_repair_orders_store_settled", "store_id", "settled_at"),
        sa.Index("ix_repair_orders_store_customer", "store_id", "customer_id"),
        sa.Index("ix_repair_orders_store_vehicle", "store_id", "vehicle_id"),
        #: the RO list, newest first over every state (keyset on opened_at, id)
        sa.Index("ix_repair_orders_store_opened", "store_id", "opened_at", "id"),
        # the roll-up's list (every store of the group, newest first): walked in order
        sa.Index("ix_repair_orders_org_opened", "org_id", "opened_at", "id"),
        # the workshop board (the ROs still in the workshop): each state's column a walk of
        # its soonest promised, and the states' counts from the index alone, of one store
        # or of the group
        sa.Index(
            "ix_repair_orders_store_board",
            "store_id",
            "status",
            "promised_at",
            "id",
            postgresql_where=sa.text(BOARD_WHERE),
            sqlite_where=sa.text(BOARD_WHERE),
        ),
        sa.Index(
            "ix_repair_orders_org_board",
            "org_id",
            "status",
            "promised_at",
            "id",
            # the roll-up's stores are a condition too: the states' counts stay index-only
            postgresql_include=["store_id"],
            postgresql_where=sa.text(BOARD_WHERE),
            sqlite_where=sa.text(BOARD_WHERE),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("customer_vehicles.id"))
    advisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    mileage_in: Mapped[int]
    fuel_level: Mapped[str] = mapped_column(sa.String(16), default="half")
    complaints: Mapped[str] = mapped_column(sa.Text, default="")
    walkaround_notes: Mapped[str] = mapped_column(sa.Text, default="")
    promised_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    opened_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    ready_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    settled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancel_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    next_due_date: Mapped[dt.date | None]
    next_due_mileage: Mapped[int | None]
    total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    paid_total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    vehicle: Mapped[CustomerVehicle] = relationship()
    advisor: Mapped[User | None] = relationship()
    lines: Mapped[list[RepairOrderLine]] = relationship(back_populates="repair_order", order_by="RepairOrderLine.id")
    payments: Mapped[list[ServicePayment]] = relationship(
        back_populates="repair_order", order_by="ServicePayment.received_at"
    )
    photos: Mapped[list[RepairOrderPhoto]] = relationship(order_by="RepairOrderPhoto.id", viewonly=True)
    proposals: Mapped[list[RepairOrderProposal]] = relationship(order_by="RepairOrderProposal.id", viewonly=True)

    __mapper_args__ = {"version_id_col": version}


class RepairOrderLine(StoreScoped, db.Model):
    """One labour line (or a whole package) of an RO: hours x rate - discount, a payer and
    a technician; its own work states (``LINE_MOVES``) and actual time."""

    __tablename__ = "repair_order_lines"
    __table_args__ = (
        sa.Index("ix_repair_order_lines_store_order", "store_id", "repair_order_id"),
        sa.Index("ix_repair_order_lines_store_technician_status", "store_id", "technician_id", "status"),
        # the roll-up board's technicians of 300 ROs of any store
        sa.Index("ix_repair_order_lines_org_order", "org_id", "repair_order_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    repair_order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    operation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("labour_operations.id"))
    package_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_packages.id"))
    description: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(16))
    payer: Mapped[str] = mapped_column(sa.String(12), default="customer")
    technician_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: estimated (billed) hours; a package line is priced as a whole (``rate`` is its price)
    hours: Mapped[decimal.Decimal] = mapped_column(HOURS)
    rate: Mapped[decimal.Decimal] = mapped_column(MONEY)
    discount: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    amount: Mapped[decimal.Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    #: when the running stretch of work began (None while not working)
    work_started_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    actual_minutes: Mapped[int] = mapped_column(default=0)
    rework_count: Mapped[int] = mapped_column(default=0)
    qc_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    qc_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    qc_note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    repair_order: Mapped[RepairOrder] = relationship(back_populates="lines")
    technician: Mapped[User | None] = relationship(foreign_keys=[technician_id])
    qc_by: Mapped[User | None] = relationship(foreign_keys=[qc_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def actual_hours(self) -> decimal.Decimal:
        return (decimal.Decimal(self.actual_minutes) / 60).quantize(decimal.Decimal("0.01"))


class ServicePayment(StoreScoped, db.Model):
    __tablename__ = "service_payments"
    __table_args__ = (sa.Index("ix_service_payments_store_order", "store_id", "repair_order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repair_order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    payer: Mapped[str] = mapped_column(sa.String(12), default="customer")
    method: Mapped[str] = mapped_column(sa.String(10), default="wechat")
    amount: Mapped[decimal.Decimal] = mapped_column(MONEY)
    reference: Mapped[str] = mapped_column(sa.String(60), default="")
    received_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    repair_order: Mapped[RepairOrder] = relationship(back_populates="payments")


class ServiceEvent(StoreScoped, db.Model):
    """Something that happened in service that the care module will act on (a call-back
    3 days after an RO closed, a CSI survey). Written here, read there; ``handled_at`` is
    the care module's to set."""

    __tablename__ = "service_events"
    __table_args__ = (
        sa.Index("ix_service_events_store_kind_handled", "store_id", "kind", "handled_at"),
        sa.UniqueConstraint("repair_order_id", "kind", name="uq_service_events_order_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    repair_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_orders.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_vehicles.id"))
    occurred_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    handled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


#: what the customer said about a job the advisor proposed on top of the RO
PROPOSAL_STATUSES = {"proposed": _l("待客户确认"), "approved": _l("客户已同意"), "declined": _l("客户已拒绝")}


class RepairOrderPhoto(StoreScoped, db.Model):
    """A walk-around photo taken at reception; the file lives under ``UPLOAD_DIR`` by a
    random name and is served only to the store's staff (``service.photo``)."""

    __tablename__ = "repair_order_photos"
    __table_args__ = (sa.Index("ix_repair_order_photos_store_order", "store_id", "repair_order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repair_order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    #: random name of the stored file (hex, with the extension of the sniffed type)
    file_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(20))
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class RepairOrderProposal(StoreScoped, db.Model):
    """Extra work the advisor proposes during the repair (追加项目): the customer approves or
    declines it through the progress link (time and address recorded); an approved job
    becomes a labour line of the RO."""

    __tablename__ = "repair_order_proposals"
    __table_args__ = (sa.Index("ix_repair_order_proposals_store_order", "store_id", "repair_order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    repair_order_id: Mapped[int] = mapped_column(sa.ForeignKey("repair_orders.id"))
    operation_id: Mapped[int] = mapped_column(sa.ForeignKey("labour_operations.id"))
    description: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    hours: Mapped[decimal.Decimal] = mapped_column(HOURS)
    rate: Mapped[decimal.Decimal] = mapped_column(MONEY)
    amount: Mapped[decimal.Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(sa.String(10), default="proposed")
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: the address the customer's answer came from (the progress link's request)
    decided_ip: Mapped[str] = mapped_column(sa.String(64), default="")
    line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("repair_order_lines.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
