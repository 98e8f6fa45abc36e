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


#: the kinds of :class:`CustomerStat` rows
STAT_KINDS = ("stamp", "growth", "owner", "visits")


class CustomerStat(StoreScoped, db.Model):
    """The customers report's summary of one store (``reports.customer_stats``), rebuilt
    whole by the hourly job ``reports.refresh_customer_stats`` so the report's sections read
    a few hundred rows instead of every customer of a group (issue 18: p95 <= 300 ms over
    1 000 000 customers). One row per ``kind``:

    - ``stamp``: one per store, the store is summarised (its ``refreshed_at``);
    - ``growth``: live customers created in the month that starts on ``day`` (store-local),
      with ``source`` and the address's beginning up to its first 区 (``region``): ``n``;
    - ``owner``: live customers of consultant ``person_id`` (None: unassigned): ``n``, with a
      valid mobile ``m``, owning a vehicle ``v``;
    - ``visits``: visits on ``day`` logged by consultant ``person_id``: ``n``, of which
      without contact ``m``.

    A store without a stamp (never summarised yet) is counted live by the sections."""

    __tablename__ = "report_customer_stats"
    __table_args__ = (sa.Index("ix_report_customer_stats_store_kind_day", "store_id", "kind", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    day: Mapped[dt.date | None] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(20), default="")
    region: Mapped[str] = mapped_column(sa.String(60), default="")
    #: a user (an FK, so the organisation archive remaps it like every user reference)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    n: Mapped[int] = mapped_column(default=0)
    m: Mapped[int] = mapped_column(default=0)
    v: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


#: the kinds of :class:`ServiceStat` rows
SERVICE_STAT_KINDS = ("stamp", "ro")


class ServiceStat(StoreScoped, db.Model):
    """The service figures' monthly summary of one store (``reports.service_stats``),
    rebuilt whole by the hourly job ``reports.refresh_service_stats`` so the store manager's
    trend tile reads a few hundred rows instead of every repair order of six months (issue 18:
    1 800 000 ROs group-wide). It holds the ROs **settled before** the stamp's cut-off (they
    never change again); the readers add the ones settled since, live. By store-local
    ``month`` of opening (its first day), one row per ``kind``:

    - ``stamp``: one per store: the store is summarised, in time zone ``zone``, up to the
      cut-off ``refreshed_at`` (the start of the hour the refresh ran in);
    - ``ro``: ``ros`` repair orders settled (or closed), ``revenue`` their totals.

    A store without a stamp in the zone asked for is counted live by its readers."""

    __tablename__ = "report_service_stats"
    __table_args__ = (sa.Index("ix_report_service_stats_store_kind_month", "store_id", "kind", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    month: Mapped[dt.date] = mapped_column(sa.Date)
    zone: Mapped[str] = mapped_column(sa.String(64), default="")
    ros: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[decimal.Decimal] = mapped_column(sa.Numeric(12, 2), default=decimal.Decimal("0.00"))
    refreshed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


#: the kinds of :class:`VisitStat` rows: the stamp, then the funnel's breakdowns ("all": none)
VISIT_STAT_KINDS = ("stamp", "all", "source", "consultant", "model")


class VisitStat(StoreScoped, db.Model):
    """The funnel's first stage summarised per store and store-local day
    (``reports.visit_stats``), rebuilt whole by the hourly job ``reports.refresh_visit_stats``
    so the sales funnel and the stores side by side read a few thousand rows instead of
    de-duplicating a month of a group's visits (133 000 in the benchmark: 300-400 ms). It
    holds the days **before** the stamp's cut-off day; the readers count the days from it on
    live. One row per ``kind``:

    - ``stamp``: one per store: the store is summarised, in time zone ``zone``, for the days
      before ``day`` (the store-local day the refresh ran on, at ``refreshed_at``);
    - ``all``: ``n`` visits on ``day``, a customer counted once (``metrics.visit_count``);
    - ``source`` / ``consultant`` / ``model``: the same per visit source, consultant
      (``person_id``) or intended model (``model_id``), a customer once under each key.

    A store without a stamp in the zone asked for is counted live by ``metrics.visit_count``."""

    __tablename__ = "report_visit_stats"
    __table_args__ = (sa.Index("ix_report_visit_stats_store_kind_day", "store_id", "kind", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    zone: Mapped[str] = mapped_column(sa.String(64), default="")
    day: Mapped[dt.date] = mapped_column(sa.Date)
    source: Mapped[str | None] = mapped_column(sa.String(20))
    #: a user (an FK, so the organisation archive remaps it like every user reference)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    model_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    n: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
