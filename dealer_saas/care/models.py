"""Call-back tasks (回访任务) and the attempts made on them.

A task is created by the generation job from a rule (``care.rules``) and one occasion (a
visit, a delivery, a closed RO, a birthday year, a policy's expiry, a service due cycle, a
lapse): ``(store, rule, customer, occasion)`` is unique, so the job can run any number of
times, or again after dying half-way, and each task exists once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..customers.models import Customer, CustomerVehicle
from ..extensions import db
from ..tenancy import StoreScoped, User
from ..timeutil import utcnow

TASK_STATUSES = {"open": _l("待回访"), "done": _l("已完成"), "cancelled": _l("已取消")}

#: one-tap outcomes of a call, in the order the agent sees them
OUTCOMES = {
    "reached": _l("已接通"),
    "satisfied": _l("满意"),
    "no_answer": _l("未接通"),
    "call_again": _l("约定再联系"),
    "wrong_number": _l("号码错误"),
    "complaint": _l("提出投诉"),
}


class CallbackTask(StoreScoped, db.Model):
    """One call a care agent (or the customer's consultant) is to make."""

    __tablename__ = "care_callbacks"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "rule", "customer_id", "occasion", name="uq_care_callbacks_key"),
        # the queue: open tasks by due date (today, overdue), of one agent or of everyone
        sa.Index("ix_care_callbacks_store_status_due", "store_id", "status", "due_on", "id"),
        sa.Index("ix_care_callbacks_store_assignee_status_due", "store_id", "assignee_id", "status", "due_on", "id"),
        sa.Index("ix_care_callbacks_store_rule_status_due", "store_id", "rule", "status", "due_on", "id"),
        # the roll-up's queue (every store of the group): walked in due order
        sa.Index("ix_care_callbacks_org_status_due", "org_id", "status", "due_on", "id"),
        # completion rates count the tasks due in a period
        sa.Index("ix_care_callbacks_store_due", "store_id", "due_on"),
        sa.Index("ix_care_callbacks_store_customer_created", "store_id", "customer_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: the rule's code (``care.rules.RULES``)
    rule: Mapped[str] = mapped_column(sa.String(24))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    vehicle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customer_vehicles.id"))
    #: what the call is about, unique per rule and customer ("d42-3": delivery 42, 3 days)
    occasion: Mapped[str] = mapped_column(sa.String(60))
    due_on: Mapped[dt.date]
    #: a time agreed with the customer ("call again at"), UTC
    call_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    #: the last outcome (the final one once done)
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    vehicle: Mapped[CustomerVehicle | None] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])

    __mapper_args__ = {"version_id_col": version}


class CallbackAttempt(StoreScoped, db.Model):
    """One call made on a task, with its outcome."""

    __tablename__ = "care_callback_attempts"
    __table_args__ = (sa.Index("ix_care_callback_attempts_store_task", "store_id", "task_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("care_callbacks.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    next_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


#: the days of a week pattern, bit ``1 << weekday`` (Monday 0 ... Sunday 6, Python's ``date.weekday()``)
WEEKDAYS = {
    0: _l("周一"),
    1: _l("周二"),
    2: _l("周三"),
    3: _l("周四"),
    4: _l("周五"),
    5: _l("周六"),
    6: _l("周日"),
}
EVERY_DAY = (1 << 7) - 1


class CareDutyWeek(StoreScoped, db.Model):
    """A care agent's weekly pattern in one store (值班周表): one row per agent, the days
    worked as a 7-bit mask (``1 << weekday``). An agent without a row works every day, so a
    store that never set a roster keeps calling everyone on duty."""

    __tablename__ = "care_duty_weeks"
    __table_args__ = (sa.UniqueConstraint("store_id", "user_id", name="uq_care_duty_weeks_store_user"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    weekdays: Mapped[int] = mapped_column(default=EVERY_DAY)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    def works_on(self, weekday: int) -> bool:
        return bool(self.weekdays & (1 << weekday))


DUTY_KINDS = {"off": _l("请假 / 休息"), "on": _l("加班 / 调班上岗")}


class CareDutyException(StoreScoped, db.Model):
    """One date that differs from an agent's week: a leave (``on_duty`` false) or an extra
    day (true). Wins over the week pattern on that date."""

    __tablename__ = "care_duty_exceptions"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "user_id", "day", name="uq_care_duty_exceptions_store_user_day"),
        sa.Index("ix_care_duty_exceptions_store_day", "store_id", "day", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    day: Mapped[dt.date]
    on_duty: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def kind(self) -> str:
        return "on" if self.on_duty else "off"
