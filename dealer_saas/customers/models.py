"""Customers, their contacts, tags and vehicles (with owner history)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto import EncryptedString
from ..extensions import db
from ..tenancy import StoreScoped, User
from ..timeutil import utcnow

SOURCES = {
    "walk_in": _l("到店"),
    "phone": _l("来电"),
    "web": _l("网络"),
    "referral": _l("转介绍"),
    "campaign": _l("市场活动"),
    "existing": _l("老客户"),
    "other": _l("其他"),
}
KINDS = {"individual": _l("个人"), "company": _l("公司")}
#: customer level (segment): prospect, owner (bought here), VIP, lost
LEVELS = {"prospect": _l("潜在客户"), "owner": _l("保有客户"), "vip": _l("VIP"), "inactive": _l("休眠")}
GENDERS = {"": _l("未知"), "M": _l("男"), "F": _l("女")}


def trgm_index(name: str, column: str) -> sa.Index:
    """A trigram index on PostgreSQL (substring search); a plain index elsewhere."""
    return sa.Index(name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def _pinyin_prefix_index(name: str, scope: str, column: str) -> sa.Index:
    """A pinyin search's index, ``(store or organisation, column)`` with pattern_ops (a
    plain ``LIKE 'zs%'``). On PostgreSQL it holds the live customers only and carries what
    the search reads of a match (the list's order, the visibility rule's owner, the store in
    the roll-up, the organisation in a store: the tenancy core states both; the full
    pinyin's index also the initials its alternative excludes), so the matches are an
    index-only scan: the group's match statement took 9 ms for 6 500 matches read from the
    table, 3-5 ms for a full window of 5 000 from these (issue 15). Without the organisation
    a store's search read the group's index instead, and skipped the other stores' entries
    (16 000 for a window of 3 000 in the large store)."""
    carried = ["created_at", "id", "owner_id"] + (["store_id"] if scope == "org_id" else ["org_id"])
    if column == "name_pinyin":
        carried.append("name_initials")
    return sa.Index(
        name,
        scope,
        column,
        postgresql_ops={column: "varchar_pattern_ops"},
        postgresql_include=carried,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def _name_prefix_index(name: str, scope: str) -> sa.Index:
    """A name prefix's index, ``(store or organisation, name)`` with pattern_ops. On
    PostgreSQL it carries what the search reads of a match, as the pinyin indexes do, and the
    deletion mark (it serves searches of every customer too, so it is not partial): a dense
    prefix ("王丽", 2 100 matches over the group) is an index-only scan, not 2 100 rows read
    from the table (3.3 ms)."""
    carried = ["created_at", "id", "owner_id", "deleted_at", "store_id" if scope == "org_id" else "org_id"]
    return sa.Index(name, scope, "name", postgresql_ops={"name": "varchar_pattern_ops"}, postgresql_include=carried)


#: what other modules' pages show in place of a deleted customer's name
DELETED_NAME = _l("已删除客户")


class Customer(StoreScoped, db.Model):
    __tablename__ = "customers"
    __table_args__ = (
        # a mobile is unique among the store's live customers: a soft-deleted customer's
        # number may be given to a new customer (partial index, PostgreSQL and SQLite)
        sa.Index(
            "uq_customers_store_mobile",
            "store_id",
            "mobile",
            unique=True,
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        ),
        # the "recently deleted" page and the daily purge
        sa.Index("ix_customers_store_deleted", "store_id", "deleted_at"),
        sa.Index("ix_customers_store_created", "store_id", "created_at", "id"),
        sa.Index("ix_customers_store_name_pinyin", "store_id", "name_pinyin", "id"),
        sa.Index("ix_customers_store_owner_created", "store_id", "owner_id", "created_at", "id"),
        sa.Index("ix_customers_store_last4", "store_id", "mobile_last4"),
        # prefix searches (LIKE 'x%'): pattern_ops serve LIKE in any collation (PostgreSQL)
        _pinyin_prefix_index("ix_customers_store_initials_prefix", "store_id", "name_initials"),
        _pinyin_prefix_index("ix_customers_store_pinyin_prefix", "store_id", "name_pinyin"),
        # a name prefix ("黄婷": surname and first given character), matched first in the
        # store; the trigram index alone was ANDed with the whole store's store_id bitmap
        _name_prefix_index("ix_customers_store_name_prefix", "store_id"),
        sa.Index("ix_customers_store_source_created", "store_id", "source", "created_at"),
        sa.Index("ix_customers_store_level_created", "store_id", "level", "created_at"),
        # the "recently updated" sort of the customer list
        sa.Index("ix_customers_store_updated", "store_id", "updated_at", "id"),
        sa.Index("ix_customers_mobile", "mobile"),  # group-wide phone look-up
        # the group roll-up ("all stores") filters by org first: the same orders per org
        sa.Index("ix_customers_org_created", "org_id", "created_at", "id"),
        # a dense search over the group walks this order reading the index alone: it carries
        # what the tenancy core, the visibility rule and a search test (live customers only)
        sa.Index(
            "ix_customers_org_created_search",
            "org_id",
            "created_at",
            "id",
            postgresql_include=["store_id", "owner_id", "name_initials", "name_pinyin", "name"],
            postgresql_where=sa.text("deleted_at IS NULL"),
            sqlite_where=sa.text("deleted_at IS NULL"),
        ),
        sa.Index("ix_customers_org_name_pinyin", "org_id", "name_pinyin", "id"),
        _pinyin_prefix_index("ix_customers_org_initials_prefix", "org_id", "name_initials"),
        _pinyin_prefix_index("ix_customers_org_pinyin_prefix", "org_id", "name_pinyin"),
        _name_prefix_index("ix_customers_org_name_prefix", "org_id"),
        sa.Index("ix_customers_org_last4", "org_id", "mobile_last4"),
        trgm_index("ix_customers_name_trgm", "name"),
        trgm_index("ix_customers_mobile_trgm", "mobile"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    #: full pinyin without spaces ("zhangsan"), for sorting and search
    name_pinyin: Mapped[str] = mapped_column(sa.String(240), default="")
    #: pinyin initials ("zs"): consultants type these on a phone
    name_initials: Mapped[str] = mapped_column(sa.String(40), default="")
    kind: Mapped[str] = mapped_column(sa.String(12), default="individual")
    #: normalised mainland mobile, 11 digits (or E.164 for foreign numbers)
    mobile: Mapped[str | None] = mapped_column(sa.String(20))
    mobile_last4: Mapped[str | None] = mapped_column(sa.String(4))
    other_phones: Mapped[str] = mapped_column(sa.String(200), default="")
    gender: Mapped[str] = mapped_column(sa.String(1), default="")
    birthday: Mapped[dt.date | None]
    id_number: Mapped[str | None] = mapped_column(EncryptedString())
    email: Mapped[str] = mapped_column(sa.String(120), default="")
    wechat: Mapped[str] = mapped_column(sa.String(60), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    source: Mapped[str] = mapped_column(sa.String(20), default="walk_in")
    level: Mapped[str] = mapped_column(sa.String(20), default="prospect")
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    #: soft delete: hidden from every read (``services.visible_customers``), restorable for
    #: ``services.RESTORE_DAYS`` days, then purged by the daily job
    deleted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    delete_reason: Mapped[str | None] = mapped_column(sa.String(200))
    #: set when the purge anonymised the row (other modules' rows still reference it)
    purged_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    deleted_by: Mapped[User | None] = relationship(foreign_keys=[deleted_by_id])
    contacts: Mapped[list[CustomerContact]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerContact.id"
    )
    tags: Mapped[list[CustomerTag]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerTag.tag"
    )
    #: the customer's cars (read-only: a car changes hands through ``services.vehicles``);
    #: the 360 header joins them to the customer (``services.customer_360``)
    vehicles: Mapped[list[CustomerVehicle]] = relationship(
        primaryjoin="CustomerVehicle.owner_id == Customer.id", viewonly=True, order_by="CustomerVehicle.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def tag_names(self) -> list[str]:
        return [t.tag for t in self.tags]

    @property
    def display_name(self) -> str:
        """The name other modules' pages show: a deleted customer (restorable, or purged)
        is "已删除客户" there, never their name."""
        return str(DELETED_NAME) if self.deleted_at is not None or self.purged_at is not None else self.name


def shown_name() -> sa.ColumnElement[str]:
    """:attr:`Customer.display_name` as a column, for the pages that read their rows as
    columns: the customer's name ("" where the row has no customer), or
    :data:`DELETED_NAME` in the request's language (taken when the statement runs, so a
    statement built once stays right) for a deleted customer."""
    return sa.case(
        (
            sa.or_(Customer.deleted_at.is_not(None), Customer.purged_at.is_not(None)),
            sa.bindparam("deleted_customer_name", callable_=lambda: str(DELETED_NAME), type_=sa.String),
        ),
        else_=sa.func.coalesce(Customer.name, ""),
    ).label("customer_name")


class CustomerContact(StoreScoped, db.Model):
    """A person at a company customer."""

    __tablename__ = "customer_contacts"
    __table_args__ = (sa.Index("ix_customer_contacts_store_customer", "store_id", "customer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(60), default="")
    mobile: Mapped[str] = mapped_column(sa.String(20), default="")
    is_primary: Mapped[bool] = mapped_column(default=False)

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class CustomerTag(StoreScoped, db.Model):
    __tablename__ = "customer_tags"
    __table_args__ = (
        sa.UniqueConstraint("customer_id", "tag"),
        sa.Index("ix_customer_tags_store_tag", "store_id", "tag", "customer_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(sa.String(30))

    customer: Mapped[Customer] = relationship(back_populates="tags")


class CustomerVehicle(StoreScoped, db.Model):
    """A car a customer owns (bought here or serviced here)."""

    __tablename__ = "customer_vehicles"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "vin", name="uq_customer_vehicles_store_vin"),
        sa.Index("ix_customer_vehicles_store_plate", "store_id", "plate"),
        # plate prefix search (LIKE '粤B1%'), in one store and in the roll-up
        sa.Index(
            "ix_customer_vehicles_store_plate_prefix",
            "store_id",
            "plate",
            postgresql_ops={"plate": "varchar_pattern_ops"},
        ),
        sa.Index(
            "ix_customer_vehicles_org_plate_prefix",
            "org_id",
            "plate",
            postgresql_ops={"plate": "varchar_pattern_ops"},
        ),
        # exact VIN in the roll-up (the store's unique (store_id, vin) serves one store)
        sa.Index("ix_customer_vehicles_org_vin", "org_id", "vin"),
        sa.Index("ix_customer_vehicles_store_owner", "store_id", "owner_id"),
        sa.Index("ix_customer_vehicles_store_insurance", "store_id", "insurance_expiry"),
        sa.Index("ix_customer_vehicles_store_service_due", "store_id", "next_service_date"),
        trgm_index("ix_customer_vehicles_vin_trgm", "vin"),
        trgm_index("ix_customer_vehicles_plate_trgm", "plate"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    vin: Mapped[str] = mapped_column(sa.String(17))
    #: upper-cased, no spaces or dots ("粤B12345")
    plate: Mapped[str] = mapped_column(sa.String(12), default="")
    brand: Mapped[str] = mapped_column(sa.String(40), default="")
    model: Mapped[str] = mapped_column(sa.String(60), default="")
    trim: Mapped[str] = mapped_column(sa.String(80), default="")
    colour: Mapped[str] = mapped_column(sa.String(30), default="")
    model_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    purchase_date: Mapped[dt.date | None]
    mileage: Mapped[int | None]
    insurance_expiry: Mapped[dt.date | None]
    next_service_date: Mapped[dt.date | None]
    next_service_mileage: Mapped[int | None]
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    #: the sales order that delivered this car, when it was sold here
    sales_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[Customer | None] = relationship(foreign_keys=[owner_id])
    ownerships: Mapped[list[VehicleOwnership]] = relationship(
        back_populates="vehicle", cascade="all, delete-orphan", order_by="VehicleOwnership.started_on.desc()"
    )

    __mapper_args__ = {"version_id_col": version}


class VehicleOwnership(StoreScoped, db.Model):
    """Owner history: who owned a car from when to when."""

    __tablename__ = "vehicle_ownerships"
    __table_args__ = (
        sa.Index("ix_vehicle_ownerships_store_vehicle", "store_id", "vehicle_id"),
        sa.Index("ix_vehicle_ownerships_store_customer", "store_id", "customer_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(sa.ForeignKey("customer_vehicles.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    started_on: Mapped[dt.date]
    ended_on: Mapped[dt.date | None]

    vehicle: Mapped[CustomerVehicle] = relationship(back_populates="ownerships")
    customer: Mapped[Customer] = relationship()


class CustomerOpen(db.Model):
    """One opening of a customer 360 by a user: what the hourly threshold counts
    (``services.pii.record_open``). Not store-scoped: counted per user across the stores they
    work in, like the audit log; written and read only by user id."""

    __tablename__ = "customer_opens"
    __table_args__ = (sa.Index("ix_customer_opens_user_at", "user_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    store_id: Mapped[int] = mapped_column(sa.ForeignKey("stores.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
