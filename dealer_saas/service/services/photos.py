"""Walk-around photos of a repair order: checked by their first bytes (JPEG, PNG, WebP,
HEIC; what a file says it is counts for nothing), at most ``UPLOAD_MAX_BYTES`` each, kept
under ``UPLOAD_DIR/<store id>/`` by a random name, and deleted only before settlement.

The files follow the database transaction (SQLAlchemy session events, not the request's
``after_commit`` list, so a savepoint counts too): a file is written when its row is added,
so the upload fails in the request if the disk does, and removed again when the transaction
(or the savepoint) the row was added in rolls back; a deleted row's file goes only once
the deletion is committed. What a crashed process leaves behind (a file written, the
transaction never ended) is removed by the daily ``service.sweep_photo_files`` job: files
no row names, older than :data:`SWEEP_GRACE`."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, SessionTransaction

from ... import audit, tenancy
from ...extensions import db
from ..models import RepairOrderPhoto
from .repair_orders import get_repair_order
from .rules import ServiceError, ctx

#: the RO states in which photos may be added or deleted (not once the RO is settled)
PHOTO_STATES = ("open", "in_progress", "quality_check", "ready")
MAX_PHOTOS = 40
MAX_PER_UPLOAD = 12
#: ISO-BMFF brands of HEIF/HEIC pictures (iPhones and many Android phones)
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic"}


def sniff(head: bytes) -> str | None:
    """The image type of a file from its first bytes, or None (not a picture we keep)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def upload_root() -> Path:
    """``UPLOAD_DIR`` (configured), else ``uploads`` in the instance folder."""
    configured = current_app.config.get("UPLOAD_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def path_of(photo: RepairOrderPhoto) -> Path:
    return upload_root() / str(int(photo.store_id)) / photo.file_name


def _read_limited(upload: Any, limit: int) -> bytes:
    stream = getattr(upload, "stream", None)
    if stream is None or not hasattr(stream, "read"):
        raise ServiceError(_("请选择要上传的照片。"), "photos")
    data = stream.read(limit + 1)
    if not isinstance(data, bytes):
        raise ServiceError(_("请选择要上传的照片。"), "photos")
    return data


def add_photos(repair_order_id: Any, uploads: Iterable[Any]) -> list[RepairOrderPhoto]:
    """Store the reception's photos (up to ``MAX_PER_UPLOAD`` at once, ``MAX_PHOTOS`` per
    RO). Every file is checked before any is kept: one bad file refuses the whole upload
    with its name in the message."""
    ro = get_repair_order(repair_order_id)
    if ro.status not in PHOTO_STATES:
        raise ServiceError(_("工单已结算，不能再添加照片。"), "photos")
    files = [u for u in uploads if getattr(u, "filename", None)]
    if not files:
        raise ServiceError(_("请选择要上传的照片。"), "photos")
    if len(files) > MAX_PER_UPLOAD:
        raise ServiceError(_("一次最多上传 %(n)s 张照片。", n=MAX_PER_UPLOAD), "photos")
    existing = db.session.execute(
        select(func.count(RepairOrderPhoto.id)).where(RepairOrderPhoto.repair_order_id == ro.id)
    ).scalar_one()
    if existing + len(files) > MAX_PHOTOS:
        raise ServiceError(_("每张工单最多 %(n)s 张照片。", n=MAX_PHOTOS), "photos")
    limit = int(current_app.config.get("UPLOAD_MAX_BYTES") or 10 * 1024 * 1024)
    checked: list[tuple[bytes, str]] = []
    for upload in files:
        name = str(upload.filename)[:60]
        data = _read_limited(upload, limit)
        if not data:
            raise ServiceError(_("文件 %(f)s 是空的。", f=name), "photos")
        if len(data) > limit:
            raise ServiceError(_("照片 %(f)s 超过 %(mb)s MB。", f=name, mb=round(limit / 1024 / 1024, 1)), "photos")
        kind = sniff(data[:16])
        if kind is None:
            raise ServiceError(_("文件 %(f)s 不是 JPEG、PNG、WebP 或 HEIC 格式的照片。", f=name), "photos")
        checked.append((data, kind))
    folder = upload_root() / str(ro.store_id)
    folder.mkdir(parents=True, exist_ok=True)
    photos = []
    for data, kind in checked:
        photo = RepairOrderPhoto(
            repair_order_id=ro.id,
            file_name=f"{secrets.token_hex(16)}.{EXTENSIONS[kind]}",
            content_type=kind,
            size_bytes=len(data),
            uploaded_by_id=ctx().user_id,
        )
        target = folder / photo.file_name
        # "x": a name that exists is never overwritten (128 random bits: it does not happen)
        with open(target, "xb") as out:
            _follow(target, REMOVE_ON_ROLLBACK)
            out.write(data)
        db.session.add(photo)
        photos.append(photo)
    db.session.flush()
    audit.record("create", ro, summary=_("%(n)s 张环车照片", n=len(photos)), after={"photos": len(photos)})
    return photos


def get_photo(repair_order_photo_id: Any) -> RepairOrderPhoto:
    """A photo of the store (or of the roll-up's stores), or 404."""
    return tenancy.get_or_404(RepairOrderPhoto, repair_order_photo_id)


def delete_photo(repair_order_photo_id: Any) -> int:
    """Delete a photo before the RO is settled; the file goes once the deletion committed.
    Returns the RO's id."""
    photo = get_photo(repair_order_photo_id)
    ro = get_repair_order(photo.repair_order_id)
    if ro.status not in PHOTO_STATES:
        raise ServiceError(_("工单已结算，照片不能删除。"))
    path = path_of(photo)
    audit.record("delete", photo, before=audit.snapshot(photo), summary=ro.number)
    db.session.delete(photo)
    db.session.flush()
    _follow(path, REMOVE_ON_COMMIT)
    return ro.id


def _remove(path: Path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


# --------------------------------------------------------------------------- files and the transaction

#: what becomes of a file when the transaction it was noted in ends
REMOVE_ON_ROLLBACK = "written"  # a new photo's file: gone if its row is rolled back
REMOVE_ON_COMMIT = "deleted"  # a deleted photo's file: gone once the deletion is committed
_FILES = "service_photo_files"


def _follow(path: Path, kind: str) -> None:
    """Note ``path`` against the innermost transaction of the session (a savepoint of
    ``attempt`` or the request's transaction)."""
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:  # no transaction (not reached: a flush or a read began one)
        transaction = session.begin()
    session.info.setdefault(_FILES, []).append((transaction, path, kind))


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _undo(session: Session, ended: SessionTransaction) -> None:
    """``ended`` rolled back (or closed without a commit): the files written in it go, the
    deletions noted in it are forgotten."""
    noted = session.info.get(_FILES)
    if not noted:
        return
    kept = []
    for transaction, path, kind in noted:
        if _within(transaction, ended):
            if kind == REMOVE_ON_ROLLBACK:
                _remove(path)
        else:
            kept.append((transaction, path, kind))
    session.info[_FILES] = kept


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    _undo(session, previous_transaction)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # also fired when a savepoint is released: only the outermost commit settles the files
    if not session.info.get(_FILES) or session.in_nested_transaction():
        return
    for _transaction, path, kind in session.info.pop(_FILES):
        if kind == REMOVE_ON_COMMIT:
            _remove(path)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and session.info.get(_FILES):  # closed without commit or rollback
        _undo(session, transaction)


# --------------------------------------------------------------------------- the sweep

#: a file no row names is removed once it is this old (a request still running may have
#: written it a moment ago, its row not yet committed)
SWEEP_GRACE = dt.timedelta(hours=6)


def sweep_files(store_id: int, *, grace: dt.timedelta = SWEEP_GRACE) -> dict[str, int]:
    """Remove the files in the store's upload folder that no photo row names and that are
    older than ``grace`` (left by a process that died between writing a file and ending its
    transaction, or by rows deleted outside :func:`delete_photo`)."""
    folder = upload_root() / str(int(store_id))
    if not folder.is_dir():
        return {"files": 0, "removed": 0}
    cutoff = time.time() - grace.total_seconds()
    candidates = {}
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
            candidates[entry.name] = Path(entry.path)
    named: set[str] = set()
    names = sorted(candidates)
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        named.update(
            db.session.execute(
                select(RepairOrderPhoto.file_name).where(RepairOrderPhoto.file_name.in_(chunk))
            ).scalars()
        )
    removed = 0
    for name, path in candidates.items():
        if name not in named:
            _remove(path)
            removed += 1
    return {"files": len(candidates), "removed": removed}
