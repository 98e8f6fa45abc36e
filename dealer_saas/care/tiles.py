"""Dashboard tiles of the care module: call-backs due today and overdue (one indexed
query each; agents count their own and the unassigned ones)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from .. import tenancy
from ..dashboard.tiles import TileValue, register_tile
from .services import tasks


def _today():
    return tenancy.store_today()


@register_tile("care_due_today", _l("今日回访"), "care.view", order=50)
def due_today() -> TileValue:
    counts = tasks.due_counts(_today())
    return TileValue(str(counts["today"]), url=url_for("care.queue", view="today"))


@register_tile("care_overdue", _l("逾期回访"), "care.view", order=51)
def overdue() -> TileValue:
    counts = tasks.due_counts(_today())
    return TileValue(
        str(counts["overdue"]),
        url=url_for("care.queue", view="overdue"),
        tone="danger" if counts["overdue"] else "body",
    )
