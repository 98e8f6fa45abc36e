"""alerts (库存预警): stock alerts that fire once per crossing.

A module declares what can run low as an :class:`~.sources.AlertSource` (``@alert_source``
in its own ``alerts.py``): a function answering "which subjects are low right now" for the
active store with one indexed query, who is told, and where the notification links. The
``alerts.scan_stock`` job compares the answer with the kept state (low / recovered per
subject): a subject that became low is reported once (an in-app notification), again only
after it recovered and fell again (DESIGN section 5).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from .sources import SOURCES, AlertSource, alert_source  # noqa: F401

bp = Blueprint("alerts", __name__)

MODULE = registry.declare(
    registry.ModuleSpec(
        "alerts",
        records={"alert_states": _l("库存预警状态")},
        job_labels={"alerts.scan_stock": _l("扫描库存预警")},
    )
)

from . import jobs, models  # noqa: E402,F401
