"""sales module."""
from flask import Blueprint

bp = Blueprint("sales", __name__, url_prefix="/sales")

from . import models, views  # noqa: E402,F401
