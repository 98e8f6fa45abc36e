"""The outbox: messages the store sent or is sending."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for

from .. import signed_links, tenancy
from ..customers.models import Customer
from ..domain import attempt
from ..web import permission_required, public, render_htmx, rollback_only
from . import bp, consent, services
from .forms import ConsentForm, UnsubscribeForm
from .models import CHANNELS, CONSENT_PURPOSES, CONSENT_SOURCES, STATUS_BADGES, STATUSES


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


# --------------------------------------------------------------------------- consent


def _consent_panel(customer, form, *, saved: bool = False, http_status: int = 200):
    return render_htmx(
        "messaging/consent_page.html",
        "messaging/_consent.html",
        http_status=http_status,
        customer=customer,
        consents=consent.consents_of(customer.id),
        form=form,
        saved=saved,
        purposes=CONSENT_PURPOSES,
        sources=CONSENT_SOURCES,
    )


@bp.route("/customers/<int:customer_id>/consent", methods=["GET", "POST"])
@permission_required("customers.view")
def customer_consent(customer_id: int):
    """The customer's answers for service and for marketing messages (time and source), and
    the form staff record a new answer with (customers.edit)."""
    customer = tenancy.get_or_404(Customer, customer_id)
    form = ConsentForm()
    if request.method == "POST":
        if not tenancy.current().can("customers.edit"):
            abort(403)
        if form.validate_on_submit():
            done = attempt(
                form,
                lambda: consent.record_consent(
                    customer.id, form.purpose.data, form.granted.data == "yes", form.source.data, form.note.data or ""
                ),
            )
            if done is not None:
                return _consent_panel(customer, ConsentForm(formdata=None), saved=True)
        rollback_only()
        return _consent_panel(customer, form, http_status=422)
    return _consent_panel(customer, form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@public
def unsubscribe(token: str):
    """The customer's unsubscribe page from a marketing message (no login): one button
    records the refusal of marketing messages; service messages are not affected."""
    try:
        with signed_links.opened("unsubscribe", token, request.remote_addr) as (link, store):
            customer = tenancy.get_or_none(Customer, link.record_id)
            if customer is None:
                raise signed_links.LinkRefused("invalid", 404)
            form = UnsubscribeForm()
            done = False
            if form.validate_on_submit():
                consent.record_consent(customer.id, "marketing", False, "unsubscribe_link")
                done = True
            body = render_template("messaging/unsubscribe.html", form=form, store=store, done=done)
    except signed_links.LinkRefused as error:
        return signed_links.refusal_page(error)
    return body, 200, signed_links.PUBLIC_HEADERS
