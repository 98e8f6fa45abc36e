"""The dashboard: tiles per role, each registered by its module and loaded lazily."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import tiles, views  # noqa: E402,F401
from .tiles import Tile, register_tile  # noqa: E402,F401
