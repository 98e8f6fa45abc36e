"""Benchmark data of the parts module: 20 000 parts in the group's master, each stocked by
every store (on hand, reorder point, maximum, bin, costs, preferred supplier; about 2 % at
or below the reorder point, 2 % above the maximum; 400 bins of about 50 parts, as a count
sheet is one bin), six suppliers per store, and one opening receipt movement per stock row (the
foreign-key checks of a movement cost about 0.5 ms a row on the 2-core machine, so no more
history than that: 1 000 000 rows for 50 stores). Set-based (``INSERT ... SELECT``), called
by ``data.load``."""

from __future__ import annotations

import time

from .data import _h, build_indexes, drop_secondary_indexes, insert_select

TABLES = ("parts", "part_suppliers", "part_stocks", "stock_movements")

PARTS = 20_000
NAMES = ("机油滤清器", "空气滤芯", "空调滤芯", "前刹车片", "后刹车片", "火花塞", "雨刮片", "蓄电池", "减震器", "水泵")
CATEGORIES = ("filter", "filter", "filter", "brake", "brake", "electrical", "body", "electrical", "other", "other")
#: racks A-H of 50 bins each ("C-07")
RACKS, BINS_PER_RACK = "ABCDEFGH", 50
SUPPLIERS = ("广州大众原厂配件", "博世汽车配件", "马勒滤清器", "米其林轮胎", "瓦尔塔蓄电池", "本地配件批发")


def load(connection, org_id: int, echo) -> dict[str, int]:
    from ..parts.models import Part, PartStock, StockMovement, Supplier

    step = time.perf_counter()
    counts = {}
    definitions = drop_secondary_indexes(connection, TABLES)  # rebuilt once the rows are in
    counts["parts"] = insert_select(
        connection,
        Part.__table__,
        {
            "org_id": ":o",
            "code": "'P' || lpad(i::text, 6, '0')",
            "name": f"(CAST(:names AS text[]))[1 + i % {len(NAMES)}] || ' ' || i",
            "category": f"(CAST(:cats AS text[]))[1 + i % {len(CATEGORIES)}]",
            "unit": "'pc'",
            "barcode": "'69' || lpad(i::text, 11, '0')",
            "created_at": "now()",
        },
        "FROM generate_series(1, :n) AS i",
        o=org_id,
        n=PARTS,
        names=list(NAMES),
        cats=list(CATEGORIES),
    )
    counts["part_suppliers"] = insert_select(
        connection,
        Supplier.__table__,
        {
            "org_id": "s.org_id",
            "store_id": "s.id",
            "name": "(CAST(:names AS text[]))[n]",
            "contact": "'业务员'",
            "phone": "'020-8' || lpad((s.id * 10 + n)::text, 7, '0')",
            "lead_days": "1 + n % 4",
            "is_active": "true",
            "created_at": "now()",
        },
        "FROM stores s CROSS JOIN generate_series(1, :k) AS n WHERE s.org_id = :o",
        o=org_id,
        k=len(SUPPLIERS),
        names=list(SUPPLIERS),
    )
    key = "(p.id * 64 + s.id)"
    on_hand = (
        f"(CASE WHEN {_h(31, key)} % 50 = 0 THEN 2 WHEN {_h(31, key)} % 50 = 1 THEN 40 ELSE 6 + {_h(32, key)} % 19 END)"
    )
    counts["part_stocks"] = insert_select(
        connection,
        PartStock.__table__,
        {
            "org_id": "s.org_id",
            "store_id": "s.id",
            "part_id": "p.id",
            "on_hand": on_hand,
            "reserved": "0",
            "reorder_point": "5",
            "maximum": "25",
            "bin": f"substr(:racks, 1 + {_h(33, key)} % {len(RACKS)}, 1) || '-' || "
            f"lpad((1 + {_h(33, key)} / {len(RACKS)} % {BINS_PER_RACK})::text, 2, '0')",
            "supplier_id": "sup.id",
            "average_cost": f"10 + {_h(34, 'p.id')} % 500",
            "sale_price": f"(10 + {_h(34, 'p.id')} % 500) * 2",
            "is_low": f"{on_hand} <= 5",
            "is_over": f"{on_hand} > 25",
            "last_moved_at": f"now() - make_interval(secs => {_h(35, key)} % (240 * 86400))",
            "created_at": "now()",
        },
        # the store's suppliers numbered 0..k-1, one drawn per part
        "FROM stores s JOIN parts p ON p.org_id = s.org_id JOIN ("
        "  SELECT id, store_id, row_number() OVER (PARTITION BY store_id ORDER BY id) - 1 AS n FROM part_suppliers"
        f") sup ON sup.store_id = s.id AND sup.n = {_h(36, 'p.id')} % {len(SUPPLIERS)} "
        "WHERE s.org_id = :o",
        o=org_id,
        racks=RACKS,
    )
    counts["stock_movements"] = insert_select(
        connection,
        StockMovement.__table__,
        {
            "org_id": "ps.org_id",
            "store_id": "ps.store_id",
            "part_stock_id": "ps.id",
            "part_id": "ps.part_id",
            "kind": "'receipt'",
            "quantity": "ps.on_hand",
            "unit_cost": "ps.average_cost",
            "on_hand_after": "ps.on_hand",
            "reference": "'BENCH-OPEN'",
            "created_at": "ps.last_moved_at - interval '30 days'",
        },
        "FROM part_stocks ps WHERE ps.org_id = :o",
        o=org_id,
    )
    build_indexes(connection, definitions)
    echo(
        f"  {counts['parts']} parts, {counts['part_suppliers']} suppliers, {counts['part_stocks']} stock rows, {counts['stock_movements']} movements "
        f"(INSERT ... SELECT) in {time.perf_counter() - step:.1f} s"
    )
    return counts
