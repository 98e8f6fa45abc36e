"""Public addresses of the links a message carries (campaign sign-up, service booking), built
the same in a request and in a job (``signed_links.public_url``)."""

from __future__ import annotations

from .. import signed_links

#: the purpose campaign sign-up links are signed for; they live as long as links may
SIGNUP_LINK = "campaign_signup"
SIGNUP_LINK_DAYS = signed_links.MAX_DAYS


def signup_url(store_id: int, campaign_id: int) -> str:
    token = signed_links.issue(SIGNUP_LINK, store_id, campaign_id, days=SIGNUP_LINK_DAYS)
    return signed_links.public_url("marketing.public_signup", token=token)


def booking_url(store_id: int, vehicle_id: int) -> str:
    """The service module's signed booking link for one car (its free slots)."""
    from ..service.views import BOOKING_LINK, BOOKING_LINK_DAYS

    token = signed_links.issue(BOOKING_LINK, store_id, vehicle_id, days=BOOKING_LINK_DAYS)
    return signed_links.public_url("service.public_booking", token=token)
