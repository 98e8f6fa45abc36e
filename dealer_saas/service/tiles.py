"""Dashboard tiles of the service module (each one or two indexed queries; in the roll-up
they count every store of the group)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..dashboard.tiles import TileValue, register_tile
from ..extensions import db
from .models import BOARD_STATES, RO_STATUSES, RepairOrder
from .services import appointments


@register_tile("service_appointments_today", _l("今日售后预约"), "service.view", order=40)
def appointments_today() -> TileValue:
    """Booked, confirmed and arrived appointments of today."""
    return TileValue(str(appointments.today_count()), url=url_for("service.appointment_day"))


@register_tile("service_ros_by_state", _l("在修工单"), "service.view", order=41, chart=True)
def ros_by_state() -> TileValue:
    """ROs on the workshop board, by state."""
    counts = dict(
        db.session.execute(
            select(RepairOrder.status, func.count(RepairOrder.id))
            .where(RepairOrder.status.in_(BOARD_STATES))
            .group_by(RepairOrder.status)
        ).all()
    )
    return TileValue(
        str(sum(counts.values())),
        url=url_for("service.board"),
        rows=[(str(RO_STATUSES[state]), counts.get(state, 0)) for state in BOARD_STATES],
        chart={
            "type": "bar",
            "compact": True,
            "title": _("在修工单按状态"),
            "labels": [str(RO_STATUSES[state]) for state in BOARD_STATES],
            "series": [{"name": _("工单"), "values": [counts.get(state, 0) for state in BOARD_STATES]}],
        },
    )
