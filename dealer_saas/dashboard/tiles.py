"""Dashboard tiles as data: each module registers what it can show and who may see it.

A tile's ``compute`` runs inside the tenant context (one store, or the read-only roll-up)
and returns a :class:`TileValue`; it must be one or two indexed queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TileValue:
    value: Any
    detail: str = ""
    url: str | None = None
    #: Bootstrap colour of the number: "danger" when something needs attention
    tone: str = "body"
    rows: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Tile:
    name: str
    title: Any
    permission: str
    compute: Callable[[], TileValue]
    order: int = 100


TILES: dict[str, Tile] = {}


def register_tile(name: str, title: Any, permission: str, order: int = 100) -> Callable:
    """Decorator: ``@register_tile("overdue_cards", _l("逾期跟进"), "cards.view")``."""

    def decorator(compute: Callable[[], TileValue]) -> Callable[[], TileValue]:
        TILES[name] = Tile(name, title, permission, compute, order)
        return compute

    return decorator


def visible_tiles(can: Callable[[str], bool]) -> list[Tile]:
    return sorted((t for t in TILES.values() if can(t.permission)), key=lambda t: (t.order, t.name))
