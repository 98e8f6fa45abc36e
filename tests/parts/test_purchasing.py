"""Purchase orders: the one transition table (every illegal move refused), partial and full
receipts updating stock and average cost, and the suggested order (grouping by supplier,
quantities up to the maximum less what is on order)."""

from __future__ import annotations

import pytest

from dealer_saas.parts.models import PO_STATUSES
from dealer_saas.parts.services import purchasing, stock
from dealer_saas.parts.services.purchasing import PO_MOVES
from dealer_saas.parts.services.rules import PartsError, PartsTransitionError

from .factories import D, part

LEGAL = {
    ("draft", "sent"),
    ("draft", "cancelled"),
    ("sent", "partially_received"),
    ("sent", "received"),
    ("sent", "cancelled"),
    ("partially_received", "partially_received"),
    ("partially_received", "received"),
}


def _po(p, qty=6, cost="24.00"):
    return purchasing.create_po(p.acme.id, [(p.oil.id, D(qty), D(cost))])


@pytest.mark.parametrize("source", list(PO_STATUSES))
@pytest.mark.parametrize("target", list(PO_STATUSES))
def test_the_table_allows_exactly_the_documented_moves(p, source, target):
    po = _po(p)
    po.status = source
    if (source, target) in LEGAL:
        PO_MOVES.check(po, target)
    else:
        with pytest.raises(PartsTransitionError):
            PO_MOVES.check(po, target)


def test_send_then_cancel_is_audited_and_final(p):
    po = _po(p)
    purchasing.change_po(po.id, "send")
    assert po.status == "sent" and po.sent_at is not None
    purchasing.change_po(po.id, "cancel")
    assert po.status == "cancelled"
    for action in ("send", "cancel"):
        with pytest.raises(PartsTransitionError):
            purchasing.change_po(po.id, action)
    with pytest.raises(PartsTransitionError):
        purchasing.receive(po.id, {po.lines[0].id: 1})


def test_an_empty_draft_cannot_be_sent_and_a_draft_cannot_be_received(p):
    empty = purchasing.create_po(p.acme.id)
    with pytest.raises(PartsError, match="没有配件"):
        purchasing.change_po(empty.id, "send")
    po = _po(p)
    with pytest.raises(PartsTransitionError):
        purchasing.receive(po.id, {po.lines[0].id: 1})


def test_a_partially_received_order_can_no_longer_be_cancelled(p):
    po = _po(p)
    purchasing.change_po(po.id, "send")
    purchasing.receive(po.id, {po.lines[0].id: 2})
    with pytest.raises(PartsTransitionError):
        purchasing.change_po(po.id, "cancel")


def test_partial_then_full_receipt_moves_stock_cost_and_state(p):
    po = _po(p, qty=6, cost="26.00")
    purchasing.change_po(po.id, "send")
    purchasing.receive(po.id, {po.lines[0].id: "5"})
    assert po.status == "partially_received"
    assert p.oil.on_hand == D(15) and p.oil.average_cost == D("22.00")  # (10x20 + 5x26) / 15
    with pytest.raises(PartsError, match="最多还可收 1"):
        purchasing.receive(po.id, {po.lines[0].id: "2"})
    with pytest.raises(PartsError, match="到货数量"):
        purchasing.receive(po.id, {po.lines[0].id: "0"})
    purchasing.receive(po.id, {po.lines[0].id: "1"})
    assert po.status == "received" and po.received_at is not None
    assert p.oil.on_hand == D(16) and po.lines[0].received == D(6)


def test_lines_are_edited_only_on_a_draft(p):
    po = purchasing.create_po(p.acme.id)
    line = purchasing.add_line(po.id, "of0001", "3", "")
    assert line.unit_cost == p.oil.average_cost and po.total == D("60.00")
    with pytest.raises(PartsError, match="已在采购单上"):
        purchasing.add_line(po.id, "OF0001", "1", "1")
    purchasing.change_po(po.id, "send")
    with pytest.raises(PartsError, match="草稿"):
        purchasing.add_line(po.id, "BP0001", "1", "1")


def test_the_suggestion_groups_by_supplier_up_to_the_maximum_less_what_is_on_order(p):
    stock.apply_movement(p.oil.id, "sale", D(-6))  # 4 <= 5: suggest 20 - 4 = 16
    stock.reserve(p.pads.id, D(1))  # 3 - 1 = 2 <= 2: suggest 8 - 2 = 6
    other = part("OF0009", on_hand=1, supplier=p.acme, reorder_point=3, maximum=3)  # max = reorder: 4 - 1 = 3
    loose = part("XX0001", on_hand=0, reorder_point=1, maximum=5)  # no supplier
    groups = purchasing.suggested_order()
    assert {k: [(s.code, s.quantity) for s in v] for k, v in groups.items()} == {
        p.acme.id: [("OF0001", D(16)), ("OF0009", D(3))],
        p.bosch.id: [("BP0001", D(6))],
        None: [("XX0001", D(5))],
    }
    orders = purchasing.create_suggested_orders()
    assert sorted((o.supplier_id, len(o.lines), o.status) for o in orders) == sorted(
        [(p.acme.id, 2, "draft"), (p.bosch.id, 1, "draft")]
    )
    # what is on order now counts: nothing more to suggest for those suppliers
    again = purchasing.suggested_order()
    assert list(again) == [None] and again[None][0].part_stock_id == loose.id
    assert other.is_low


def test_the_suggestion_page_shows_each_suppliers_first_parts_with_the_groups_count_and_value(p):
    stock.apply_movement(p.oil.id, "sale", D(-6))  # acme: OF0001, 16 at 20.00
    for n in range(1, 14):  # acme: OF0101..OF0113, 3 each at 3.34
        part(f"OF01{n:02d}", on_hand=1, cost="3.34", supplier=p.acme, reorder_point=2, maximum=4)
    covered = part("OF0200", on_hand=0, supplier=p.acme, reorder_point=1, maximum=2)
    purchasing.create_po(p.acme.id, [(covered.id, D(2), D(1))])  # on order: nothing more to suggest
    every = purchasing.suggested_order()
    page = purchasing.suggestion_page(12)
    assert [g.supplier_id for g in page] == list(every) == [p.acme.id]
    acme = page[0]
    assert acme.count == 14 and acme.hidden == 2 and acme.supplier_name == "甲供应商"
    # the first twelve by code, the same rows and quantities the drafts are made of
    assert [(s.code, s.quantity) for s in acme.rows] == [(s.code, s.quantity) for s in every[p.acme.id][:12]]
    assert acme.rows[0].code == "OF0001" and acme.rows[0].quantity == D(16)
    assert covered.id not in [s.part_stock_id for s in every[p.acme.id]]
    row_values = [(s.quantity * s.average_cost).quantize(D("0.01")) for s in every[p.acme.id]]
    assert acme.value == sum(row_values) == D("320.00") + 13 * D("10.02")


def test_the_suggestion_page_counts_what_is_on_order_and_lists_parts_without_a_supplier_last(p):
    stock.apply_movement(p.oil.id, "sale", D(-6))  # 4 available, max 20
    purchasing.create_po(p.acme.id, [(p.oil.id, D(5), D(20))])
    part("XX0001", on_hand=0, reorder_point=1, maximum=5)  # no supplier
    page = purchasing.suggestion_page(12)
    assert [g.supplier_id for g in page] == [p.acme.id, None]
    oil = page[0].rows[0]
    assert (oil.available, oil.on_order, oil.quantity) == (D(4), D(5), D(11))
    assert page[0].value == D("220.00") and page[1].hidden == 0 and page[1].supplier_name == ""


def test_nothing_to_suggest_is_said(p):
    with pytest.raises(PartsError, match="没有可以生成"):
        purchasing.create_suggested_orders()
