"""Import batches (one uploaded file on its way in) and the column mappings an
organisation's files were given (remembered for the next file of the same kind)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import OrgScoped, StoreScoped, User
from ..timeutil import utcnow

#: uploaded -> (checking) -> checked -> (committing) -> committed; failed at either step
BATCH_STATUSES = {
    "uploaded": _l("待映射"),
    "checking": _l("检查中"),
    "checked": _l("已检查"),
    "committing": _l("导入中"),
    "committed": _l("已导入"),
    "failed": _l("失败"),
}
BATCH_BADGES = {
    "uploaded": "secondary",
    "checking": "info",
    "checked": "primary",
    "committing": "info",
    "committed": "success",
    "failed": "danger",
}
#: what became of one row
OUTCOMES = {"created": _l("新增"), "updated": _l("更新"), "rejected": _l("拒绝")}


class ImportBatch(StoreScoped, db.Model):
    """One uploaded file: its entity, where the file waits (deleted after the commit), the
    column mapping, the dry run's counts and row-by-row report, and the outcome."""

    __tablename__ = "import_batches"
    __table_args__ = (sa.Index("ix_import_batches_store_created", "store_id", "created_at", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(30))
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    #: the file's name inside IMPORT_UPLOAD_DIR ("" once deleted)
    stored_name: Mapped[str] = mapped_column(sa.String(80), default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="uploaded")
    #: the file's header row, as read
    headers: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    #: column position (as text) -> field key of the importer
    mapping: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    total_rows: Mapped[int] = mapped_column(default=0)
    #: {"created": n, "updated": n, "rejected": n}
    counts: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: [[row number, outcome, reason, key], ...]: every rejected row, then the others, bounded
    report: Mapped[list[Any] | None] = mapped_column(sa.JSON)
    #: commit the valid rows even when some were rejected (otherwise a rejection stops it)
    skip_rejected: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    checked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    committed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    created_by: Mapped[User | None] = relationship()


class ImportMapping(OrgScoped, db.Model):
    """How an organisation's files name the importer's fields: normalised header -> field
    key, learnt from every confirmed mapping (the next file of the kind is pre-filled)."""

    __tablename__ = "import_mappings"
    __table_args__ = (sa.UniqueConstraint("org_id", "entity", name="uq_import_mappings_org_entity"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(30))
    columns: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
