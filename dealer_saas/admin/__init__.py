"""admin module."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import models, views  # noqa: E402,F401
