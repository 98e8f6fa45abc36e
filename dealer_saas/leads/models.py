"""The visit log (来店/来电登记) and follow-up cards (意向客户跟进卡) with their contact log."""

from __future__ import annotations

import datetime as dt
import decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer
from ..extensions import db
from ..inventory.models import VehicleModel
from ..tenancy import StoreScoped, User
from ..timeutil import utcnow

VISIT_KINDS = {"walk_in": _l("到店"), "phone": _l("来电")}
#: intent levels: H buys within 7 days, A 15, B 30, C longer
INTENT_LEVELS = {
    "H": _l("H级（7天内）"),
    "A": _l("A级（15天内）"),
    "B": _l("B级（30天内）"),
    "C": _l("C级（30天以上）"),
}
#: default days until the next call-back per level; stores override in settings
DEFAULT_CALLBACK_DAYS = {"H": 1, "A": 3, "B": 7, "C": 15}
CARD_STATUSES = {
    "open": _l("跟进中"),
    "lost_pending": _l("战败待审批"),
    "won": _l("已成交"),
    "lost": _l("已战败"),
    "dormant": _l("休眠"),
}
CONTACT_CHANNELS = {
    "phone": _l("电话"),
    "wechat": _l("微信"),
    "sms": _l("短信"),
    "visit": _l("到店"),
    "other": _l("其他"),
}
PAYMENT_METHODS = {"cash": _l("全款"), "loan": _l("按揭")}


class Visit(StoreScoped, db.Model):
    """One showroom visit or phone enquiry. Without contact details, ``customer_id`` is NULL
    and the visit still counts (the manager sees how many such visits there were)."""

    __tablename__ = "visits"
    __table_args__ = (
        sa.Index("ix_visits_store_time_in", "store_id", "time_in"),
        sa.Index("ix_visits_store_consultant_time_in", "store_id", "consultant_id", "time_in"),
        sa.Index("ix_visits_store_customer", "store_id", "customer_id"),
        # visit list filters: kind, and "no contact details" (customer_id NULL) by date
        sa.Index("ix_visits_store_kind_time_in", "store_id", "kind", "time_in"),
        sa.Index("ix_visits_store_customer_time_in", "store_id", "customer_id", "time_in"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10), default="walk_in")
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"))
    #: the name the visitor gave when no customer record could be made
    visitor_name: Mapped[str] = mapped_column(sa.String(80), default="")
    time_in: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    time_out: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    party_size: Mapped[int] = mapped_column(default=1)
    intended_model: Mapped[str] = mapped_column(sa.String(80), default="")
    model_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    source: Mapped[str] = mapped_column(sa.String(20), default="walk_in")
    consultant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    wants_test_drive: Mapped[bool] = mapped_column(default=False)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    card_id: Mapped[int | None] = mapped_column(sa.ForeignKey("follow_up_cards.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    customer: Mapped[Customer | None] = relationship()
    consultant: Mapped[User | None] = relationship(foreign_keys=[consultant_id])
    card: Mapped[FollowUpCard | None] = relationship(foreign_keys=[card_id])
    vehicle_model: Mapped[VehicleModel | None] = relationship()


class FollowUpCard(StoreScoped, db.Model):
    """An "A card": one prospect's intent to buy, followed up until won, lost or dormant."""

    __tablename__ = "follow_up_cards"
    __table_args__ = (
        sa.Index("ix_cards_store_status_next", "store_id", "status", "next_contact_on"),
        sa.Index("ix_cards_store_consultant_status_next", "store_id", "consultant_id", "status", "next_contact_on"),
        sa.Index("ix_cards_store_customer", "store_id", "customer_id"),
        sa.Index("ix_cards_store_level_status", "store_id", "level", "status"),
        # pipeline columns: open cards of one level, newest activity first
        sa.Index("ix_cards_store_status_level_updated", "store_id", "status", "level", "updated_at"),
        # card list filtered by level, due date order
        sa.Index("ix_cards_store_level_status_next", "store_id", "level", "status", "next_contact_on"),
        # lost-request queue, oldest request first
        sa.Index("ix_cards_store_status_lost_requested", "store_id", "status", "lost_requested_at"),
        # the reports count cards by the period of their creation
        sa.Index("ix_cards_store_created", "store_id", "created_at"),
        # the group roll-up's card list walks one organisation-wide index in its order
        # instead of sorting every store's open cards (132 ms on the benchmark data)
        sa.Index("ix_cards_org_status_next", "org_id", "status", "next_contact_on", "id"),
        sa.Index("ix_cards_org_level_status_next", "org_id", "level", "status", "next_contact_on", "id"),
        sa.Index("ix_cards_org_created", "org_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    consultant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    intended_model: Mapped[str] = mapped_column(sa.String(80), default="")
    model_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vehicle_models.id"))
    intended_trim: Mapped[str] = mapped_column(sa.String(80), default="")
    intended_colour: Mapped[str] = mapped_column(sa.String(30), default="")
    budget: Mapped[decimal.Decimal | None] = mapped_column(sa.Numeric(12, 2))
    payment_method: Mapped[str] = mapped_column(sa.String(10), default="cash")
    competitor_models: Mapped[str] = mapped_column(sa.String(200), default="")
    level: Mapped[str] = mapped_column(sa.String(1), default="C")
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    next_contact_on: Mapped[dt.date | None]
    last_contact_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    source: Mapped[str] = mapped_column(sa.String(20), default="walk_in")
    #: lost (战败) request and its review
    lost_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    lost_competitor: Mapped[str] = mapped_column(sa.String(80), default="")
    lost_requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lost_requested_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lost_reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lost_reviewed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lost_review_note: Mapped[str] = mapped_column(sa.String(200), default="")
    won_order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales_orders.id", use_alter=True))
    #: when the card was won / went dormant (the 360 timeline and reports show these)
    won_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    dormant_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    consultant: Mapped[User | None] = relationship(foreign_keys=[consultant_id])
    lost_requested_by: Mapped[User | None] = relationship(foreign_keys=[lost_requested_by_id])
    contacts: Mapped[list[CardContact]] = relationship(
        back_populates="card", cascade="all, delete-orphan", order_by="CardContact.at.desc()"
    )

    __mapper_args__ = {"version_id_col": version}


class CardContact(StoreScoped, db.Model):
    """One follow-up contact on a card; may change the level."""

    __tablename__ = "card_contacts"
    __table_args__ = (sa.Index("ix_card_contacts_store_card_at", "store_id", "card_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("follow_up_cards.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    channel: Mapped[str] = mapped_column(sa.String(10), default="phone")
    content: Mapped[str] = mapped_column(sa.Text, default="")
    objections: Mapped[str] = mapped_column(sa.String(300), default="")
    next_step: Mapped[str] = mapped_column(sa.String(300), default="")
    level_before: Mapped[str] = mapped_column(sa.String(1), default="")
    level_after: Mapped[str] = mapped_column(sa.String(1), default="")
    next_contact_on: Mapped[dt.date | None]
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    card: Mapped[FollowUpCard] = relationship(back_populates="contacts")
    by_user: Mapped[User | None] = relationship()


class DutySlot(StoreScoped, db.Model):
    """One consultant on duty on one day of the store (顾问轮岗): the day's roster is the
    store's rows of that day in ``position`` order; the reception queue proposes the next
    free one (``leads.services.reception.next_free_consultant``)."""

    __tablename__ = "duty_slots"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "day", "user_id", name="uq_duty_slots_store_day_user"),
        sa.Index("ix_duty_slots_store_day_position", "store_id", "day", "position"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the store's local day
    day: Mapped[dt.date]
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: rotation order, 1 first
    position: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
