"""Monthly targets per sales consultant (销售目标), set by the store's management."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import StoreScoped
from ..timeutil import utcnow


class SalesTarget(StoreScoped, db.Model):
    """One consultant's targets for one calendar month of the store: units ordered,
    deliveries and vehicle gross margin (the figures of ``metrics.consultant_ranking``)."""

    __tablename__ = "sales_targets"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "consultant_id", "month", name="uq_sales_targets_store_consultant_month"),
        sa.Index("ix_sales_targets_store_month", "store_id", "month"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    consultant_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: the first day of the month the targets are for
    month: Mapped[dt.date] = mapped_column(sa.Date)
    units: Mapped[int] = mapped_column(default=0)
    deliveries: Mapped[int] = mapped_column(default=0)
    gross_margin: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2), default=decimal.Decimal("0.00"))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
