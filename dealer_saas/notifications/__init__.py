"""notifications (通知): the in-app inbox every user has, with the bell in the header.

Any module tells people about something through one call::

    from dealer_saas.notifications.services import notify
    notify(kind="complaint.sla_breach", title=..., key=f"complaint:{c.id}:accept", link=...,
           permission="complaints.manage")

Recipients are the explicit ``user_ids`` and/or every active member of the store holding
``permission``; one row per recipient, idempotent on (user, key).
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

MODULE = registry.declare(
    registry.ModuleSpec(
        "notifications",
        records={"notifications": _l("站内通知")},
        menu=(MenuEntry("notifications.inbox", _l("我的通知"), "dashboard.view", "🔔", _l("管理"), order=190),),
    )
)

from . import models, views  # noqa: E402,F401
