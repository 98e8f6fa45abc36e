"""customers module."""

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from . import history, models, tiles, views  # noqa: E402,F401
