"""messaging module."""
from flask import Blueprint

bp = Blueprint("messaging", __name__, url_prefix="/messaging")

from . import models, views  # noqa: E402,F401
