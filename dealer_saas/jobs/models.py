"""Job runs (what happened) and job schedules (what is due next).

``JobRun`` belongs to an organisation (``OrgScoped``: the core keeps the organisation wall)
and carries the store it ran for, but is not ``StoreScoped``: a platform-wide job has no
store, and the run list narrows to the viewer's stores in ``jobs.services``.
``JobSchedule`` is the scheduler's own bookkeeping, read and written only by the scheduler
process (system context).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import OrgScoped, Store
from ..timeutil import utcnow

OUTCOMES = {
    "running": _l("运行中"),
    "ok": _l("成功"),
    "retrying": _l("失败，等待重试"),
    "failed": _l("失败"),
}
OUTCOME_BADGES = {"running": "info", "ok": "success", "retrying": "warning", "failed": "danger"}


class JobRun(OrgScoped, db.Model):
    """One execution (attempt) of a job kind for one store and period."""

    __tablename__ = "job_runs"
    __table_args__ = (
        sa.Index("ix_job_runs_store_started", "store_id", "started_at", "id"),
        sa.Index("ix_job_runs_store_kind_started", "store_id", "kind", "started_at", "id"),
        sa.Index("ix_job_runs_store_outcome_started", "store_id", "outcome", "started_at", "id"),
        sa.Index("ix_job_runs_job_id", "job_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Platform-wide jobs (per_store=False) run in the system context with no organisation.
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True, nullable=True)
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(80))
    period: Mapped[str] = mapped_column(sa.String(40), default="")
    #: the RQ job id (deterministic for scheduled runs: "kind:store:period")
    job_id: Mapped[str] = mapped_column(sa.String(200), default="")
    queue: Mapped[str] = mapped_column(sa.String(20), default="default")
    attempt: Mapped[int] = mapped_column(default=1)
    outcome: Mapped[str] = mapped_column(sa.String(12), default="running")
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    error: Mapped[str] = mapped_column(sa.Text, default="")
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: the job's keyword ids (``outbound_message_id=...``)
    arguments: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    store: Mapped[Store | None] = relationship()

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None or self.started_at is None:
            return None
        from ..timeutil import as_utc

        return (as_utc(self.finished_at) - as_utc(self.started_at)).total_seconds()


class JobSchedule(db.Model):
    """When a periodic job kind is next due for one store (or the platform)."""

    __tablename__ = "job_schedules"
    __table_args__ = (
        sa.Index("ix_job_schedules_due", "enabled", "next_due_at"),
        sa.Index("ix_job_schedules_kind_store", "kind", "store_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: "kind:store_id" ("kind:*" for platform-wide kinds): unique even where store_id is NULL
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(80))
    store_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stores.id"))
    cadence: Mapped[str] = mapped_column(sa.String(10))
    #: store-local hour at which a daily period becomes due
    hour: Mapped[int] = mapped_column(default=2)
    enabled: Mapped[bool] = mapped_column(default=True)
    next_due_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    last_enqueued_period: Mapped[str | None] = mapped_column(sa.String(40))
    last_enqueued_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def schedule_key(kind: str, store_id: int | None) -> str:
    return f"{kind}:{store_id if store_id is not None else '*'}"
