"""Importing a file from the old system: upload, column mapping, dry run, commit.

- ``upload_file`` keeps the file under ``IMPORT_UPLOAD_DIR`` (a random name), reads its
  header and guesses the mapping (the organisation's remembered choices first).
- ``save_mapping`` stores the confirmed mapping on the batch and remembers it for the
  organisation; the dry run is then queued as a job.
- ``run_import`` (the job's body) reads the file in chunks and writes every row through the
  entity's importer, inside one savepoint: the dry run rolls it back (so the report says
  exactly what the commit would do: created / updated / rejected and why), the commit keeps
  it, or rolls everything back when a row is refused (unless the user chose to skip
  refused rows). One transaction, all or nothing. The file is deleted after the commit.
  An importer whose outcomes are known without writing (customers: the look-up of their
  mobiles says created or updated) gives the dry run its ``check`` instead, so a large
  file is not written twice.
- Progress (rows done) is kept in Redis while a job runs, so the page's bar moves while the
  job's own transaction is still open.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import audit, tenancy
from ...domain import DomainError
from ...extensions import db
from ...timeutil import utcnow
from .. import files
from ..importers import IMPORTERS, Importer, RowRejected, guess_mapping, normalise_header
from ..models import ImportBatch, ImportMapping

#: report rows kept on the batch: every rejected row up to this, and the first others
REPORT_REJECTED = 2000
REPORT_OTHERS = 200
PROGRESS_TTL = 24 * 3600


class ImportRefused(DomainError):
    """A refused import step (shown beside the form)."""


def upload_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_UPLOAD_DIR") or Path(current_app.instance_path) / "uploads")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _limits() -> tuple[int, int]:
    return (
        int(current_app.config.get("IMPORT_MAX_BYTES") or 30 * 1024 * 1024),
        int(current_app.config.get("IMPORT_MAX_ROWS") or 200_000),
    )


def importer_for(entity: str) -> Importer:
    importer = IMPORTERS.get(entity)
    if importer is None:
        raise ImportRefused(_("不支持导入该类数据。"), "entity")
    return importer


def may_import(importer: Importer) -> bool:
    ctx = tenancy.current()
    return ctx.can("admin.import") and (not importer.permission or ctx.can(importer.permission))


def importable() -> tuple[str, ...]:
    """The kinds of data the user may import here (``admin.import`` and each kind's own
    module permission: a parts clerk imports parts and suppliers, not customers)."""
    return tuple(key for key, importer in IMPORTERS.items() if may_import(importer))


def batch_or_404(batch_id: int) -> ImportBatch:
    """One import of the store, 404 for another tenant's and for a kind the user may not
    import (its row report shows that kind's data: a parts clerk never sees a customer file)."""
    batch = tenancy.get_or_404(ImportBatch, batch_id)
    if batch.entity not in importable():
        abort(404)
    return batch


def remembered_columns(entity: str) -> dict[str, str]:
    row = db.session.execute(select(ImportMapping).where(ImportMapping.entity == entity)).scalar_one_or_none()
    return dict(row.columns or {}) if row else {}


def batch_path(batch: ImportBatch) -> Path | None:
    if not batch.stored_name:
        return None
    return upload_dir() / batch.stored_name


def _file_kind(batch: ImportBatch) -> str:
    return "xlsx" if batch.stored_name.endswith(".xlsx") else "csv"


def upload_file(entity: str, filename: str, stream: Any) -> ImportBatch:
    """Keep the uploaded file and open a batch with its header and a guessed mapping.
    Raises FileRefused (macros, size, format, no header), ImportRefused."""
    tenancy.writable_store()
    importer = importer_for(entity)
    if not may_import(importer):
        raise ImportRefused(_("没有导入该类数据的权限。"), "entity")
    kind = files.kind_of(filename or "")
    max_bytes, max_rows = _limits()
    stored = f"{secrets.token_hex(16)}.{kind}"
    path = upload_dir() / stored
    written = 0
    with path.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            written += len(chunk)
            if written > max_bytes:
                out.close()
                path.unlink(missing_ok=True)
                raise files.FileRefused(_("文件超过 %(mb)s MB，请拆分后上传。", mb=max_bytes // (1024 * 1024)))
            out.write(chunk)
    try:
        files.check_content(path, kind, max_bytes)
        rows = files.read_rows(path, kind, max_rows)
        headers = next(rows, None)
        if not headers:
            raise files.FileRefused(_("文件没有表头行。"))
        total = sum(1 for _row in rows)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    if total == 0:
        path.unlink(missing_ok=True)
        raise files.FileRefused(_("文件只有表头，没有数据行。"))
    batch = ImportBatch(
        entity=entity,
        filename=(filename or "")[-200:],
        stored_name=stored,
        headers=headers,
        mapping=guess_mapping(importer, headers, remembered_columns(entity)),
        total_rows=total,
        created_by_id=tenancy.current().user_id,
    )
    db.session.add(batch)
    db.session.flush()
    audit.record("upload", batch, summary=f"{entity} {batch.filename} ({total})")
    return batch


def save_mapping(batch_id: int, mapping: dict[str, str], skip_rejected: bool) -> ImportBatch:
    """Confirm the mapping (column position -> field; each field once, the required ones
    present), remember it for the organisation and set the batch up for its dry run."""
    batch = batch_or_404(batch_id)
    importer = importer_for(batch.entity)
    if batch.status not in ("uploaded", "checked", "failed") or not batch.stored_name:
        raise ImportRefused(_("该导入已完成或正在运行，不能再修改映射。"))
    clean: dict[str, str] = {}
    for position, key in mapping.items():
        if key and key in importer.fields and position.isdigit() and int(position) < len(batch.headers or []):
            if key in clean.values():
                raise ImportRefused(_("“%(field)s”被映射了两次。", field=importer.fields[key].label))
            clean[position] = key
    missing = [str(c.label) for c in importer.columns if c.required and c.key not in clean.values()]
    if missing:
        raise ImportRefused(_("缺少必填列：%(names)s。", names="、".join(missing)))
    batch.mapping = clean
    batch.skip_rejected = bool(skip_rejected)
    batch.status = "checking"
    batch.error = ""
    _remember(batch.entity, {normalise_header(batch.headers[int(p)]): k for p, k in clean.items()})
    db.session.flush()
    return batch


def _remember(entity: str, learnt: dict[str, str]) -> None:
    row = db.session.execute(select(ImportMapping).where(ImportMapping.entity == entity)).scalar_one_or_none()
    if row is None:
        row = ImportMapping(entity=entity, columns={})
        db.session.add(row)
    learnt = {k: v for k, v in learnt.items() if k}
    row.columns = {**(row.columns or {}), **learnt}
    row.updated_at = utcnow()


def request_commit(batch_id: int) -> ImportBatch:
    """Queue the commit of a checked batch (refused while rows were rejected, unless the
    user chose to skip them)."""
    batch = batch_or_404(batch_id)
    if batch.status != "checked" or not batch.stored_name:
        raise ImportRefused(_("请先完成检查（试导入）再提交。"))
    if (batch.counts or {}).get("rejected") and not batch.skip_rejected:
        raise ImportRefused(_("有被拒绝的行：请修改文件后重新上传，或选择跳过被拒绝的行。"))
    batch.status = "committing"
    db.session.flush()
    return batch


# --------------------------------------------------------------------------- the run


def _progress_key(batch_id: int) -> str:
    return f"datatools:import:{batch_id}:done"


def progress(batch: ImportBatch) -> int:
    """Rows done by the running job (0 when unknown)."""
    from ...jobs.queue import redis_connection

    try:
        value = redis_connection().get(_progress_key(batch.id))
    except Exception:  # noqa: BLE001 - a progress bar never breaks the page
        return 0
    return int(value or 0)


def _set_progress(batch_id: int, done: int) -> None:
    from ...jobs.queue import redis_connection

    try:
        redis_connection().set(_progress_key(batch_id), done, ex=PROGRESS_TTL)
    except Exception:  # noqa: BLE001
        pass


def _mapped_rows(batch: ImportBatch):
    """(row number as people count it: the header is row 1, values by field key)."""
    path = batch_path(batch)
    if path is None or not path.exists():
        raise ImportRefused(_("上传的文件已不存在，请重新上传。"))
    _max_bytes, max_rows = _limits()
    rows = files.read_rows(path, _file_kind(batch), max_rows)
    next(rows, None)
    positions = {int(p): k for p, k in (batch.mapping or {}).items()}
    for number, cells in enumerate(rows, start=2):
        yield number, {key: cells[p] if p < len(cells) else "" for p, key in positions.items()}


def _apply(batch: ImportBatch, importer: Importer, *, commit: bool) -> tuple[dict[str, int], list[list[Any]]]:
    counts = {"created": 0, "updated": 0, "rejected": 0}
    rejected: list[list[Any]] = []
    others: list[list[Any]] = []
    seen: dict[str, int] = {}

    def note(number: int, outcome: str, reason: str, key: str) -> None:
        counts[outcome] += 1
        entry = [number, outcome, reason, key]
        if outcome == "rejected":
            if len(rejected) < REPORT_REJECTED:
                rejected.append(entry)
        elif len(others) < REPORT_OTHERS:
            others.append(entry)

    chunk: list[tuple[int, dict[str, Any], str]] = []
    done = 0

    def flush_chunk() -> None:
        nonlocal done
        if not chunk:
            return
        write = importer.write if commit or importer.check is None else importer.check
        outcomes = write([values for _n, values, _k in chunk])
        for (number, _values, key), (outcome, reason) in zip(chunk, outcomes, strict=True):
            note(number, outcome, reason, key)
        done += len(chunk)
        chunk.clear()
        _set_progress(batch.id, done)

    for number, raw in _mapped_rows(batch):
        try:
            values = importer.normalise(raw)
            key = importer.key(values) or ""
        except RowRejected as error:
            note(number, "rejected", str(error), (raw.get(importer.key_field) or "")[:40])
            done += 1
            continue
        if key:
            if key in seen:
                note(
                    number,
                    "rejected",
                    _("与第 %(row)s 行的%(what)s重复。", row=seen[key], what=importer.key_label),
                    key,
                )
                done += 1
                continue
            seen[key] = number
        chunk.append((number, values, key))
        if len(chunk) >= importer.chunk:
            flush_chunk()
    flush_chunk()
    rejected.sort()
    others.sort()
    return counts, rejected + others


def run_import(batch_id: int, *, commit: bool) -> dict[str, Any]:
    """The job's body: check (``commit`` False) or commit one batch. Returns the counts."""
    batch = db.session.execute(select(ImportBatch).where(ImportBatch.id == batch_id)).scalar_one_or_none()
    if batch is None:
        return {"missing": batch_id}
    importer = importer_for(batch.entity)
    started = time.monotonic()
    _set_progress(batch.id, 0)
    savepoint = db.session.begin_nested()
    try:
        counts, report = _apply(batch, importer, commit=commit)
    except (DomainError, RowRejected) as error:
        savepoint.rollback()
        batch.status, batch.error = "failed", str(error)
        return {"failed": str(error)}
    except Exception as error:  # noqa: BLE001 - all or nothing: the batch says it failed
        savepoint.rollback()
        batch.status = "failed"
        batch.error = _("导入失败，未保存任何数据：%(error)s", error=type(error).__name__)
        current_app.logger.exception("import batch %s failed", batch_id)
        return {"failed": type(error).__name__}
    keep = commit and (not counts["rejected"] or batch.skip_rejected)
    if keep:
        savepoint.commit()
    else:
        savepoint.rollback()
    seconds = round(time.monotonic() - started, 1)
    batch.counts = {**counts, "seconds": seconds}
    batch.report = report
    if not commit:
        batch.status, batch.checked_at = "checked", utcnow()
    elif keep:
        batch.status, batch.committed_at = "committed", utcnow()
        path = batch_path(batch)
        if path is not None:
            path.unlink(missing_ok=True)
        batch.stored_name = ""
        audit.record(
            "import",
            batch.entity,
            summary=_(
                "导入%(what)s：新增 %(created)s，更新 %(updated)s，拒绝 %(rejected)s",
                what=importer.label,
                **counts,
            ),
            after={"batch": batch.id, "file": batch.filename, **counts},
        )
    else:
        batch.status = "checked"
        batch.error = _("有 %(n)s 行被拒绝，未导入任何数据。", n=counts["rejected"])
    db.session.flush()
    return {**counts, "seconds": seconds, "committed": keep}


def recent_batches(limit: int = 20) -> list[ImportBatch]:
    return list(
        db.session.execute(
            select(ImportBatch)
            .options(joinedload(ImportBatch.created_by))
            .where(ImportBatch.entity.in_(importable()))
            .order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
            .limit(limit)
        ).scalars()
    )


def discard_batch(batch_id: int) -> ImportBatch:
    """Delete an unfinished batch's file (the batch stays in the list as failed)."""
    batch = batch_or_404(batch_id)
    if batch.status in ("checking", "committing"):
        raise ImportRefused(_("正在运行的导入不能取消。"))
    path = batch_path(batch)
    if path is not None:
        path.unlink(missing_ok=True)
    if batch.status != "committed":
        batch.status, batch.error = "failed", _("已取消。")
    batch.stored_name = ""
    db.session.flush()
    return batch
