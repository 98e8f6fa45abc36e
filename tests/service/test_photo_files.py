"""A photo's file follows its row's transaction: written with the row, removed when the
transaction or the savepoint it was added in rolls back (a refused form, a failed request),
removed for a deleted row only once the deletion is committed; the daily sweep removes
files no row names once they are older than the grace period."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from dealer_saas.extensions import db
from dealer_saas.service import jobs as service_jobs
from dealer_saas.service.demo import _png
from dealer_saas.service.models import RepairOrderPhoto
from dealer_saas.service.services import photos
from dealer_saas.service.services.rules import ServiceError

from ..conftest import login
from . import factories as sf

PNG = _png(4, 3, (10, 200, 10))


def _files(n: int = 2) -> list[FileStorage]:
    return [FileStorage(io.BytesIO(PNG), filename=f"{i}.png") for i in range(n)]


def _rows() -> int:
    return db.session.execute(sa.select(sa.func.count(RepairOrderPhoto.id))).scalar()


def test_a_rolled_back_transaction_takes_its_files_with_it(w, in_store):
    order = sf.ro(w)
    db.session.commit()
    with in_store(w.advisor):
        paths = [photos.path_of(p) for p in photos.add_photos(order.id, _files())]
    assert all(p.exists() for p in paths)
    db.session.rollback()
    assert not any(p.exists() for p in paths) and _rows() == 0


def test_a_rolled_back_savepoint_takes_its_files_the_rest_of_the_transaction_keeps_its(w, in_store):
    order = sf.ro(w)
    with in_store(w.advisor):
        kept = [photos.path_of(p) for p in photos.add_photos(order.id, _files(1))]
        undone = []
        with pytest.raises(ServiceError):
            with db.session.begin_nested():
                undone = [photos.path_of(p) for p in photos.add_photos(order.id, _files(2))]
                raise ServiceError("refused after the files were written")
        db.session.commit()
    assert undone and not any(p.exists() for p in undone)
    assert all(p.exists() for p in kept) and _rows() == 1


def test_a_deleted_photos_file_goes_only_when_the_deletion_commits(w, in_store):
    order = sf.ro(w)
    with in_store(w.advisor):
        photo = photos.add_photos(order.id, _files(1))[0]
        path = photos.path_of(photo)
        db.session.commit()
        with pytest.raises(ServiceError):
            with db.session.begin_nested():
                photos.delete_photo(photo.id)
                raise ServiceError("refused")
        db.session.commit()
        assert path.exists() and _rows() == 1  # the deletion was undone: the file stays
        photos.delete_photo(photo.id)
        db.session.rollback()
        assert path.exists() and _rows() == 1
        photos.delete_photo(photo.id)
        assert path.exists()  # not before the commit
        db.session.commit()
    assert not path.exists() and _rows() == 0


def test_a_request_that_fails_after_the_files_were_written_leaves_none(w, app, monkeypatch):
    order = sf.ro(w)
    db.session.commit()
    folder = photos.upload_root() / str(w.store.id)
    before = set(os.listdir(folder)) if folder.exists() else set()
    client = login(app.test_client(), w.advisor, w.store)
    upload = {"photos": [(io.BytesIO(PNG), "a.png"), (io.BytesIO(PNG), "b.png")]}

    def refuse(*args, **kwargs):
        raise ServiceError("the audit row was refused")

    # a domain error after the write: the form shows it, the savepoint and the request roll back
    monkeypatch.setattr(photos.audit, "record", refuse)
    refused = client.post(f"/service/repair-orders/{order.id}/photos", data=upload, content_type="multipart/form-data")
    assert refused.status_code == 200 and "the audit row was refused" in refused.get_data(as_text=True)
    assert set(os.listdir(folder)) == before and _rows() == 0

    # an unexpected error: the request's transaction never commits, the files go with it
    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(photos.audit, "record", crash)
    upload = {"photos": [(io.BytesIO(PNG), "a.png")]}
    with pytest.raises(RuntimeError):
        client.post(f"/service/repair-orders/{order.id}/photos", data=upload, content_type="multipart/form-data")
    assert set(os.listdir(folder)) == before and _rows() == 0


def test_the_sweep_removes_old_files_no_row_names(w, in_store):
    order = sf.ro(w)
    with in_store(w.advisor):
        photo = photos.add_photos(order.id, _files(1))[0]
        db.session.commit()
    folder = photos.upload_root() / str(w.store.id)
    old = time.time() - (photos.SWEEP_GRACE + dt.timedelta(hours=1)).total_seconds()
    orphan, fresh = folder / ("0" * 32 + ".jpg"), folder / ("1" * 32 + ".png")
    orphan.write_bytes(PNG)
    fresh.write_bytes(PNG)
    os.utime(orphan, (old, old))
    os.utime(photos.path_of(photo), (old, old))  # old, but its row names it
    with in_store(w.manager):
        result = service_jobs.sweep_photo_files(w.store.id, "2026-12-01")
    assert result["removed"] == 1 and not orphan.exists()
    assert fresh.exists() and photos.path_of(photo).exists()
    fresh.unlink()
