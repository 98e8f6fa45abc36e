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
    #: a small chart (the spec ``static/js/reports.js`` draws: ``{"type": "bar", "labels",
    #: "series"}``), shown under the number; its figures are also in ``rows`` or ``table``
    chart: dict[str, Any] | None = None
    #: a small table: header cells, rows of cells, and a link per row (by index) for its first cell
    table_header: list[str] = field(default_factory=list)
    table_rows: list[list[Any]] = field(default_factory=list)
    table_links: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Tile:
    name: str
    title: Any
    permission: str
    compute: Callable[[], TileValue]
    order: int = 100
    #: a wide tile takes half the row on a large screen (charts, tables), the whole row on phones
    wide: bool = False
    #: the tile draws a chart: the dashboard then loads the charting scripts
    chart: bool = False


TILES: dict[str, Tile] = {}


def register_tile(
    name: str, title: Any, permission: str, order: int = 100, *, wide: bool = False, chart: bool = False
) -> Callable:
    """Decorator: ``@register_tile("overdue_cards", _l("逾期跟进"), "cards.view")``."""

    def decorator(compute: Callable[[], TileValue]) -> Callable[[], TileValue]:
        TILES[name] = Tile(name, title, permission, compute, order, wide, chart)
        return compute

    return decorator


def visible_tiles(can: Callable[[str], bool]) -> list[Tile]:
    return sorted((t for t in TILES.values() if can(t.permission)), key=lambda t: (t.order, t.name))
