"""inventory module."""

from flask import Blueprint

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

from . import models, tiles, views  # noqa: E402,F401
