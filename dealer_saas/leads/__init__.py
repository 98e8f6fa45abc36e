"""leads module: the visit log (来店/来电登记) and follow-up cards (意向客户跟进卡)."""

from flask import Blueprint, Flask, current_app, url_for

bp = Blueprint("leads", __name__, url_prefix="/leads")

from . import jobs, models, tiles, timeline, views  # noqa: E402,F401


def _customer_url(customer_id: int) -> str | None:
    """The customer 360 page, when the customers module provides it."""
    if "customers.customer_detail" not in current_app.view_functions:
        return None
    return url_for("customers.customer_detail", customer_id=customer_id)


def init_app(app: Flask) -> None:
    from ..customers.models import SOURCES
    from .models import CARD_STATUSES, CONTACT_CHANNELS, INTENT_LEVELS, PAYMENT_METHODS, VISIT_KINDS
    from .services import ACTION_LABELS

    app.jinja_env.globals.update(
        leads_customer_url=_customer_url,
        card_statuses=CARD_STATUSES,
        visit_kinds=VISIT_KINDS,
        intent_levels=INTENT_LEVELS,
        contact_channels=CONTACT_CHANNELS,
        payment_methods=PAYMENT_METHODS,
        action_labels=ACTION_LABELS,
        customer_sources=SOURCES,
    )
