"""Public signed links (DESIGN section 4a), one mechanism for every module: a token signed
with a purpose and an expiry (``itsdangerous``), bound to one store and one record, and a
per-link and per-address rate limit kept in the database (so every worker process agrees).

    token = signed_links.issue("service_booking", store_id, vehicle_id, days=14)
    link = signed_links.read("service_booking", token)   # LinkInvalid / LinkExpired
    signed_links.check_rate("service_booking", token, ip)  # LinkRateLimited

A tampered token, one of another purpose and an expired one are refused; the caller shows
a friendly page and never another store's data: it enters the tenant context of
``link.store_id`` and loads ``link.record_id`` through the tenancy core there. Single use,
where an action needs it (a survey answer), is the record's own state (answered once).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import utcnow

#: the most a link may live
MAX_DAYS = 90
#: requests allowed per window, per link and per address
WINDOW = dt.timedelta(minutes=10)
PER_LINK = 30
PER_ADDRESS = 60
MAX_TOKEN = 400


class LinkInvalid(Exception):
    """Not a token we signed for this purpose (tampered, truncated, another purpose)."""


class LinkExpired(LinkInvalid):
    """A genuine token past its expiry."""


class LinkRateLimited(Exception):
    """Too many requests for this link or from this address."""


class LinkHit(db.Model):
    """One request to a public link: the rate limit's memory (not tenant data)."""

    __tablename__ = "signed_link_hits"
    __table_args__ = (
        sa.Index("ix_signed_link_hits_link_at", "link_key", "at"),
        sa.Index("ix_signed_link_hits_ip_at", "ip", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    #: a hash of the token (the token itself is a credential)
    link_key: Mapped[str] = mapped_column(sa.String(64))
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class SignedLink:
    purpose: str
    store_id: int
    record_id: int
    expires_at: dt.datetime


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"dealer_saas.signed_links:{purpose}")


def issue(purpose: str, store_id: int, record_id: int, *, days: int = 14) -> str:
    """A token for one record of one store, valid ``days`` days (at most ``MAX_DAYS``)."""
    days = max(1, min(int(days), MAX_DAYS))
    expires = int((utcnow() + dt.timedelta(days=days)).timestamp())
    return _serializer(purpose).dumps({"s": int(store_id), "r": int(record_id), "e": expires})


def read(purpose: str, token: str) -> SignedLink:
    """The link behind a token of ``purpose``; LinkInvalid or LinkExpired otherwise."""
    if not token or len(token) > MAX_TOKEN:
        raise LinkInvalid()
    try:
        data = _serializer(purpose).loads(token)
    except BadSignature:
        raise LinkInvalid() from None
    try:
        store_id, record_id, expires = int(data["s"]), int(data["r"]), int(data["e"])
    except (KeyError, TypeError, ValueError):
        raise LinkInvalid() from None
    expires_at = dt.datetime.fromtimestamp(expires, dt.UTC)
    if expires_at <= utcnow():
        raise LinkExpired()
    return SignedLink(purpose, store_id, record_id, expires_at)


def link_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_rate(purpose: str, token: str, ip: str | None) -> None:
    """Count this request; LinkRateLimited past ``PER_LINK`` for the link or
    ``PER_ADDRESS`` for the address within ``WINDOW``. Flushes the hit."""
    key, ip = link_key(token), (ip or "")[:64]
    since = utcnow() - WINDOW
    by_link = db.session.execute(
        sa.select(sa.func.count(LinkHit.id)).where(LinkHit.link_key == key, LinkHit.at >= since)
    ).scalar_one()
    by_ip = db.session.execute(
        sa.select(sa.func.count(LinkHit.id)).where(LinkHit.ip == ip, LinkHit.at >= since)
    ).scalar_one()
    if by_link >= PER_LINK or (ip and by_ip >= PER_ADDRESS):
        raise LinkRateLimited()
    db.session.add(LinkHit(purpose=purpose, link_key=key, ip=ip))
    db.session.flush()


def public_url(endpoint: str, **values) -> str:
    """The absolute address of a public page for a customer, from a request or a job: on the
    configured ``PUBLIC_BASE_URL`` (e.g. https://crm.example.com), else on the address the
    request came to, else (a job without one) on ``http://localhost``."""
    from flask import has_request_context, request, url_for

    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if has_request_context():
        path = url_for(endpoint, **values)
        return (base or request.host_url.rstrip("/")) + path
    root = (current_app.config.get("APPLICATION_ROOT") or "/").rstrip("/")
    path = current_app.url_map.bind("localhost", script_name=root or "/").build(endpoint, values)
    return (base or "http://localhost") + path


class LinkRefused(Exception):
    """A public link that cannot be served: ``reason`` is "invalid", "expired" or "rate",
    ``status`` the HTTP answer (404, 410, 429)."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.reason, self.status = reason, status


@contextlib.contextmanager
def opened(purpose: str, token: str, ip: str | None) -> Iterator[tuple[SignedLink, Any]]:
    """Serve a public link: read and rate-count the token, then act inside the tenant
    context of the link's (active) store, with no permissions. Yields ``(link, store)``;
    raises LinkRefused for a tampered, expired, over-used or dead-store link. The caller
    loads ``link.record_id`` through the tenancy core inside the block (so only from the
    link's store) and answers ``refusal_page(error)`` for a LinkRefused."""
    from . import tenancy

    try:
        link = read(purpose, token)
    except LinkExpired:
        raise LinkRefused("expired", 410) from None
    except LinkInvalid:
        raise LinkRefused("invalid", 404) from None
    try:
        check_rate(purpose, token, ip)
    except LinkRateLimited:
        raise LinkRefused("rate", 429) from None
    with tenancy.system():
        store = db.session.execute(
            sa.select(tenancy.Store).where(tenancy.Store.id == link.store_id)
        ).scalar_one_or_none()
    if store is None or not store.is_active:
        raise LinkRefused("invalid", 404)
    with tenancy.use(tenancy.context_for_store(store.id, permissions=frozenset(), ip=ip)):
        yield link, store


#: headers of every public page: never cached, never indexed
PUBLIC_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def refusal_page(error: LinkRefused):
    """The friendly page for a link that cannot be served (no staff menu, no store data)."""
    from flask import render_template

    return render_template("public_link_problem.html", reason=error.reason), error.status, PUBLIC_HEADERS
