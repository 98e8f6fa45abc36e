"""Public addresses of the links a message carries (campaign sign-up, service booking), built
the same in a request and in a job (a job has no request: the configured
``PUBLIC_BASE_URL``, else http://localhost, stands in for it)."""

from __future__ import annotations

import contextlib
from typing import Any

from flask import current_app, has_request_context, url_for

from .. import signed_links

#: the purpose campaign sign-up links are signed for; they live as long as links may
SIGNUP_LINK = "campaign_signup"
SIGNUP_LINK_DAYS = signed_links.MAX_DAYS


def public_url(endpoint: str, **values: Any) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if has_request_context():
        context = contextlib.nullcontext()
    else:
        context = current_app.test_request_context(base_url=base or "http://localhost")
    with context:
        path = url_for(endpoint, **values)
        return base + path if base else url_for(endpoint, _external=True, **values)


def signup_url(store_id: int, campaign_id: int) -> str:
    token = signed_links.issue(SIGNUP_LINK, store_id, campaign_id, days=SIGNUP_LINK_DAYS)
    return public_url("marketing.public_signup", token=token)


def booking_url(store_id: int, vehicle_id: int) -> str:
    """The service module's signed booking link for one car (its free slots)."""
    from ..service.views import BOOKING_LINK, BOOKING_LINK_DAYS

    token = signed_links.issue(BOOKING_LINK, store_id, vehicle_id, days=BOOKING_LINK_DAYS)
    return public_url("service.public_booking", token=token)
