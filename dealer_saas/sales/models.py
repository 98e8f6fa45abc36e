"""Test drives, quotes, sales orders (with approvals, payments, delivery), loans, insurance."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..extensions import db
from ..inventory.models import StockVehicle, VehicleModel
from ..tenancy import StoreScoped, User
from ..timeutil import utcnow

MONEY = sa.Numeric(12, 2)
ZERO = decimal.Decimal("0.00")

TEST_DRIVE_STATUSES = {"booked": _l("已预约"), "done": _l("已完成"), "cancelled": _l("已取消"), "no_show": _l("未到店")}
QUOTE_STATUSES = {"draft": _l("草稿"), "sent": _l("已发送"), "accepted": _l("已接受"), "expired": _l("已失效")}
ORDER_STATUSES = {
    "draft": _l("草稿"),
    "submitted": _l("待审批"),
    "approved": _l("已审批"),
    "deposit_paid": _l("已付定金"),
    "allocated": _l("已配车"),
    "invoiced": _l("已开票"),
    "delivered": _l("已交车"),
    "cancelled": _l("已取消"),
}
PAYMENT_KINDS = {"deposit": _l("定金"), "balance": _l("尾款"), "loan": _l("贷款放款"), "refund": _l("退款")}
PAYMENT_METHODS = {
    "cash": _l("现金"),
    "card": _l("刷卡"),
    "transfer": _l("转账"),
    "wechat": _l("微信"),
    "alipay": _l("支付宝"),
}
LOAN_STATUSES = {
    "draft": _l("草稿"),
    "submitted": _l("已提交"),
    "approved": _l("已批准"),
    "rejected": _l("已拒绝"),
    "disbursed": _l("已放款"),
    "cancelled": _l("已取消"),
}
POLICY_STATUSES = {"quoted": _l("已报价"), "issued": _l("已出单"), "cancelled": _l("已退保")}


class TestDrive(StoreScoped, db.Model):
    __tablename__ = "test_drives"
    __table_args__ = (
        sa.Index("ix_test_drives_store_vehicle_start", "store_id", "vehicle_id", "starts_at"),
        sa.Index("ix_test_drives_store_start", "store_id", "starts_at"),
        sa.Index("ix_test_drives_store_customer", "store_id", "customer_id"),
        sa.Index("ix_test_drives_store_consultant_start", "store_id", "consultant_id", "starts_at"),
        # the reports count test drives by the period they were booked in
        sa.Index("ix_test_drives_store_created", "store_id", "created_at"),
    )
    __test__ = False  # not a pytest class
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("follow_up_cards.id"))
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("stock_vehicles.id"))
    consultant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    licence_number: Mapped[str] = mapped_column(sa.String(30), default="")
    licence_checked: Mapped[bool] = mapped_column(default=False)
    waiver_signed: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(10), default="booked")
    feedback: Mapped[str] = mapped_column(sa.Text, default="")
    rating: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship()
    vehicle: Mapped[StockVehicle] = relationship()
    consultant: Mapped[User | None] = relationship()


class Quote(StoreScoped, db.Model):
    __tablename__ = "quotes"
    __table_args__ = (
        sa.Index("ix_quotes_store_created", "store_id", "created_at"),
        sa.Index("ix_quotes_store_customer", "store_id", "customer_id"),
        sa.Index("ix_quotes_store_consultant_created", "store_id", "consultant_id", "created_at"),
        sa.Index("ix_quotes_store_status_created", "store_id", "status", "created_at"),
        sa.UniqueConstraint("store_id", "number", name="uq_quotes_store_number"),
        sa.UniqueConstraint("share_token"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("follow_up_cards.id"))
    consultant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    colour: Mapped[str] = mapped_column(sa.String(30), default="")
    list_price: Mapped[decimal.Decimal] = mapped_column(MONEY)
    discount: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    #: [{"name": "脚垫", "price": "300.00"}, ...]
    accessories: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    accessories_total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    insurance_amount: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    purchase_tax: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    registration_fee: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    other_fees: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    payment_method: Mapped[str] = mapped_column(sa.String(10), default="cash")
    valid_until: Mapped[dt.date | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    #: random token for the customer's read-only share link
    share_token: Mapped[str] = mapped_column(sa.String(43))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer] = relationship()
    vehicle_model: Mapped[VehicleModel] = relationship()
    consultant: Mapped[User | None] = relationship()


class SalesOrder(StoreScoped, db.Model):
    """A sale, moved through the states of ``sales.services.ORDER_MOVES`` only."""

    __tablename__ = "sales_orders"
    __table_args__ = (
        # A car is allocated to at most one live order: cancelling clears the column.
        sa.UniqueConstraint("stock_vehicle_id", name="uq_sales_orders_stock_vehicle"),
        sa.UniqueConstraint("store_id", "number"),
        sa.Index("ix_sales_orders_store_status_created", "store_id", "status", "created_at"),
        sa.Index("ix_sales_orders_store_customer", "store_id", "customer_id"),
        sa.Index("ix_sales_orders_store_consultant", "store_id", "consultant_id", "created_at"),
        sa.Index("ix_sales_orders_store_quote", "store_id", "quote_id"),
        sa.Index("ix_sales_orders_store_status_delivered", "store_id", "status", "delivered_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(40))
    quote_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quotes.id"))
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("follow_up_cards.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    consultant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    model_id: Mapped[int] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    colour: Mapped[str] = mapped_column(sa.String(30), default="")
    list_price: Mapped[decimal.Decimal] = mapped_column(MONEY)
    discount: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    accessories: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    accessories_total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    insurance_amount: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    fees_total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    deposit_required: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    paid_total: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    payment_method: Mapped[str] = mapped_column(sa.String(10), default="cash")
    status: Mapped[str] = mapped_column(sa.String(16), default="draft")
    #: approvals needed by discount size (0 none, 1 sales manager, 2 store manager too)
    approval_levels_required: Mapped[int] = mapped_column(default=0)
    approval_levels_done: Mapped[int] = mapped_column(default=0)
    stock_vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stock_vehicles.id"))
    invoice_number: Mapped[str] = mapped_column(sa.String(40), default="")
    invoiced_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancel_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: who last set the price (discount): like the consultant, never its approver
    priced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    consultant: Mapped[User | None] = relationship(foreign_keys=[consultant_id])
    vehicle_model: Mapped[VehicleModel] = relationship()
    stock_vehicle: Mapped[StockVehicle | None] = relationship()
    approvals: Mapped[list[OrderApproval]] = relationship(back_populates="order", order_by="OrderApproval.at")
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.received_at")
    #: the delivery record, once delivered (read-only here: ``services.delivery`` writes it);
    #: the order page joins it (``services.order_for_page``)
    delivery: Mapped[Delivery | None] = relationship(
        primaryjoin="Delivery.order_id == SalesOrder.id", viewonly=True, uselist=False
    )

    __mapper_args__ = {"version_id_col": version}


class OrderApproval(StoreScoped, db.Model):
    __tablename__ = "order_approvals"
    __table_args__ = (sa.Index("ix_order_approvals_store_order", "store_id", "order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"))
    level: Mapped[int]
    decision: Mapped[str] = mapped_column(sa.String(10))  # approved / rejected
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    order: Mapped[SalesOrder] = relationship(back_populates="approvals")
    by_user: Mapped[User | None] = relationship()


class Payment(StoreScoped, db.Model):
    __tablename__ = "payments"
    __table_args__ = (
        sa.Index("ix_payments_store_order", "store_id", "order_id"),
        sa.Index("ix_payments_store_received", "store_id", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"))
    kind: Mapped[str] = mapped_column(sa.String(10), default="deposit")
    method: Mapped[str] = mapped_column(sa.String(10), default="transfer")
    amount: Mapped[decimal.Decimal] = mapped_column(MONEY)
    reference: Mapped[str] = mapped_column(sa.String(60), default="")
    received_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    order: Mapped[SalesOrder] = relationship(back_populates="payments")


class Delivery(StoreScoped, db.Model):
    """Handing the car over (交车), with the checklist the consultant ticks off."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.UniqueConstraint("order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"))
    #: {"item code": true/false}
    checklist: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    received_by_name: Mapped[str] = mapped_column(sa.String(80), default="")
    mileage: Mapped[int | None]
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    delivered_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    delivered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class LoanApplication(StoreScoped, db.Model):
    __tablename__ = "loan_applications"
    __table_args__ = (sa.Index("ix_loan_applications_store_order", "store_id", "order_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("sales_orders.id"))
    lender: Mapped[str] = mapped_column(sa.String(80))
    amount: Mapped[decimal.Decimal] = mapped_column(MONEY)
    down_payment: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    term_months: Mapped[int] = mapped_column(default=36)
    annual_rate: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(6, 3))
    commission: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class InsurancePolicy(StoreScoped, db.Model):
    __tablename__ = "insurance_policies"
    __table_args__ = (
        sa.Index("ix_insurance_policies_store_order", "store_id", "order_id"),
        sa.Index("ix_insurance_policies_store_expires", "store_id", "expires_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    vin: Mapped[str] = mapped_column(sa.String(17), default="")
    insurer: Mapped[str] = mapped_column(sa.String(80))
    policy_number: Mapped[str] = mapped_column(sa.String(60), default="")
    premium: Mapped[decimal.Decimal] = mapped_column(MONEY)
    commission: Mapped[decimal.Decimal] = mapped_column(MONEY, default=ZERO)
    starts_on: Mapped[dt.date]
    expires_on: Mapped[dt.date]
    status: Mapped[str] = mapped_column(sa.String(10), default="quoted")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
