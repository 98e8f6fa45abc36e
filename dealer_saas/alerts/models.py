"""The kept state of every alert subject: low or recovered, and when it crossed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import StoreScoped
from ..timeutil import utcnow


class AlertState(StoreScoped, db.Model):
    __tablename__ = "alert_states"
    __table_args__ = (
        sa.UniqueConstraint("store_id", "kind", "subject_key", name="uq_alert_states_store_kind_subject"),
        sa.Index("ix_alert_states_store_kind_low", "store_id", "kind", "is_low"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    #: the subject's id as its module names it (a model id, a part id), as text
    subject_key: Mapped[str] = mapped_column(sa.String(60))
    is_low: Mapped[bool] = mapped_column(default=True)
    #: when it last became low (the crossing that was reported)
    crossed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    recovered_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: how many times it has crossed (became low) since the state was first kept
    crossings: Mapped[int] = mapped_column(default=1)
