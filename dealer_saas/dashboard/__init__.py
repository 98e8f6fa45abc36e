"""The dashboard: tiles per role, each registered by its module and loaded lazily."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("dashboard", __name__)

MODULE = registry.declare(
    registry.ModuleSpec(
        "dashboard",
        menu=(MenuEntry("dashboard.index", _l("工作台"), "dashboard.view", "🏠", order=0),),
        tabs=(MenuEntry("dashboard.index", _l("工作台"), "dashboard.view", "🏠", order=0),),
    )
)

from . import tiles, views  # noqa: E402,F401
from .tiles import Tile, register_tile  # noqa: E402,F401
