"""Walk-around photos of a repair order: checked by their first bytes (JPEG, PNG, WebP,
HEIC; what a file says it is counts for nothing), at most ``UPLOAD_MAX_BYTES`` each, kept
under ``UPLOAD_DIR/<store id>/`` by a random name, and deleted only before settlement."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ... import audit, tenancy
from ...extensions import db
from ...web import after_commit
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
    after_commit(lambda: _remove(path))
    return ro.id


def _remove(path: Path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
