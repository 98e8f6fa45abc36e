"""Sign-in, sign-out, passwords, store switching and language choice."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import models, views  # noqa: E402,F401
