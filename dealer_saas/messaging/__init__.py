"""messaging: outbound SMS/email/WeChat messages behind one sender interface.

Other modules call ``messaging.services.queue_message(channel, recipient, body, key, ...)``
with a key unique to what the message is about; the ``messaging.deliver`` job sends it.
"""

from flask import Blueprint

bp = Blueprint("messaging", __name__, url_prefix="/messaging")

from . import jobs, models, timeline, views  # noqa: E402,F401
