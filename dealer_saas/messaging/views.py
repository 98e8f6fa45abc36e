"""The outbox: messages the store sent or is sending."""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from .. import tenancy
from ..web import permission_required, render_htmx
from . import bp, services
from .models import CHANNELS, STATUS_BADGES, STATUSES


def _filters() -> dict[str, str]:
    channel = request.args.get("channel", "")
    status = request.args.get("status", "")
    return {
        "channel": channel if channel in CHANNELS else "",
        "status": status if status in STATUSES else "",
        "q": request.args.get("q", "").strip()[:120],
    }


@bp.route("/outbox")
@permission_required("messages.view")
def outbox():
    """The store's outbound messages, filtered by channel, status and recipient."""
    filters = _filters()
    page = services.list_messages(
        channel=filters["channel"] or None,
        status=filters["status"] or None,
        q=filters["q"] or None,
        after=request.args.get("after"),
        size=current_app.config.get("PAGE_SIZE", 25),
    )
    next_url = (
        url_for("messaging.outbox", after=page.next_token, **{k: v for k, v in filters.items() if v})
        if page.next_token
        else None
    )
    return render_htmx(
        "messaging/outbox.html",
        "messaging/_outbox_list.html",
        listing=page,
        next_url=next_url,
        filters=filters,
        channels=CHANNELS,
        statuses=STATUSES,
        badges=STATUS_BADGES,
    )


@bp.route("/outbox/<int:outbound_message_id>")
@permission_required("messages.view")
def message_detail(outbound_message_id: int):
    """One outbound message: recipient, body, status, attempts, provider reference."""
    message = services.get_message(outbound_message_id)
    customer_url = None
    if (
        message.customer_id
        and "customers.customer_detail" in current_app.view_functions
        and tenancy.current().can("customers.view")
    ):
        customer_url = url_for("customers.customer_detail", customer_id=message.customer_id)
    return render_template(
        "messaging/message_detail.html",
        message=message,
        customer_url=customer_url,
        channels=CHANNELS,
        statuses=STATUSES,
        badges=STATUS_BADGES,
    )
