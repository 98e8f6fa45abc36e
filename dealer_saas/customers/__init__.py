"""customers module."""
from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from . import models, views  # noqa: E402,F401
