"""Queueing and delivering outbound messages, and reading the outbox.

Every message has a caller-chosen idempotency key, unique per store: queueing the same key
twice returns the first message and sends nothing more. Delivery takes the row lock and
sends only a message still ``queued``, so two deliveries of one message send once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit, tenancy
from ..customers.models import Customer
from ..domain import DomainError
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..pagination import Page, Sort, keyset_page
from ..timeutil import utcnow
from ..validation import InvalidValue, normalise_mobile
from .models import CHANNELS, MAX_ATTEMPTS, STATUSES, OutboundMessage
from .senders import SendError, get_sender

#: the outbox's one sort: newest first (indexes ix_outbound_messages_store_*_created)
NEWEST = Sort("newest", (OutboundMessage.created_at, OutboundMessage.id), desc=True)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: a queued message whose delivery job never ran (Redis lost it) is picked up after this
STALE_QUEUED_AFTER = dt.timedelta(minutes=15)


class MessagingError(DomainError):
    """A message the rules refuse; ``field`` names the input it is about."""


def normalise_recipient(channel: str, recipient: str) -> str:
    """The recipient in its stored form for the channel; raises MessagingError."""
    value = (recipient or "").strip()
    if channel == "sms":
        try:
            return normalise_mobile(value)
        except InvalidValue as error:
            raise MessagingError(str(error), "recipient") from None
    if channel == "email":
        if not _EMAIL.match(value) or len(value) > 120:
            raise MessagingError(_("邮箱地址格式不正确。"), "recipient")
        return value.lower()
    if not value or len(value) > 120:
        raise MessagingError(_("请填写微信收件人（openid）。"), "recipient")
    return value


def queue_message(
    channel: str,
    recipient: str,
    body: str,
    key: str,
    customer_id: int | None = None,
    subject: str = "",
    template: str = "",
    *,
    enqueue: bool = True,
) -> OutboundMessage:
    """Queue one message, idempotent on ``key`` (an existing message with the key is returned
    and nothing more is sent); delivery is enqueued after the commit. Raises MessagingError."""
    if channel not in CHANNELS:
        raise MessagingError(_("不支持的发送渠道。"), "channel")
    key = (key or "").strip()
    if not key or len(key) > 160:
        raise MessagingError(_("缺少消息的幂等键。"), "key")
    existing = _by_key(key)
    if existing is not None:
        return existing
    body = (body or "").strip()
    if not body:
        raise MessagingError(_("请填写消息内容。"), "body")
    recipient = normalise_recipient(channel, recipient)
    if customer_id is not None and tenancy.get_or_none(Customer, customer_id) is None:
        raise MessagingError(_("客户不存在。"), "customer_id")
    message = OutboundMessage(
        channel=channel,
        recipient=recipient,
        body=body,
        subject=(subject or "")[:200],
        template=(template or "")[:60],
        idempotency_key=key,
        customer_id=customer_id,
        status="queued",
        attempts=0,
        created_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # Someone queued the same key between our look-up and the insert: theirs wins.
        existing = _by_key(key)
        if existing is None:
            raise
        return existing
    audit.record("create", message, after=audit.snapshot(message), summary=f"{channel} {key}")
    if enqueue:
        enqueue_after_commit("messaging.deliver", message.store_id, outbound_message_id=message.id)
    return message


def _by_key(key: str) -> OutboundMessage | None:
    return db.session.execute(
        select(OutboundMessage).where(OutboundMessage.idempotency_key == key)
    ).scalar_one_or_none()


def deliver_message(outbound_message_id: int) -> dict[str, Any]:
    """Send one queued message through the configured sender (row lock, then a status
    check: a message already sent or failed is left alone). A provider refusal marks the
    message failed; other errors propagate so the job is retried."""
    message = db.session.execute(
        select(OutboundMessage).where(OutboundMessage.id == outbound_message_id).with_for_update()
    ).scalar_one_or_none()
    if message is None:
        return {"outbound_message_id": outbound_message_id, "skipped": "missing"}
    if message.status != "queued":
        return {"outbound_message_id": message.id, "skipped": message.status}
    before = audit.snapshot(message, ["status", "attempts", "error", "provider_reference"])
    message.attempts += 1
    message.last_attempt_at = utcnow()
    try:
        reference = get_sender().send(message)
    except SendError as error:
        message.status, message.error = "failed", str(error)[:500]
    else:
        message.status, message.error = "sent", ""
        message.provider_reference, message.sent_at = (reference or "")[:120], utcnow()
    db.session.flush()
    audit.record(
        "transition",
        message,
        before=before,
        after=audit.snapshot(message, ["status", "attempts", "error", "provider_reference"]),
        summary=f"deliver {message.status}",
    )
    return {"outbound_message_id": message.id, "status": message.status, "attempts": message.attempts}


def requeue_failed(max_attempts: int = MAX_ATTEMPTS, limit: int = 500) -> dict[str, Any]:
    """Put failed messages with fewer than ``max_attempts`` attempts back in the queue, and
    re-enqueue queued messages whose delivery never ran; idempotent (a requeued message is
    no longer "failed")."""
    failed = (
        db.session.execute(
            select(OutboundMessage)
            .where(OutboundMessage.status == "failed", OutboundMessage.attempts < max_attempts)
            .order_by(OutboundMessage.created_at, OutboundMessage.id)
            .limit(limit)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    for message in failed:
        before = audit.snapshot(message, ["status", "error"])
        message.status = "queued"
        audit.record(
            "transition",
            message,
            before=before,
            after={"status": "queued", "error": message.error},
            summary="requeue failed message",
        )
    stale_before = utcnow() - STALE_QUEUED_AFTER
    stale = (
        db.session.execute(
            select(OutboundMessage.id)
            .where(
                OutboundMessage.status == "queued",
                OutboundMessage.created_at < stale_before,
                (OutboundMessage.last_attempt_at.is_(None)) | (OutboundMessage.last_attempt_at < stale_before),
            )
            .order_by(OutboundMessage.created_at, OutboundMessage.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    db.session.flush()
    ids = [m.id for m in failed] + [i for i in stale if i not in {m.id for m in failed}]
    store_id = tenancy.current().store_id
    for message_id in ids:
        enqueue_after_commit("messaging.deliver", store_id, outbound_message_id=message_id)
    return {"requeued": len(failed), "stale_requeued": len(ids) - len(failed)}


def list_messages(
    *,
    channel: str | None = None,
    status: str | None = None,
    q: str | None = None,
    after: str | None = None,
    size: int = 25,
) -> Page[OutboundMessage]:
    """The store's outbox, newest first; unknown filter values are ignored, ``q`` matches the
    start of the recipient (a full mobile is normalised first)."""
    stmt = select(OutboundMessage).options(joinedload(OutboundMessage.customer))
    if channel in CHANNELS:
        stmt = stmt.where(OutboundMessage.channel == channel)
    if status in STATUSES:
        stmt = stmt.where(OutboundMessage.status == status)
    q = (q or "").strip()[:120]
    if q:
        try:
            q = normalise_mobile(q) if re.fullmatch(r"[+\d\s-]{11,}", q) else q
        except InvalidValue:
            pass
        stmt = stmt.where(OutboundMessage.recipient.startswith(q.lower() if "@" in q else q, autoescape=True))
    return keyset_page(stmt, NEWEST, after, size)


def get_message(outbound_message_id: int) -> OutboundMessage:
    """One message of the active store(s), or 404."""
    message = db.session.execute(
        select(OutboundMessage)
        .where(OutboundMessage.id == outbound_message_id)
        .options(joinedload(OutboundMessage.customer))
    ).scalar_one_or_none()
    if message is None:
        abort(404)
    return message
