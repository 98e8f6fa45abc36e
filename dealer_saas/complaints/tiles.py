"""Dashboard tile of the complaints module: open cases by state (one grouped query)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..dashboard.tiles import TileValue, register_tile
from .models import OPEN_STATES, STATUSES
from .services import cases


@register_tile("complaints_open", _l("未结案投诉"), "complaints.view", order=70)
def open_complaints() -> TileValue:
    counts = cases.open_count_by_state()
    total = sum(counts.values())
    return TileValue(
        str(total),
        url=url_for("complaints.complaint_list", status="open"),
        tone="danger" if counts.get("received") else "body",
        rows=[(str(STATUSES[state]), counts.get(state, 0)) for state in OPEN_STATES],
    )
