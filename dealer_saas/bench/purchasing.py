"""Benchmark data of the parts desk's documents (issue 16), over the last year of every
store: 240 purchase orders of 8 lines (the newest drafts, sent and partly received, every
25th cancelled, the rest received), 1 000 counter sales of 2 lines (every second to a
customer of the store, the others walk-in), six count sheets of one bin each (the newest
still counting, half of it counted; the others posted), and 20 transfers sent to the next
store (both sides, as the transfer service writes them; the newest still on their way).
Drawn from the parts module's stock rows, so it loads after it. Set-based
(``INSERT ... SELECT``), called by ``data.load``; ``flask bench load-modules --modules
purchasing`` adds it to a data set loaded before it existed."""

from __future__ import annotations

import time

from .data import _h, build_indexes, drop_secondary_indexes, insert_select

TABLES = (
    "purchase_orders",
    "purchase_order_lines",
    "counter_sales",
    "counter_sale_lines",
    "stocktakes",
    "stocktake_lines",
    "part_transfers",
)
POS_PER_STORE, PO_LINES = 240, 8
SALES_PER_STORE, SALE_LINES = 1000, 2
SHEETS_PER_STORE = 6
TRANSFERS_PER_STORE = 20
METHODS = ("wechat", "cash", "alipay", "card")

#: a part of the master drawn by ``hash % parts``, as its stock row in the document's store
_STOCK = (
    "JOIN part_stocks ps ON ps.store_id = d.store_id AND ps.part_id = "
    "(SELECT min(id) FROM parts WHERE org_id = :o) + {hash} % (SELECT count(*) FROM parts WHERE org_id = :o)"
)


def load(connection, org_id: int, echo) -> dict[str, int]:
    from ..parts.models import (
        CounterSale,
        CounterSaleLine,
        PartTransfer,
        PurchaseOrder,
        PurchaseOrderLine,
        Stocktake,
        StocktakeLine,
    )

    step = time.perf_counter()
    definitions = drop_secondary_indexes(connection, TABLES)
    counts: dict[str, int] = {}
    status = (
        "CASE WHEN k < 3 THEN 'draft' WHEN k < 6 THEN 'sent' WHEN k < 8 THEN 'partially_received' "
        "WHEN k % 25 = 24 THEN 'cancelled' ELSE 'received' END"
    )
    created = "now() - make_interval(hours => k * 36 + 2)"
    counts["purchase_orders"] = insert_select(
        connection,
        PurchaseOrder.__table__,
        {
            "org_id": "s.org_id",
            "store_id": "s.id",
            "number": "'PO-B' || lpad((s.id * 1000 + k)::text, 8, '0')",
            "supplier_id": "sup.id",
            "status": status,
            "note": "''",
            "total": "0",
            "created_at": created,
            "sent_at": f"CASE WHEN k >= 3 THEN {created} + interval '1 hour' END",
            "received_at": f"CASE WHEN {status} = 'received' THEN {created} + interval '2 days' END",
            "cancelled_at": f"CASE WHEN {status} = 'cancelled' THEN {created} + interval '1 day' END",
        },
        "FROM stores s CROSS JOIN generate_series(0, :n - 1) AS k JOIN ("
        "  SELECT id, store_id, row_number() OVER (PARTITION BY store_id ORDER BY id) - 1 AS n,"
        "         count(*) OVER (PARTITION BY store_id) AS of FROM part_suppliers WHERE org_id = :o"
        ") sup ON sup.store_id = s.id AND sup.n = k % sup.of WHERE s.org_id = :o",
        o=org_id,
        n=POS_PER_STORE,
    )
    key = "(d.id * 16 + j)"
    quantity = f"(5 + {_h(51, key)} % 20)"
    counts["purchase_order_lines"] = insert_select(
        connection,
        PurchaseOrderLine.__table__,
        {
            "org_id": "d.org_id",
            "store_id": "d.store_id",
            "purchase_order_id": "d.id",
            "part_stock_id": "ps.id",
            "quantity": quantity,
            "received": f"CASE d.status WHEN 'received' THEN {quantity} "
            f"WHEN 'partially_received' THEN {quantity} / 2 ELSE 0 END",
            "unit_cost": "ps.average_cost",
        },
        "FROM purchase_orders d CROSS JOIN generate_series(1, :lines) AS j "
        + _STOCK.format(hash=_h(52, key))
        + " WHERE d.org_id = :o",
        o=org_id,
        lines=PO_LINES,
    )
    connection.exec_driver_sql(
        "UPDATE purchase_orders d SET total = l.total FROM ("
        "  SELECT purchase_order_id, sum(round(quantity * unit_cost, 2)) AS total FROM purchase_order_lines"
        "  GROUP BY purchase_order_id"
        f") l WHERE l.purchase_order_id = d.id AND d.org_id = {int(org_id)}"
    )

    counts["counter_sales"] = insert_select(
        connection,
        CounterSale.__table__,
        {
            "org_id": "s.org_id",
            "store_id": "s.id",
            "number": "'CS-B' || lpad((s.id * 10000 + k)::text, 9, '0')",
            "customer_id": "c.id",
            "walk_in_name": "CASE WHEN c.id IS NULL THEN '散客' ELSE '' END",
            "total": "0",
            "method": f"(CAST(:methods AS text[]))[1 + k % {len(METHODS)}]",
            "paid": "0",
            "sold_at": f"now() - make_interval(mins => k * 525 + {_h(53, 's.id * 10000 + k')} % 500)",
        },
        # every second sale to the store's k-th customer (by id), the others walk-in
        "FROM stores s CROSS JOIN generate_series(0, :n - 1) AS k LEFT JOIN ("
        "  SELECT id, store_id, row_number() OVER (PARTITION BY store_id ORDER BY id) - 1 AS n"
        "  FROM customers WHERE org_id = :o AND deleted_at IS NULL"
        ") c ON c.store_id = s.id AND c.n = k AND k % 2 = 0 WHERE s.org_id = :o",
        o=org_id,
        n=SALES_PER_STORE,
        methods=list(METHODS),
    )
    counts["counter_sale_lines"] = insert_select(
        connection,
        CounterSaleLine.__table__,
        {
            "org_id": "d.org_id",
            "store_id": "d.store_id",
            "counter_sale_id": "d.id",
            "part_stock_id": "ps.id",
            "quantity": f"1 + {_h(54, key)} % 3",
            "unit_price": "ps.sale_price",
            "amount": f"(1 + {_h(54, key)} % 3) * ps.sale_price",
        },
        "FROM counter_sales d CROSS JOIN generate_series(1, :lines) AS j "
        + _STOCK.format(hash=_h(55, key))
        + " WHERE d.org_id = :o",
        o=org_id,
        lines=SALE_LINES,
    )
    connection.exec_driver_sql(
        "UPDATE counter_sales d SET total = l.total, paid = l.total FROM ("
        "  SELECT counter_sale_id, sum(amount) AS total FROM counter_sale_lines GROUP BY counter_sale_id"
        f") l WHERE l.counter_sale_id = d.id AND d.org_id = {int(org_id)}"
    )

    # sheet k of a store counts bin "<rack k>-01"; k = 0 is the newest, still counting
    counts["stocktakes"] = insert_select(
        connection,
        Stocktake.__table__,
        {
            "org_id": "s.org_id",
            "store_id": "s.id",
            "number": "'ST-B' || lpad((s.id * 100 + k)::text, 6, '0')",
            "scope": "'bin'",
            "scope_value": "chr(65 + k) || '-01'",
            "status": "CASE WHEN k = 0 THEN 'counting' ELSE 'posted' END",
            "created_at": "now() - make_interval(days => k * 30, hours => 1)",
            "posted_at": "CASE WHEN k > 0 THEN now() - make_interval(days => k * 30) END",
        },
        "FROM stores s CROSS JOIN generate_series(0, :n - 1) AS k WHERE s.org_id = :o",
        o=org_id,
        n=SHEETS_PER_STORE,
    )
    counts["stocktake_lines"] = insert_select(
        connection,
        StocktakeLine.__table__,
        {
            "org_id": "d.org_id",
            "store_id": "d.store_id",
            "stocktake_id": "d.id",
            "part_stock_id": "ps.id",
            "expected": "ps.on_hand",
            "taken_at": "d.created_at",
            # a posted sheet was counted whole (its variances are in the stock already); the
            # open one half, every tenth count one off
            "counted": f"CASE WHEN d.status = 'posted' OR {_h(56, 'ps.id')} % 2 = 0 "
            f"THEN ps.on_hand + CASE WHEN {_h(57, 'ps.id')} % 10 = 0 AND d.status = 'counting' THEN -1 ELSE 0 END END",
            "counted_at": f"CASE WHEN d.status = 'posted' OR {_h(56, 'ps.id')} % 2 = 0 THEN d.created_at END",
        },
        "FROM stocktakes d JOIN part_stocks ps ON ps.store_id = d.store_id AND ps.bin = d.scope_value "
        "WHERE d.org_id = :o",
        o=org_id,
    )

    # transfer k of a store goes to the next store (by id, the last to the first)
    transfers = (
        "FROM (SELECT s.org_id, s.id AS store_id, coalesce(lead(s.id) OVER (ORDER BY s.id),"
        "  first_value(s.id) OVER (ORDER BY s.id)) AS dest_id FROM stores s WHERE s.org_id = :o) d "
        "CROSS JOIN generate_series(0, :n - 1) AS k " + _STOCK.format(hash=_h(58, "d.store_id * 100 + k"))
    )
    common = {
        "org_id": "d.org_id",
        "reference": "'PT-B' || lpad((d.store_id * 100 + k)::text, 7, '0')",
        "part_id": "ps.part_id",
        "quantity": "1 + k % 4",
        "unit_cost": "ps.average_cost",
        "state": "CASE WHEN k < 3 THEN 'in_transit' WHEN k % 10 = 9 THEN 'cancelled' ELSE 'received' END",
        "note": "''",
        "created_at": "now() - make_interval(days => k * 9, hours => 3)",
        "done_at": "CASE WHEN k >= 3 THEN now() - make_interval(days => k * 9) END",
    }
    counts["part_transfers"] = 0
    for direction, store, other in (("out", "d.store_id", "d.dest_id"), ("in", "d.dest_id", "d.store_id")):
        counts["part_transfers"] += insert_select(
            connection,
            PartTransfer.__table__,
            common | {"store_id": store, "other_store_id": other, "direction": f"'{direction}'"},
            transfers,
            o=org_id,
            n=TRANSFERS_PER_STORE,
        )
    build_indexes(connection, definitions)
    echo(
        f"  {counts['purchase_orders']} purchase orders, {counts['counter_sales']} counter sales, "
        f"{counts['stocktakes']} count sheets ({counts['stocktake_lines']} lines), "
        f"{counts['part_transfers']} transfer rows (INSERT ... SELECT) in {time.perf_counter() - step:.1f} s"
    )
    return counts
