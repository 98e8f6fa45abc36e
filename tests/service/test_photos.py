"""Walk-around photos: the type is sniffed from the bytes (JPEG, PNG, WebP, HEIC), the size
is capped, files get random names under UPLOAD_DIR, a row per photo in the RO's store;
served only to that store's staff (another store's id is 404), never cached; deletable
until the RO is settled; a bad upload is a form error and saves nothing."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from dealer_saas.extensions import db
from dealer_saas.service.demo import _png
from dealer_saas.service.models import RepairOrderPhoto
from dealer_saas.service.services import photos
from dealer_saas.service.services.rules import ServiceError

from .. import factories
from ..conftest import login
from . import factories as sf

PNG = _png(4, 3, (200, 10, 10))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32


def _file(data: bytes, name: str = "a.jpg") -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name)


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (HEIC, "image/heic")],
)
def test_the_type_comes_from_the_bytes(data, kind):
    assert photos.sniff(data[:16]) == kind


@pytest.mark.parametrize(
    "data", [b"GIF89a......", b"%PDF-1.7", b"<svg xmlns='http://www.w3.org/2000/svg'>", b"MZ\x90\x00", b""]
)
def test_anything_else_is_not_a_photo(data):
    assert photos.sniff(data[:16]) is None


def test_photos_are_stored_under_random_names_in_the_stores_folder(w, in_store, app):
    order = sf.ro(w)
    with in_store(w.advisor):
        saved = photos.add_photos(order.id, [_file(PNG, "../../etc/passwd.png"), _file(HEIC, "IMG_0001.HEIC")])
    assert [p.content_type for p in saved] == ["image/png", "image/heic"]
    for photo in saved:
        path = photos.path_of(photo)
        assert path.parent.name == str(w.store.id) and path.parent.parent == photos.upload_root()
        assert "passwd" not in photo.file_name and len(photo.file_name.split(".")[0]) == 32
        assert path.read_bytes()[:8] == (PNG if photo.content_type == "image/png" else HEIC)[:8]
        assert (photo.store_id, photo.repair_order_id, photo.uploaded_by_id) == (w.store.id, order.id, w.advisor.id)


def test_a_bad_file_refuses_the_whole_upload(w, in_store, app, monkeypatch):
    order = sf.ro(w)
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1000)
    cases = [
        ([_file(PNG), _file(b"GIF89a" + b"0" * 30, "x.gif")], "x.gif 不是 JPEG"),
        ([_file(JPEG + b"0" * 1000, "big.jpg")], "超过"),
        ([_file(b"", "empty.jpg")], "是空的"),
        ([], "请选择要上传的照片"),
        (["not a file"], "请选择要上传的照片"),
        ([_file(PNG)] * (photos.MAX_PER_UPLOAD + 1), "一次最多上传"),
    ]
    with in_store(w.advisor):
        for uploads, message in cases:
            with pytest.raises(ServiceError) as refused:
                photos.add_photos(order.id, uploads)
            assert message in str(refused.value) and refused.value.field == "photos"
    assert db.session.execute(sa.select(RepairOrderPhoto.id)).first() is None


def test_no_photos_are_added_or_deleted_once_settled(w, in_store):
    order = sf.ro(w, status="ready")
    with in_store(w.advisor):
        photo = photos.add_photos(order.id, [_file(PNG)])[0]
    order.status = "settled"
    db.session.flush()
    with in_store(w.advisor):
        with pytest.raises(ServiceError):
            photos.add_photos(order.id, [_file(PNG)])
        with pytest.raises(ServiceError):
            photos.delete_photo(photo.id)


def test_upload_view_serve_and_delete(w, app, two_tenants):
    order = sf.ro(w)
    client = login(app.test_client(), w.advisor, w.store)
    bad = client.post(
        f"/service/repair-orders/{order.id}/photos",
        data={"photos": [(io.BytesIO(b"%PDF-1.4 nope"), "scan.pdf")]},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 200 and "scan.pdf 不是 JPEG" in bad.get_data(as_text=True)
    assert db.session.execute(sa.select(RepairOrderPhoto.id)).first() is None
    good = client.post(
        f"/service/repair-orders/{order.id}/photos",
        data={"photos": [(io.BytesIO(PNG), "a.png"), (io.BytesIO(JPEG), "b.jpg")]},
        content_type="multipart/form-data",
    )
    assert good.status_code in (200, 303)
    rows = db.session.execute(sa.select(RepairOrderPhoto).order_by(RepairOrderPhoto.id)).scalars().all()
    assert len(rows) == 2
    page = client.get(f"/service/repair-orders/{order.id}").get_data(as_text=True)
    assert f"/service/repair-orders/{order.id}/photos" in page  # the panel loads on its own
    page = client.get(f"/service/repair-orders/{order.id}/photos").get_data(as_text=True)
    assert f"/service/photos/{rows[0].id}" in page and 'capture="environment"' in page

    served = client.get(f"/service/photos/{rows[0].id}")
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "private, no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"

    # another store of the same group, and another group: 404, never the file
    sibling = factories.StoreFactory(organisation=w.store.organisation)
    for outsider_store in (sibling, two_tenants.b1):
        outsider = factories.user_with_role("store_manager", outsider_store)
        other = login(app.test_client(), outsider, outsider_store)
        assert other.get(f"/service/photos/{rows[0].id}").status_code == 404
        assert other.post(f"/service/photos/{rows[0].id}/delete").status_code == 404
    # signed out: to the sign-in page
    assert app.test_client().get(f"/service/photos/{rows[0].id}").status_code in (302, 303)

    path = photos.path_of(rows[0])
    assert path.exists()
    client.post(f"/service/photos/{rows[0].id}/delete")
    assert db.session.execute(sa.select(sa.func.count(RepairOrderPhoto.id))).scalar() == 1
    assert not path.exists()  # removed once the deletion committed
