"""Job kinds of the data tools: an import's dry run and commit (per store, on demand) and
the nightly backup of the whole installation (platform-wide, daily, with retention)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import tenancy
from ..extensions import db
from ..jobs.registry import job
from .models import ImportBatch


@job("datatools.import", timeout=1800)
def import_file(store_id: int, period: str, import_batch_id: int, commit: bool = False) -> dict[str, Any]:
    """Check (dry run) or commit one uploaded file, as the user who uploaded it."""
    from .services.imports import run_import

    user_id = db.session.execute(
        select(ImportBatch.created_by_id).where(ImportBatch.id == import_batch_id)
    ).scalar_one_or_none()
    with tenancy.enter(store_id, user_id=user_id):
        return run_import(import_batch_id, commit=commit)


@job("datatools.backup", cadence="daily", per_store=False, hour=3, timeout=3600)
def nightly_backup(period: str) -> dict[str, Any]:
    """Back up the database into BACKUP_DIR and delete backups older than BACKUP_RETENTION_DAYS."""
    from .services import backup

    path = backup.backup()
    removed = backup.prune()
    return {"file": path.name, "bytes": path.stat().st_size, "removed": removed}
