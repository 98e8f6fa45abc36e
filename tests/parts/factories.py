"""Builders for parts rows, through the parts services (flushed, never committed)."""

from __future__ import annotations

import decimal
from dataclasses import dataclass

from dealer_saas.parts.models import PartStock, Supplier
from dealer_saas.parts.services import catalogue, stock
from dealer_saas.tenancy import Store, User

from .. import factories

D = decimal.Decimal


@dataclass
class PartsWorld:
    store: Store
    clerk: User
    acme: Supplier
    bosch: Supplier
    oil: PartStock  # OF0001, reorder 5, max 20, on hand 10 at 20.00
    pads: PartStock  # BP0001, reorder 2, max 8, on hand 3 at 200.00
    plug: PartStock  # SP0001, no reorder point, on hand 0, no supplier


def part(code: str, *, on_hand: int = 0, cost: str = "10.00", supplier: Supplier | None = None, **fields) -> PartStock:
    """A part of the store; ``on_hand`` arrives as one adjustment at ``cost``."""
    data = {"code": code, "name": f"配件{code}", "category": "filter", "unit": "pc", "sale_price": "50.00"}
    data.update({k: v for k, v in fields.items()})
    if supplier is not None:
        data["supplier_id"] = supplier.id
    row = catalogue.create_part(data)
    if on_hand:
        stock.apply_movement(row.id, "receipt", D(on_hand), unit_cost=D(cost), reference="TEST")
    return row


def world(store: Store, clerk: User) -> PartsWorld:
    acme = catalogue.save_supplier(None, {"name": "甲供应商", "lead_days": 2})
    bosch = catalogue.save_supplier(None, {"name": "乙供应商", "lead_days": 3})
    oil = part("OF0001", on_hand=10, cost="20.00", supplier=acme, reorder_point=5, maximum=20, bin="A-01")
    pads = part(
        "BP0001", on_hand=3, cost="200.00", supplier=bosch, reorder_point=2, maximum=8, bin="A-01", category="brake"
    )
    plug = part("SP0001", bin="B-01", category="electrical", barcode="6900000000001")
    return PartsWorld(store, clerk, acme, bosch, oil, pads, plug)


__all__ = ["factories", "world", "part", "PartsWorld", "D"]
