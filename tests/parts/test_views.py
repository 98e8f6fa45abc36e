"""Parts screens: who opens what, forms that refuse bad input beside the field and save
nothing, the purchase order flow, a counter sale and its receipt, counting on the phone,
the RO page's parts section, the roll-up without write controls, and the tiles."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from dealer_saas.extensions import db
from dealer_saas.parts.models import CounterSale, Part, PartStock, PurchaseOrder, RepairOrderPart
from dealer_saas.parts.services import stock
from dealer_saas.timeutil import utcnow

from .. import factories
from ..conftest import login
from ..service import factories as service_factories
from . import factories as pf
from .factories import D

HX = {"HX-Request": "true"}


@pytest.fixture
def pv(store, in_store):
    """The parts world, built in the clerk's context, used from clients."""
    clerk = factories.user_with_role("parts_clerk", store)
    with in_store(clerk):
        world = pf.world(store, clerk)
    return world


def _client(app, user, store):
    return login(app.test_client(), user, store)


@pytest.mark.parametrize(
    ("path", "role", "status"),
    [
        ("/parts/", "technician", 200),
        ("/parts/", "sales_consultant", 403),
        ("/parts/new", "service_advisor", 403),
        ("/parts/new", "parts_clerk", 200),
        ("/parts/low-stock", "service_advisor", 200),
        ("/parts/purchase-orders", "technician", 403),
        ("/parts/purchase-orders", "store_manager", 200),
        ("/parts/suggested-order", "parts_clerk", 200),
        ("/parts/sales/new", "parts_clerk", 200),
        ("/parts/stocktakes", "parts_clerk", 200),
        ("/parts/transfers", "store_manager", 200),
    ],
)
def test_who_opens_what(pv, client_as, path, role, status):
    client, _user = client_as(role)
    assert client.get(path).status_code == status


def test_the_list_searches_and_answers_a_fragment(pv, app):
    client = _client(app, pv.clerk, pv.store)
    fragment = client.get("/parts/?q=of", headers=HX)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in body and "OF0001" in body and "BP0001" not in body
    assert "HX-Request" in fragment.headers.get("Vary", "")


def test_a_new_part_with_bad_input_is_refused_beside_the_field_and_not_saved(pv, app):
    client = _client(app, pv.clerk, pv.store)
    before = db.session.execute(sa.select(sa.func.count(Part.id))).scalar()
    page = client.post(
        "/parts/new",
        data={
            "code": "OF0001",
            "name": "重复",
            "category": "filter",
            "unit": "pc",
            "maximum": "1",
            "reorder_point": "3",
        },
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "最高库存不能低于补货点" in body and 'value="重复"' in body
    page = client.post("/parts/new", data={"code": "OF0001", "name": "重复", "category": "filter", "unit": "pc"})
    assert "本店已有配件 OF0001" in page.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Part.id))).scalar() == before
    ok = client.post(
        "/parts/new", data={"code": "new-1", "name": "新配件", "category": "other", "unit": "set", "sale_price": "9.5"}
    )
    assert ok.status_code == 303
    created = db.session.execute(sa.select(PartStock).join(Part).where(Part.code == "NEW-1")).scalar_one()
    assert ok.headers["Location"].endswith(f"/parts/stock/{created.id}")


def test_the_detail_page_shows_the_movements_and_an_adjustment_is_one(pv, app):
    client = _client(app, pv.clerk, pv.store)
    refused = client.post(f"/parts/stock/{pv.oil.id}/adjust", data={"quantity": "-11", "note": "损坏"})
    assert "库存不足" in refused.get_data(as_text=True)
    assert client.post(f"/parts/stock/{pv.oil.id}/adjust", data={"quantity": "-1", "note": "损坏"}).status_code == 303
    page = client.get(f"/parts/stock/{pv.oil.id}").get_data(as_text=True)
    assert "库存调整" in page and "损坏" in page and "采购入库" in page


def test_suggested_order_sent_and_received_through_the_screens(pv, app, in_store):
    with in_store(pv.clerk):
        stock.apply_movement(pv.oil.id, "sale", D(-6))
    client = _client(app, pv.clerk, pv.store)
    page = client.get("/parts/suggested-order").get_data(as_text=True)
    assert "OF0001" in page and "甲供应商" in page and "16" in page
    made = client.post("/parts/suggested-order", data={})
    assert made.status_code == 303
    po = db.session.execute(sa.select(PurchaseOrder)).scalar_one()
    assert client.post(f"/parts/purchase-orders/{po.id}/action", data={"action": "send"}, headers=HX).status_code == 200
    line = po.lines[0]
    too_many = client.post(f"/parts/purchase-orders/{po.id}/receive", data={f"qty_{line.id}": "17"}, headers=HX)
    assert "最多还可收 16" in too_many.get_data(as_text=True)
    part = client.post(f"/parts/purchase-orders/{po.id}/receive", data={f"qty_{line.id}": "10"}, headers=HX)
    assert part.status_code == 200 and "部分到货" in part.get_data(as_text=True)
    assert "purchaseOrderChanged" in part.headers.get("HX-Trigger", "")
    client.post(f"/parts/purchase-orders/{po.id}/receive", data={f"qty_{line.id}": "6"})
    db.session.expire_all()
    assert po.status == "received" and db.session.get(PartStock, pv.oil.id).on_hand == D(20)


def test_a_counter_sale_and_its_printable_receipt(pv, app):
    client = _client(app, pv.clerk, pv.store)
    form = client.get("/parts/sales/new").get_data(as_text=True)
    assert "autofocus" in form
    refused = client.post("/parts/sales/new", data={"code_0": "OF0001", "qty_0": "99", "method": "cash"})
    assert refused.status_code == 200 and "库存不足" in refused.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(CounterSale.id))).scalar() == 0
    done = client.post(
        "/parts/sales/new", data={"code_0": "OF0001", "qty_0": "2", "method": "cash", "walk_in_name": "王"}
    )
    assert done.status_code == 303
    receipt = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "配件销售小票" in receipt and "¥100.00" in receipt and "王" in receipt


def test_counting_on_the_phone_then_posting(pv, app):
    client = _client(app, pv.clerk, pv.store)
    made = client.post("/parts/stocktakes", data={"scope": "bin", "value": "A-01"})
    assert made.status_code == 303
    url = made.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    assert "autofocus" in page and "OF0001" in page
    counted = client.post(url + "/count", data={"code": "OF0001", "counted": "9"}, headers=HX)
    assert "差异" in counted.get_data(as_text=True)
    unknown = client.post(url + "/count", data={"code": "NOPE", "counted": "1"}, headers=HX)
    assert "不在这张盘点单上" in unknown.get_data(as_text=True)
    posted = client.post(url + "/action", data={"action": "post"}, headers=HX)
    assert "已过账" in posted.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PartStock, pv.oil.id).on_hand == D(9)


def test_the_ro_page_adds_and_removes_parts(store, in_store, app):
    w = service_factories.world(store)
    with in_store(w.advisor):
        pf.part("OF0001", on_hand=4, sale_price="58.00")
    ro = service_factories.ro(w, status="open")
    client = _client(app, w.advisor, store)
    page = client.get(f"/service/repair-orders/{ro.id}").get_data(as_text=True)
    assert f'hx-get="/parts/repair-orders/{ro.id}/parts"' in page  # the panel loads on its own
    page = client.get(f"/parts/repair-orders/{ro.id}/parts").get_data(as_text=True)
    assert 'id="ro-parts"' in page and 'id="ro-part-form"' in page
    refused = client.post(
        f"/parts/repair-orders/{ro.id}/parts", data={"code": "OF0001", "quantity": "5", "payer": "customer"}, headers=HX
    )
    assert refused.status_code == 200 and "可用库存不足" in refused.get_data(as_text=True)
    added = client.post(
        f"/parts/repair-orders/{ro.id}/parts", data={"code": "OF0001", "quantity": "1", "payer": "customer"}, headers=HX
    )
    assert added.headers.get("HX-Redirect", "").endswith(f"/service/repair-orders/{ro.id}")
    line = db.session.execute(sa.select(RepairOrderPart)).scalar_one()
    page = client.get(f"/parts/repair-orders/{ro.id}/parts").get_data(as_text=True)
    assert "OF0001" in page and "已预留" in page
    assert "¥258.00" in client.get(f"/service/repair-orders/{ro.id}/settlement").get_data(as_text=True)
    statement = client.get(f"/service/repair-orders/{ro.id}/statement").get_data(as_text=True)
    assert "OF0001" in statement
    technician = login(app.test_client(), w.tech, store)
    assert technician.post(f"/parts/ro-parts/{line.id}/remove").status_code == 403
    assert client.post(f"/parts/ro-parts/{line.id}/remove").status_code == 303
    assert db.session.execute(sa.select(RepairOrderPart)).first() is None


def test_the_roll_up_shows_every_store_without_write_controls(pv, app):
    sibling = factories.StoreFactory(organisation=pv.store.organisation, name="姐妹店")
    manager = factories.user_with_role("group_manager", pv.store, org_wide=True)
    client = _client(app, manager, pv.store)
    with client.session_transaction() as session:
        session["store_id"] = "all"
    page = client.get("/parts/").get_data(as_text=True)
    assert "OF0001" in page and "新增配件" not in page
    detail = client.get(f"/parts/stock/{pv.oil.id}").get_data(as_text=True)
    assert "adjust-form" not in detail and "编辑" not in detail
    assert client.get("/parts/low-stock").status_code == 200
    assert sibling.id


def test_the_tiles_count_low_and_over_stock(pv, app, in_store):
    with in_store(pv.clerk):
        stock.apply_movement(pv.pads.id, "sale", D(-1))
        stock.apply_movement(pv.oil.id, "receipt", D(11), unit_cost=D(20))
    client = _client(app, pv.clerk, pv.store)
    low = client.get("/tiles/parts_low_stock", headers=HX).get_data(as_text=True)
    over = client.get("/tiles/parts_over_stock", headers=HX).get_data(as_text=True)
    assert ">1<" in low.replace(" ", "").replace("\n", "") and ">1<" in over.replace(" ", "").replace("\n", "")


def test_low_over_and_dead_stock_each_list_their_stores_rows_only(pv, app, in_store):
    """The three lists' statements are built once per process: the dead-stock cut-off and
    the tenant's store are bound each time they run."""
    other = factories.StoreFactory(organisation=pv.store.organisation, name="姐妹店")
    other_clerk = factories.user_with_role("parts_clerk", other)
    with in_store(pv.clerk):
        stock.apply_movement(pv.pads.id, "sale", D(-1))  # 2 available, reorder point 2: low
        stock.apply_movement(pv.oil.id, "receipt", D(11), unit_cost=D(20))  # 21 on hand, max 20: over
        day = (utcnow() - dt.timedelta(days=stock.DEAD_AFTER_DAYS + 5)).date()
        long_ago = dt.datetime.combine(day, dt.time(2, 0), tzinfo=dt.UTC)  # 10:00 in the store
        db.session.execute(sa.update(PartStock).where(PartStock.id == pv.pads.id).values(last_moved_at=long_ago))
    with in_store(other_clerk, target=other):
        pf.part("ZZ0001", on_hand=1, reorder_point=3, maximum=0)  # low in the other store only
    client = _client(app, pv.clerk, pv.store)
    low, over, dead = (client.get(f"/parts/low-stock?view={v}").get_data(as_text=True) for v in ("low", "over", "dead"))
    assert "BP0001" in low and "OF0001" not in low and "ZZ0001" not in low
    assert "OF0001" in over and "21 / 最高 20" in over and "BP0001" not in over and "ZZ0001" not in over
    assert "BP0001" in dead and day.isoformat() in dead and "OF0001" not in dead and "ZZ0001" not in dead
    theirs = _client(app, other_clerk, other).get("/parts/low-stock").get_data(as_text=True)
    assert "ZZ0001" in theirs and "BP0001" not in theirs and "OF0001" not in theirs
    # an unknown tab is the first one; the over-stock tile opens its tab
    assert "BP0001" in client.get("/parts/low-stock?view=nonsense").get_data(as_text=True)
    tile = client.get("/tiles/parts_over_stock", headers=HX).get_data(as_text=True)
    assert "/parts/low-stock?view=over" in tile


def test_each_stock_alert_tab_pages_on_by_its_own_order(pv, app, in_store):
    """Over and dead stock page on like low stock (each tab 50 rows, then "load more"):
    over stock by part, dead stock the longest unmoved first; no row twice or left out."""
    long_ago = utcnow() - dt.timedelta(days=stock.DEAD_AFTER_DAYS + 30)
    with in_store(pv.clerk):
        made = [pf.part(f"OV{n:04d}", on_hand=30, reorder_point=1, maximum=20) for n in range(55)]
        for n, row in enumerate(made):
            row.last_moved_at = long_ago + dt.timedelta(hours=n)
        db.session.flush()
    client = _client(app, pv.clerk, pv.store)
    for view, expected in (("over", [r.id for r in made]), ("dead", [r.id for r in made])):
        first = client.get(f"/parts/low-stock?view={view}").get_data(as_text=True)
        more = re.search(r'href="(/parts/low-stock\?[^"]*after=[^"]+)"', first)
        assert more and f"view={view}" in more.group(1), view
        second = client.get(html.unescape(more.group(1)), headers=HX).get_data(as_text=True)
        seen = [int(i) for i in re.findall(r'href="/parts/stock/(\d+)"', first + second)]
        assert [i for i in seen if i in expected] == expected, view
        assert len(set(seen)) == len(seen)


def test_the_supplier_list_pages_by_name_and_loads_the_rest(pv, app, in_store, monkeypatch):
    from dealer_saas.parts import views
    from dealer_saas.parts.services import catalogue

    monkeypatch.setattr(views, "SUPPLIER_ROWS", 3)
    with in_store(pv.clerk):
        for n in range(3):
            catalogue.save_supplier(None, {"name": f"丙供应商{n}", "lead_days": 4})
    db.session.commit()
    client = _client(app, pv.clerk, pv.store)
    page = client.get("/parts/suppliers").get_data(as_text=True)  # 5 suppliers, 3 a page
    assert page.count('data-testid="supplier-row"') == 3 and "<html" in page
    more = re.search(r'href="(/parts/suppliers\?after=[^"]+)"', page).group(1)
    rest = client.get(html.unescape(more), headers=HX).get_data(as_text=True)
    assert rest.count('data-testid="supplier-row"') == 2 and "<html" not in rest and "after=" not in rest
    shown = re.findall(r"<strong>([^<]+)</strong>", page + rest)
    assert len(shown) == len(set(shown)) == 5  # each once, none skipped between the pages


def test_the_suggestion_shows_a_dozen_parts_a_supplier_and_the_drafts_take_them_all(pv, app, in_store, monkeypatch):
    from dealer_saas.parts import views

    monkeypatch.setattr(views, "SUGGESTION_ROWS_SHOWN", 3)
    with in_store(pv.clerk):
        for n in range(5):  # each short of 9 by 8, at 12.50: 100.00 apiece
            pf.part(f"LW{n:04d}", on_hand=1, cost="12.50", supplier=pv.acme, reorder_point=2, maximum=9)
    db.session.commit()
    client = _client(app, pv.clerk, pv.store)
    page = client.get("/parts/suggested-order").get_data(as_text=True)
    group = page.split('data-testid="suggestion-group"')[1]  # the first supplier's
    assert "甲供应商" in group and "5 种配件 · 约 ¥500.00" in group
    assert group.count('data-testid="suggested-qty"') == 3 and "另有 2 种" in group
    assert client.post("/parts/suggested-order", data={}).status_code == 303
    po = db.session.execute(sa.select(PurchaseOrder)).scalar_one()
    assert len(po.lines) == 5 and po.total == D("500.00")
