"""Demo parts data for every demo store: the group's part master (a few hundred parts),
suppliers, purchase orders in every state, movements over the last months (receipts,
counter sales, issues, adjustments), a posted and an open stocktake, transfers to a sister
store, parts on open repair orders, and some low, over and dead stock. Built through the
services so the rows obey the rules (movements are then dated back). Idempotent: a store
with stock is left alone."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from .. import demo, tenancy
from ..extensions import db
from ..service.models import RepairOrder
from ..tenancy import Store, User
from ..timeutil import utcnow
from .models import PartStock, StockMovement
from .services import catalogue, counter_sales, purchasing, stock, stocktakes, transfers

D = Decimal
#: (code stem, name, category, unit, cost, price)
ITEMS = (
    ("OF", "机油滤清器", "filter", "pc", "28", "58"),
    ("AF", "空气滤芯", "filter", "pc", "45", "98"),
    ("CF", "空调滤芯", "filter", "pc", "38", "88"),
    ("FF", "燃油滤清器", "filter", "pc", "65", "138"),
    ("BP", "前刹车片", "brake", "set", "220", "480"),
    ("BR", "后刹车片", "brake", "set", "180", "420"),
    ("BD", "前刹车盘", "brake", "pc", "320", "680"),
    ("BF", "刹车油 DOT4", "brake", "bottle", "35", "80"),
    ("OL", "全合成机油 5W-30", "oil", "litre", "48", "98"),
    ("CL", "防冻液", "oil", "bottle", "40", "90"),
    ("SP", "火花塞", "electrical", "pc", "42", "95"),
    ("BT", "蓄电池 60Ah", "electrical", "pc", "420", "880"),
    ("WB", "雨刮片", "body", "set", "60", "150"),
    ("HL", "前大灯总成", "body", "pc", "1200", "2600"),
    ("MR", "后视镜片", "body", "pc", "90", "220"),
    ("TY", "轮胎 225/45R17", "tyre", "pc", "520", "980"),
    ("FM", "脚垫", "accessory", "set", "120", "298"),
    ("BL", "皮带", "other", "pc", "85", "198"),
    ("WP", "水泵", "other", "pc", "360", "760"),
    ("SH", "减震器", "other", "pc", "450", "980"),
)
MODELS = (
    "帕萨特",
    "迈腾",
    "途观L",
    "朗逸",
    "速腾",
    "宝来",
    "高尔夫",
    "探岳",
    "A4L",
    "A6L",
    "Q3",
    "Q5L",
    "C级",
    "E级",
    "GLC",
)
SUPPLIERS = (
    ("上汽大众原厂配件中心", "王经理", "020-88880001", 2),
    ("广州捷通汽配", "李先生", "020-88880002", 1),
    ("华南轮胎供应链", "陈女士", "020-88880003", 3),
    ("博世汽车服务", "周经理", "020-88880004", 4),
)
BINS = ("A-01", "A-02", "A-03", "B-01", "B-02", "C-01")


@contextlib.contextmanager
def as_user(user: User | None):
    ctx = tenancy.current()
    with tenancy.use(dataclasses.replace(ctx, user_id=user.id if user else None)):
        yield


def _back_date(reference_like: str, days: int) -> None:
    """Date the movements (and stock rows) of a document ``days`` back."""
    when = utcnow() - dt.timedelta(days=days)
    rows = db.session.execute(select(StockMovement).where(StockMovement.reference == reference_like)).scalars()
    for movement in rows:
        movement.created_at = when
    db.session.flush()


def _parts(staff: demo.StoreStaff, rng: random.Random, suppliers: list) -> list[PartStock]:
    count = max(30, int(200 * staff.scale))
    rows = []
    for n in range(count):
        stem, name, category, unit, cost, price = ITEMS[n % len(ITEMS)]
        model = MODELS[(n // len(ITEMS)) % len(MODELS)]
        reorder = rng.choice((2, 4, 5, 10))
        rows.append(
            catalogue.create_part(
                {
                    "code": f"{stem}{n:04d}",
                    "name": f"{name}（{model}）",
                    "category": category,
                    "unit": unit,
                    "compatible_models": model,
                    "barcode": f"69{n:011d}",
                    "bin": BINS[n % len(BINS)],
                    "reorder_point": reorder,
                    "maximum": reorder * 3,
                    "sale_price": price,
                    "supplier_id": suppliers[(n // 3) % len(suppliers)].id,
                }
            )
        )
        rows[-1]._demo_cost = D(cost)  # the demo's list cost, for the orders below
    return rows


def _orders(rng: random.Random, rows: list[PartStock], suppliers: list) -> None:
    """An opening order received 150 days ago (a few parts stay short of their reorder
    point, a few above their maximum), then one order in every other state."""
    lines = []
    for n, row in enumerate(rows):
        if n % 11 == 3:
            qty = row.reorder_point  # low from the start
        elif n % 13 == 5:
            qty = row.maximum + 6  # over stock
        else:
            qty = row.maximum - rng.randrange(0, int(row.reorder_point))
        lines.append((row.id, qty, row._demo_cost))
    opening = purchasing.create_po(suppliers[0].id, lines, note="期初备货")
    purchasing.change_po(opening.id, "send")
    purchasing.receive(opening.id, {line.id: line.quantity for line in opening.lines})
    _back_date(opening.number, 150)
    # a second delivery at another cost moves the average cost
    repeat = purchasing.create_po(suppliers[1].id, [(r.id, D(4), r._demo_cost * D("1.1")) for r in rows[:6]])
    purchasing.change_po(repeat.id, "send")
    purchasing.receive(repeat.id, {line.id: line.quantity for line in repeat.lines})
    _back_date(repeat.number, 60)
    partial = purchasing.create_po(suppliers[2].id, [(r.id, D(6), r._demo_cost) for r in rows[6:10]])
    purchasing.change_po(partial.id, "send")
    purchasing.receive(partial.id, {partial.lines[0].id: 2, partial.lines[1].id: 6})
    sent = purchasing.create_po(suppliers[3].id, [(r.id, D(5), r._demo_cost) for r in rows[10:13]], note="加急")
    purchasing.change_po(sent.id, "send")
    purchasing.create_po(suppliers[1].id, [(r.id, D(3), r._demo_cost) for r in rows[13:15]], note="待确认")
    cancelled = purchasing.create_po(suppliers[2].id, [(rows[15].id, D(2), rows[15]._demo_cost)])
    purchasing.change_po(cancelled.id, "cancel")


def _activity(staff: demo.StoreStaff, rng: random.Random, rows: list[PartStock]) -> None:
    """Counter sales and adjustments over the last months; some parts never move again
    (dead stock after 180 days)."""
    lively = [r for n, r in enumerate(rows) if n % 7 != 6]
    for n in range(max(4, int(40 * staff.scale))):
        row = rng.choice(lively)
        if row.on_hand - row.reserved - row.reorder_point < 2:
            continue
        sale = counter_sales.sell(
            lines=[(row.part.code, 1)],
            method=rng.choice(("wechat", "alipay", "cash")),
            walk_in_name=rng.choice(("张先生", "刘女士", "")),
        )
        days = rng.randrange(1, 120)
        sale.sold_at = utcnow() - dt.timedelta(days=days)
        _back_date(sale.number, days)
    damaged = lively[0]
    stock.adjust(damaged.id, -1, "搬运损坏")
    # the parts that did not move: dated 200 days back
    for n, row in enumerate(rows):
        if n % 7 == 6:
            row.last_moved_at = utcnow() - dt.timedelta(days=200)
    db.session.flush()


def _stocktakes(rng: random.Random, rows: list[PartStock]) -> None:
    posted = stocktakes.take_sheet("bin", BINS[1])
    for line in posted.lines:
        stock_row = line.stock
        stocktakes.enter_count(posted.id, stock_row.part.code, stock_row.on_hand - (1 if rng.random() < 0.2 else 0))
    stocktakes.post(posted.id)
    open_sheet = stocktakes.take_sheet("bin", BINS[0])
    for line in open_sheet.lines[: max(1, len(open_sheet.lines) // 2)]:
        stocktakes.enter_count(open_sheet.id, line.stock.part.code, line.stock.on_hand)


def _transfers(staff: demo.StoreStaff, rows: list[PartStock]) -> None:
    sister = db.session.execute(
        select(Store).where(Store.org_id == staff.store.org_id, Store.id != staff.store.id).order_by(Store.id).limit(1)
    ).scalar_one_or_none()
    if sister is None:
        return
    movable = [r for r in rows if r.on_hand - r.reserved - r.reorder_point >= 3]
    if len(movable) < 2:
        return
    transfers.send(movable[0].id, sister.id, 2, "门店互调")
    called_back = transfers.send(movable[1].id, sister.id, 1, "")
    transfers.cancel(called_back.id)


def _repair_order_parts(rows: list[PartStock]) -> None:
    from ..service.services import parts_lines

    ros = db.session.execute(
        select(RepairOrder).where(RepairOrder.status.in_(("open", "in_progress"))).order_by(RepairOrder.id).limit(6)
    ).scalars()
    filters = [r for r in rows if r.part.category == "filter" and r.on_hand - r.reserved >= 2]
    for n, ro in enumerate(ros):
        if n >= len(filters):
            break
        parts_lines.add_part_line(ro.id, {"code": filters[n].part.code, "quantity": 1, "payer": "customer"})


@demo.seeder(65)
def seed_parts(staff: demo.StoreStaff, rng: random.Random) -> None:
    if db.session.execute(select(PartStock.id).limit(1)).first() is not None:
        return
    clerk = staff.by_role.get("parts_clerk", [None])[0]
    with as_user(clerk):
        suppliers = [
            catalogue.save_supplier(None, {"name": name, "contact": contact, "phone": phone, "lead_days": lead})
            for name, contact, phone, lead in SUPPLIERS
        ]
        rows = _parts(staff, rng, suppliers)
        _orders(rng, rows, suppliers)
        _activity(staff, rng, rows)
        _stocktakes(rng, rows)
        _transfers(staff, rows)
    with as_user(staff.by_role.get("service_advisor", [None])[0]):
        _repair_order_parts(rows)
    db.session.flush()
