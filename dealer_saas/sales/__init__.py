"""sales module: test drives, quotes, orders with approvals, payments, delivery, finance."""

from flask import Blueprint

bp = Blueprint("sales", __name__, url_prefix="/sales")

from . import models, tiles, timeline, views  # noqa: E402,F401
