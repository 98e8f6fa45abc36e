"""leads module."""
from flask import Blueprint

bp = Blueprint("leads", __name__, url_prefix="/leads")

from . import models, views  # noqa: E402,F401
