"""Queueing and delivering outbound messages, and reading the outbox.

Every message has a caller-chosen idempotency key, unique per store: queueing the same key
twice returns the first message and sends nothing more. Delivery takes the row lock and
sends only a message still ``queued``, so two deliveries of one message send once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
import sqlalchemy.dialects.postgresql
import sqlalchemy.dialects.sqlite
from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import audit, signed_links, tenancy
from ..customers.models import Customer
from ..domain import DomainError
from ..extensions import db
from ..jobs import enqueue_after_commit
from ..pagination import Page, Sort, keyset_page
from ..timeutil import utcnow
from ..validation import InvalidValue, normalise_mobile
from . import consent, policy
from .models import CHANNELS, CONSENT_PURPOSES, MAX_ATTEMPTS, PURPOSES, STATUSES, OutboundMessage
from .senders import SendError, get_sender
from .settings import policy as message_policy

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
    purpose: str = "transactional",
    enqueue: bool = True,
) -> OutboundMessage:
    """Queue one message, idempotent on ``key`` (an existing message with the key is returned
    and nothing more is sent); delivery is enqueued after the commit. Raises MessagingError.

    ``purpose`` decides the rules (``models.PURPOSES``): a service or marketing message to a
    customer who has not consented is kept as ``suppressed`` (never sent); one due in the
    store's quiet hours, or past its throttle, is ``deferred`` to the next allowed minute; a
    marketing message carries an unsubscribe link."""
    if channel not in CHANNELS:
        raise MessagingError(_("不支持的发送渠道。"), "channel")
    if purpose not in PURPOSES:
        raise MessagingError(_("未知的消息类型。"), "purpose")
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
    if purpose == "marketing" and customer_id is None:
        raise MessagingError(_("营销消息只能发给已登记的客户。"), "customer_id")
    store = tenancy.writable_store()
    now = utcnow()
    status, not_before, error = "queued", None, ""
    if purpose in CONSENT_PURPOSES and customer_id is not None and not consent.has_consent(customer_id, purpose):
        status, error = "suppressed", "no consent"
    else:
        rules = message_policy(store)
        due = policy.next_allowed(rules, now, store.timezone) if purpose in policy.QUIET_PURPOSES else now
        if due > now:
            status, not_before = "deferred", due
        elif _sent_last_minute(now) >= rules.per_minute:
            status, not_before = "deferred", now + dt.timedelta(minutes=1)
    if purpose == "marketing":
        body = with_unsubscribe_link(body, store.id, customer_id)
    message = OutboundMessage(
        channel=channel,
        recipient=recipient,
        body=body,
        subject=(subject or "")[:200],
        template=(template or "")[:60],
        idempotency_key=key,
        customer_id=customer_id,
        status=status,
        purpose=purpose,
        not_before=not_before,
        error=error,
        attempts=0,
        created_at=now,
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
    audit.record("create", message, after=audit.snapshot(message), summary=f"{channel} {key} {status}")
    if enqueue and status == "queued":
        enqueue_after_commit("messaging.deliver", message.store_id, outbound_message_id=message.id)
    return message


def _sent_last_minute(now: dt.datetime) -> int:
    """Messages the active store queued or sent in the last minute (the throttle's count)."""
    since = now - dt.timedelta(minutes=1)
    return db.session.execute(
        select(sa.func.count())
        .select_from(OutboundMessage)
        .where(OutboundMessage.status.in_(("queued", "sent")), OutboundMessage.created_at >= since)
    ).scalar_one()


def unsubscribe_url(store_id: int, customer_id: int) -> str:
    """The customer's one link to refuse marketing messages of the store (valid 90 days)."""
    token = signed_links.issue("unsubscribe", store_id, customer_id, days=signed_links.MAX_DAYS)
    return signed_links.public_url("messaging.unsubscribe", token=token)


def with_unsubscribe_link(body: str, store_id: int, customer_id: int | None) -> str:
    if customer_id is None:
        return body
    return body + "\n" + _("退订营销消息：%(url)s", url=unsubscribe_url(store_id, customer_id))


BULK_CHUNK = 1000


def queue_many(rows: Iterable[dict[str, Any]], purpose: str) -> dict[str, int]:
    """Queue many messages of one ``purpose`` for the active store at once (set-based): each
    row has ``channel``, ``recipient``, ``body``, ``key`` and optionally ``customer_id``,
    ``subject``, ``template``. Idempotent on the keys (a key already queued is counted as
    ``existing`` and left alone). Customers without consent get a ``suppressed`` row; every
    other message is ``deferred`` with a ``not_before`` spread by the store's throttle and
    moved out of the quiet hours, and the ``messaging.release_due`` job sends them minute by
    minute. Rows with an unusable recipient are counted as ``rejected``. One audit row sums
    the call up."""
    if purpose not in PURPOSES:
        raise MessagingError(_("未知的消息类型。"), "purpose")
    store = tenancy.writable_store()
    rules = message_policy(store)
    now = utcnow()
    start = policy.next_allowed(rules, now, store.timezone) if purpose in policy.QUIET_PURPOSES else now
    # continue after what is already waiting, so a second bulk send queues behind the first
    waiting = db.session.execute(
        select(sa.func.count()).select_from(OutboundMessage).where(OutboundMessage.status == "deferred")
    ).scalar_one()
    counts = {"queued": 0, "deferred": 0, "suppressed": 0, "existing": 0, "rejected": 0}
    table = OutboundMessage.__table__
    insert = sa.dialects.postgresql.insert if db.engine.dialect.name == "postgresql" else sa.dialects.sqlite.insert
    position = waiting
    chunk: list[dict[str, Any]] = []

    def flush_chunk() -> None:
        nonlocal position
        if not chunk:
            return
        customer_ids = {r["customer_id"] for r in chunk if r.get("customer_id")}
        refused = consent.refusing(customer_ids, purpose) if purpose in CONSENT_PURPOSES else set()
        values = []
        for r in chunk:
            customer_id = r.get("customer_id")
            suppressed = (customer_id in refused) or (purpose == "marketing" and not customer_id)
            body = r["body"]
            if purpose == "marketing" and customer_id:
                body = with_unsubscribe_link(body, store.id, customer_id)
            not_before = None
            if not suppressed:
                not_before = policy.next_allowed(
                    rules, start + dt.timedelta(minutes=position // rules.per_minute), store.timezone
                )
                position += 1
            values.append(
                {
                    "org_id": store.org_id,
                    "store_id": store.id,
                    "channel": r["channel"],
                    "recipient": r["recipient"],
                    "customer_id": customer_id,
                    "template": (r.get("template") or "")[:60],
                    "subject": (r.get("subject") or "")[:200],
                    "body": body,
                    "status": "suppressed" if suppressed else "deferred",
                    "purpose": purpose,
                    "not_before": not_before,
                    "idempotency_key": r["key"],
                    "created_at": now,
                    "attempts": 0,
                    "error": "no consent" if suppressed else "",
                    "provider_reference": "",
                }
            )
        stmt = insert(table).on_conflict_do_nothing(index_elements=["store_id", "idempotency_key"])
        # pages of 100 rows: the same statement text each time, so the driver prepares it once
        stmt = stmt.returning(table.c.status).execution_options(insertmanyvalues_page_size=100)
        statuses = db.session.execute(stmt, values).scalars().all() if values else []
        counts["existing"] += len(values) - len(statuses)
        for status in statuses:
            counts[status] += 1
        chunk.clear()

    seen: set[str] = set()
    for row in rows:
        key = (row.get("key") or "").strip()
        body = (row.get("body") or "").strip()
        channel = row.get("channel")
        if not key or len(key) > 160 or not body or channel not in CHANNELS or key in seen:
            counts["rejected" if key not in seen else "existing"] += 1
            continue
        try:
            recipient = normalise_recipient(channel, row.get("recipient") or "")
        except MessagingError:
            counts["rejected"] += 1
            continue
        seen.add(key)
        chunk.append({**row, "key": key, "body": body, "recipient": recipient})
        if len(chunk) >= BULK_CHUNK:
            flush_chunk()
    flush_chunk()
    audit.record(
        "create",
        "outbound_messages",
        None,
        after=counts,
        summary=f"bulk {purpose}: {counts['deferred']} deferred, {counts['suppressed']} suppressed",
    )
    return counts


def release_due(now: dt.datetime | None = None) -> dict[str, Any]:
    """Send the active store's deferred messages whose time has come, at most the store's
    throttle a run (one run a minute), skipping service and marketing messages while the
    quiet hours last. Rows are locked (skipped when another run holds them): two runs never
    release one message twice. Idempotent."""
    store = tenancy.writable_store()
    rules = message_policy(store)
    now = now or utcnow()
    stmt = (
        select(OutboundMessage)
        .where(
            OutboundMessage.status == "deferred",
            OutboundMessage.not_before <= now,
        )
        .order_by(OutboundMessage.not_before, OutboundMessage.id)
        .limit(rules.per_minute)
        .with_for_update(skip_locked=True)
    )
    if policy.is_quiet(rules, now, store.timezone):
        stmt = stmt.where(OutboundMessage.purpose.not_in(policy.QUIET_PURPOSES))
    due = db.session.execute(stmt).scalars().all()
    for message in due:
        message.status = "queued"
    db.session.flush()
    for message in due:
        enqueue_after_commit("messaging.deliver", message.store_id, outbound_message_id=message.id)
    return {"released": len(due)}


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
    if (
        message.purpose in CONSENT_PURPOSES
        and message.customer_id is not None
        and not consent.has_consent(message.customer_id, message.purpose)
    ):
        # the customer refused after the message was queued: it is not sent
        before = audit.snapshot(message, ["status", "error"])
        message.status, message.error = "suppressed", "no consent"
        db.session.flush()
        audit.record("transition", message, before=before, after=audit.snapshot(message, ["status", "error"]))
        return {"outbound_message_id": message.id, "status": message.status}
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
