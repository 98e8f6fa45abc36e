"""Benchmark data of the parts module: 20 000 parts in the group's master, each stocked by
every store (on hand, reorder point, maximum, bin, costs; about 2 % at or below the reorder
point, 2 % above the maximum), and one opening receipt movement per stock row (the
foreign-key checks of a movement cost about 0.5 ms a row on the 2-core machine, so no more
history than that: 1 000 000 rows for 50 stores). Set-based (``INSERT ... SELECT``), called
by ``data.load``."""

from __future__ import annotations

import time

from .data import _h, build_indexes, drop_secondary_indexes, insert_select

TABLES = ("parts", "part_stocks", "stock_movements")

PARTS = 20_000
NAMES = ("机油滤清器", "空气滤芯", "空调滤芯", "前刹车片", "后刹车片", "火花塞", "雨刮片", "蓄电池", "减震器", "水泵")
CATEGORIES = ("filter", "filter", "filter", "brake", "brake", "electrical", "body", "electrical", "other", "other")
BINS = ("A-01", "A-02", "A-03", "B-01", "B-02", "C-01", "C-02", "D-01")


def load(connection, org_id: int, echo) -> dict[str, int]:
    from ..parts.models import Part, PartStock, StockMovement

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
            "bin": f"(CAST(:bins AS text[]))[1 + {_h(33, key)} % {len(BINS)}]",
            "average_cost": f"10 + {_h(34, 'p.id')} % 500",
            "sale_price": f"(10 + {_h(34, 'p.id')} % 500) * 2",
            "is_low": f"{on_hand} <= 5",
            "is_over": f"{on_hand} > 25",
            "last_moved_at": f"now() - make_interval(secs => {_h(35, key)} % (240 * 86400))",
            "created_at": "now()",
        },
        "FROM stores s JOIN parts p ON p.org_id = s.org_id WHERE s.org_id = :o",
        o=org_id,
        bins=list(BINS),
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
        f"  {counts['parts']} parts, {counts['part_stocks']} stock rows, {counts['stock_movements']} movements "
        f"(INSERT ... SELECT) in {time.perf_counter() - step:.1f} s"
    )
    return counts
