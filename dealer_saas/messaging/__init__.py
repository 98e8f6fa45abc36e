"""messaging: outbound SMS/email/WeChat messages behind one sender interface.

Other modules call ``messaging.services.queue_message(channel, recipient, body, key, ...)``
with a key unique to what the message is about; the ``messaging.deliver`` job sends it.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry

bp = Blueprint("messaging", __name__, url_prefix="/messaging")

MODULE = registry.declare(
    registry.ModuleSpec(
        "messaging",
        permissions={"messages.view": _l("查看消息发件箱")},
        grants={
            role: ("messages.view",)
            for role in ("group_manager", "store_manager", "sales_manager", "care_agent", "marketing")
        },
        reads=("messages.view",),
        records={"outbound_messages": _l("外发消息")},
        job_labels={"messaging.deliver": _l("发送消息"), "messaging.retry_failed": _l("重试发送失败的消息")},
        menu=(MenuEntry("messaging.outbox", _l("消息发件箱"), "messages.view", "✉️", _l("管理"), order=200),),
    )
)

from . import jobs, models, timeline, views  # noqa: E402,F401
