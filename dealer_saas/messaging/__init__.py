"""messaging: outbound SMS/email/WeChat messages behind one sender interface.

Other modules call ``messaging.services.queue_message(channel, recipient, body, key, ...,
purpose=...)`` with a key unique to what the message is about (or ``queue_many`` for a bulk
send); the ``messaging.deliver`` job sends it. The purpose decides the rules: consent per
customer for service and for marketing messages (``consent``), the store's quiet hours and
throttle (``policy``, ``settings``): a message that may not go yet waits as ``deferred`` and
the ``messaging.release_due`` job sends it when its time comes.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from .. import registry
from ..registry import MenuEntry
from .settings import POLICY_SECTION

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
        records={"outbound_messages": _l("外发消息"), "customer_consents": _l("客户消息授权")},
        job_labels={
            "messaging.deliver": _l("发送消息"),
            "messaging.retry_failed": _l("重试发送失败的消息"),
            "messaging.release_due": _l("发送到时的延后消息"),
        },
        settings=(POLICY_SECTION,),
        menu=(MenuEntry("messaging.outbox", _l("消息发件箱"), "messages.view", "✉️", _l("管理"), order=200),),
    )
)

from . import consent, jobs, models, timeline, views  # noqa: E402,F401
