"""The one sender interface behind which SMS, email and WeChat providers plug in.

``MESSAGE_SENDER`` selects it: ``"dev"`` (the default: records the send and returns a
reference, for development and tests) or ``"package.module:ClassName"`` for a provider
adapter, built with the app config (``Class(app.config)``). A provider may use
``message.idempotency_key`` as its own de-duplication key where it supports one.
"""

from __future__ import annotations

import collections
import importlib
import logging
import uuid
from typing import Any, Protocol

from flask import Flask, current_app

log = logging.getLogger(__name__)
_EXTENSION_KEY = "dealer_saas.message_sender"


class SendError(Exception):
    """The provider refused or could not take the message; the text is kept on the row."""


class Sender(Protocol):
    def send(self, message: Any) -> str:
        """Hand one ``OutboundMessage`` to the provider; return the provider's reference.
        Raise :class:`SendError` when the provider refuses it."""


class DevSender:
    """Sends nothing: remembers what it was given and returns a made-up reference."""

    def __init__(self, config: Any = None) -> None:
        self.sent: collections.deque[dict[str, Any]] = collections.deque(maxlen=1000)

    def send(self, message: Any) -> str:
        reference = f"dev-{message.channel}-{uuid.uuid4().hex[:16]}"
        self.sent.append(
            {
                "id": message.id,
                "store_id": message.store_id,
                "channel": message.channel,
                "recipient": message.recipient,
                "key": message.idempotency_key,
                "reference": reference,
            }
        )
        log.info("dev sender: %s message %s to %s (%s)", message.channel, message.id, message.recipient, reference)
        return reference


def _build(spec: str, config: Any) -> Sender:
    if spec in ("", "dev"):
        return DevSender(config)
    module_name, _, class_name = spec.partition(":")
    if not class_name:
        raise ValueError(f"MESSAGE_SENDER must be 'dev' or 'package.module:ClassName', not {spec!r}")
    return getattr(importlib.import_module(module_name), class_name)(config)


def get_sender(app: Flask | None = None) -> Sender:
    """The app's configured sender (built once per app)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    sender = app.extensions.get(_EXTENSION_KEY)
    if sender is None:
        sender = _build(app.config.get("MESSAGE_SENDER") or "dev", app.config)
        app.extensions[_EXTENSION_KEY] = sender
    return sender


def set_sender(sender: Sender | None, app: Flask | None = None) -> None:
    """Replace the app's sender (tests); ``None`` goes back to the configured one."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if sender is None:
        app.extensions.pop(_EXTENSION_KEY, None)
    else:
        app.extensions[_EXTENSION_KEY] = sender
