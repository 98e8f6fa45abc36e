"""Sales screens: test drives, quotes (with the customer's share link), orders and the
approval queue, payments, allocation, invoice, delivery, loans and insurance.

Views parse the form, call one service through ``domain.attempt`` (a savepoint: a refused
action leaves nothing behind, even what the service flushed), and render. Order actions
answer the order fragment for htmx (with ``orderStateChanged``) and POST/redirect/GET
without JavaScript. Times and days follow the active store (``tenancy.store_timezone`` /
``store_today``); in the all-stores roll-up, the default zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import domain, events, signed_links, tenancy, visibility
from ..extensions import db
from ..inventory import services as inventory
from ..timeutil import as_utc, from_local, local, utcnow
from ..web import (
    arg_date,
    arg_id,
    htmx_response,
    permission_required,
    public,
    redirect_to,
    render_htmx,
    rollback_only,
    trigger,
    wants_fragment,
)
from . import bp, services
from .forms import (
    AllocateForm,
    CancelForm,
    DeliveryForm,
    InvoiceForm,
    LoanForm,
    NoteForm,
    OrderEditForm,
    PaymentForm,
    PolicyForm,
    QuoteForm,
    StateForm,
    TestDriveCheckInForm,
    TestDriveFeedbackForm,
    TestDriveForm,
)
from .models import (
    LOAN_STATUSES,
    ORDER_STATUSES,
    PAYMENT_KINDS,
    PAYMENT_METHODS,
    POLICY_STATUSES,
    QUOTE_STATUSES,
    TEST_DRIVE_STATUSES,
)

STATUS_TONES = {
    "draft": "secondary",
    "submitted": "warning",
    "approved": "info",
    "deposit_paid": "primary",
    "allocated": "primary",
    "invoiced": "primary",
    "delivered": "success",
    "cancelled": "dark",
    "booked": "primary",
    "done": "success",
    "no_show": "danger",
    "sent": "info",
    "accepted": "success",
    "expired": "dark",
    "rejected": "danger",
    "disbursed": "success",
    "quoted": "secondary",
    "issued": "success",
}


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {"sales_tones": STATUS_TONES}


# --------------------------------------------------------------------------- test drives


@bp.route("/test-drives")
@permission_required("sales.test_drive")
def test_drive_list():
    """The day view: each demo car's bookings on one day, plus my upcoming drives."""
    # the roll-up has no single store: its day is the default zone's (tenancy.store_timezone)
    tz = tenancy.store_timezone()
    day = arg_date("day") or tenancy.store_today()
    cars, by_car = services.test_drive_day(day, tz)
    return render_htmx(
        "sales/test_drive_list.html",
        "sales/_test_drive_day.html",
        day=day,
        cars=cars,
        by_car=by_car,
        mine=services.my_upcoming_test_drives(),
        sees_all=visibility.sees_whole_store(),
        me=tenancy.current().user_id,
        statuses=TEST_DRIVE_STATUSES,
        prev_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
    )


@bp.route("/test-drives/new", methods=["GET", "POST"])
@permission_required("sales.test_drive")
def test_drive_new():
    """Book a demo car for a customer (``?customer_id=``, optional ``?follow_up_card_id=``)."""
    customer, card = _customer_and_card()
    form = TestDriveForm()
    cars = inventory.demo_cars()
    form.vehicle_id.choices = [(0, _("请选择"))] + [
        (c.id, f"{c.vehicle_model.label} {c.plate or c.vin[-6:]}") for c in cars
    ]
    if request.method == "GET" and not form.starts_at.data:
        soon = local(utcnow(), tenancy.store_timezone()).replace(second=0, microsecond=0) + dt.timedelta(minutes=30)
        form.starts_at.data = soon.replace(minute=(soon.minute // 15) * 15, tzinfo=None)
        if arg_id("vehicle_id"):
            form.vehicle_id.data = arg_id("vehicle_id")
    if customer is not None and form.validate_on_submit():
        drive = domain.attempt(
            form,
            lambda: services.book_test_drive(
                customer_id=customer.id,
                vehicle_id=form.vehicle_id.data,
                starts_at=from_local(form.starts_at.data, tenancy.store_timezone()),
                duration_minutes=form.duration_minutes.data,
                licence_number=form.licence_number.data or "",
                card_id=card.id if card else None,
            ),
        )
        if drive is not None:
            return redirect_to(
                url_for("sales.test_drive_detail", test_drive_id=drive.id),
                trigger=trigger(events.TEST_DRIVE_SAVED, id=drive.id),
            )
    return render_template("sales/test_drive_new.html", form=form, customer=customer, card=card, cars=cars)


def _test_drive_page(test_drive_id: Any, *, trigger_event: bool = False, **forms: Any):
    drive = services.get_test_drive(test_drive_id)
    forms.setdefault("checkin_form", TestDriveCheckInForm(formdata=None, obj=drive))
    forms.setdefault(
        "feedback_form",
        TestDriveFeedbackForm(
            formdata=None, rating=str(drive.rating) if drive.rating else None, feedback=drive.feedback
        ),
    )
    forms.setdefault("state_form", StateForm(formdata=None))
    return render_htmx(
        "sales/test_drive_detail.html",
        "sales/_test_drive.html",
        drive=drive,
        started=utcnow() >= as_utc(drive.starts_at),
        statuses=TEST_DRIVE_STATUSES,
        trigger=trigger(events.TEST_DRIVE_SAVED, id=drive.id) if trigger_event else None,
        **forms,
    )


@bp.route("/test-drives/<int:test_drive_id>")
@permission_required("sales.test_drive")
def test_drive_detail(test_drive_id: int):
    """One booking: licence check, start/finish, feedback, cancel or no-show."""
    return _test_drive_page(test_drive_id)


def _test_drive_done(test_drive_id: int, form, call: Callable[[], Any], form_name: str):
    services.get_test_drive(test_drive_id)  # 404 before reading any input
    if form.validate_on_submit() and domain.attempt(form, call) is not None:
        if not request.htmx:
            return redirect_to(url_for("sales.test_drive_detail", test_drive_id=test_drive_id))
        db.session.expire_all()
        return _test_drive_page(test_drive_id, trigger_event=True)
    rollback_only()
    return _test_drive_page(test_drive_id, **{form_name: form})


@bp.route("/test-drives/<int:test_drive_id>/check-in", methods=["POST"])
@permission_required("sales.test_drive")
def test_drive_checkin(test_drive_id: int):
    """Record the licence number, licence check and signed waiver."""
    form = TestDriveCheckInForm()
    return _test_drive_done(
        test_drive_id,
        form,
        lambda: services.check_in_test_drive(
            test_drive_id,
            licence_number=form.licence_number.data,
            licence_checked=form.licence_checked.data,
            waiver_signed=form.waiver_signed.data,
        ),
        "checkin_form",
    )


@bp.route("/test-drives/<int:test_drive_id>/state", methods=["POST"])
@permission_required("sales.test_drive")
def test_drive_state(test_drive_id: int):
    """Finish the drive, cancel it, or record a no-show."""
    form = StateForm()
    return _test_drive_done(
        test_drive_id, form, lambda: services.change_test_drive_state(test_drive_id, form.to.data or ""), "state_form"
    )


@bp.route("/test-drives/<int:test_drive_id>/feedback", methods=["POST"])
@permission_required("sales.test_drive")
def test_drive_feedback(test_drive_id: int):
    """The customer's rating and feedback after the drive."""
    form = TestDriveFeedbackForm()
    return _test_drive_done(
        test_drive_id,
        form,
        lambda: services.record_test_drive_feedback(
            test_drive_id, rating=int(form.rating.data), feedback=form.feedback.data or ""
        ),
        "feedback_form",
    )


# --------------------------------------------------------------------------- quotes


def _customer_and_card():
    customer_id = arg_id("customer_id")
    if customer_id is None:
        return None, None
    customer = services.customer_for_sales(customer_id)
    return customer, services.card_for_customer(arg_id("follow_up_card_id"), customer)


def _quote_form(form: QuoteForm) -> QuoteForm:
    models = services.model_choices()
    form.model_id.choices = [(0, _("请选择车型"))] + [(m.id, f"{m.label}（{m.list_price:,.0f}）") for m in models]
    form.catalogue = models
    return form


@bp.route("/quotes")
@permission_required("sales.quote")
def quote_list():
    """Quotes, newest first (a consultant sees their own)."""
    status = request.args.get("status") or None
    page = services.quote_page(after=request.args.get("after"), status=status)
    next_url = url_for("sales.quote_list", status=status, after=page.next_token) if page.next_token else None
    return render_htmx(
        "sales/quote_list.html",
        "sales/_quote_rows.html",
        rows=page,
        current=status,
        next_url=next_url,
        statuses=QUOTE_STATUSES,
        today=tenancy.store_today(),
    )


@bp.route("/quotes/new", methods=["GET", "POST"])
@permission_required("sales.quote")
def quote_new():
    """Price a car for a customer (``?customer_id=``, optional ``?follow_up_card_id=``)."""
    customer, card = _customer_and_card()
    form = _quote_form(QuoteForm())
    if request.method == "GET" and card is not None:
        form.colour.data = card.intended_colour
        form.payment_method.data = card.payment_method if card.payment_method in ("cash", "loan") else "cash"
        if card.model_id:
            form.model_id.data = card.model_id
    if customer is not None and form.validate_on_submit():
        quote = domain.attempt(
            form, lambda: services.create_quote(customer.id, dict(form.data), card.id if card else None)
        )
        if quote is not None:
            return redirect_to(
                url_for("sales.quote_detail", quote_id=quote.id), trigger=trigger(events.QUOTE_SAVED, id=quote.id)
            )
    return render_template("sales/quote_form.html", form=form, customer=customer, card=card, quote=None)


@bp.route("/quotes/<int:quote_id>")
@permission_required("sales.quote")
def quote_detail(quote_id: int):
    """A quote, printable, with its share link and "make an order"."""
    return _quote_detail_page(services.get_quote(quote_id), StateForm(formdata=None))


def share_url(quote) -> str:
    """The customer's link to a quote, on the public address (``signed_links.public_url``).
    The token is the quote's own random one: it never expires, like the quote's printout."""
    return signed_links.public_url("sales.quote_shared", token=quote.share_token)


def _quote_loan(quote, args) -> services.LoanCalculator:
    return services.calculator(
        tenancy.store_of(quote), car_price=quote.list_price - quote.discount, deal_total=quote.total, args=args
    )


def _quote_detail_page(quote, form):
    return render_template(
        "sales/quote_detail.html",
        quote=quote,
        store=tenancy.store_of(quote),
        statuses=QUOTE_STATUSES,
        expired=services.is_quote_expired(quote, tenancy.store_today()),
        share_url=share_url(quote),
        form=form,
        shared=False,
        loan=_quote_loan(quote, request.args),
        loan_url=url_for("sales.quote_loan", quote_id=quote.id),
        loan_page=url_for("sales.quote_detail", quote_id=quote.id),
    )


def _loan_fragment(calc: services.LoanCalculator, loan_url: str, page_url: str):
    """The calculator block for htmx; the address bar keeps the inputs (reload, print).
    Without htmx: the page itself, with the same inputs."""
    query = {"plan": calc.plan.name, "down_payment": calc.down_payment, "term": calc.term} if calc.plan else {}
    page_with_inputs = page_url + ("?" + urlencode(query) if query else "")
    if not wants_fragment():
        return redirect(page_with_inputs)
    response = htmx_response(render_template("sales/_loan_calc.html", loan=calc, loan_url=loan_url, loan_page=page_url))
    response.headers["HX-Replace-Url"] = page_with_inputs
    response.vary.add("HX-Request")
    return response


@bp.route("/quotes/<int:quote_id>/loan")
@permission_required("sales.quote")
def quote_loan(quote_id: int):
    """The quote's loan calculator recomputed for ``plan``, ``down_payment`` and ``term``."""
    quote = services.get_quote(quote_id)
    return _loan_fragment(
        _quote_loan(quote, request.args),
        url_for("sales.quote_loan", quote_id=quote.id),
        url_for("sales.quote_detail", quote_id=quote.id),
    )


@bp.route("/quotes/<int:quote_id>/edit", methods=["GET", "POST"])
@permission_required("sales.quote")
def quote_edit(quote_id: int):
    """Change a draft or sent quote; totals are recomputed."""
    quote = services.get_quote(quote_id)
    form = _quote_form(QuoteForm(obj=quote if request.method == "GET" else None))
    if request.method == "GET":
        form.accessories.data = services.format_accessories(quote.accessories)
    if form.validate_on_submit():
        saved = domain.attempt(form, lambda: services.update_quote(quote_id, dict(form.data)))
        if saved is not None:
            return redirect_to(
                url_for("sales.quote_detail", quote_id=quote_id), trigger=trigger(events.QUOTE_SAVED, id=quote_id)
            )
    return render_template("sales/quote_form.html", form=form, customer=quote.customer, card=None, quote=quote)


@bp.route("/quotes/<int:quote_id>/sent", methods=["POST"])
@permission_required("sales.quote")
def quote_mark_sent(quote_id: int):
    """Mark the quote as sent to the customer."""
    services.get_quote(quote_id)
    form = StateForm()
    if domain.attempt(form, lambda: services.mark_quote_sent(quote_id)) is None and form.form_errors:
        return _quote_detail_page(services.get_quote(quote_id), form)
    return redirect_to(
        url_for("sales.quote_detail", quote_id=quote_id), trigger=trigger(events.QUOTE_SAVED, id=quote_id)
    )


@bp.route("/q/<token>")
@public
def quote_shared(token: str):
    """The customer's read-only view of a quote, opened from the share link (no login)."""
    found = services.quote_for_share_token(token)
    if found is None:
        abort(404)
    quote, store = found
    response = render_template(
        "sales/quote_shared.html", quote=quote, store=store, statuses=QUOTE_STATUSES, shared=True
    )
    return response, 200, signed_links.PUBLIC_HEADERS


# --------------------------------------------------------------------------- orders


@bp.route("/orders")
@permission_required("sales.view")
def order_list():
    """Orders, newest first; filter by state or "open" (a consultant sees their own)."""
    status = request.args.get("status") or None
    page = services.order_page(after=request.args.get("after"), status=status)
    next_url = url_for("sales.order_list", status=status, after=page.next_token) if page.next_token else None
    return render_htmx(
        "sales/order_list.html",
        "sales/_order_rows.html",
        rows=page,
        current=status,
        next_url=next_url,
        statuses=ORDER_STATUSES,
    )


@bp.route("/quotes/<int:quote_id>/order", methods=["POST"])
@permission_required("sales.order")
def order_from_quote(quote_id: int):
    """Make a draft order from a quote."""
    services.get_quote(quote_id)
    form = StateForm()
    order = domain.attempt(form, lambda: services.create_order_from_quote(quote_id))
    if order is None:
        return _quote_detail_page(services.get_quote(quote_id), form)
    return redirect_to(
        url_for("sales.order_detail", sales_order_id=order.id), trigger=trigger(events.ORDER_STATE_CHANGED, id=order.id)
    )


def _finance_context(order, forms: dict[str, Any]) -> dict[str, Any]:
    """The loans and insurance panel: its rows and its forms."""
    loans, policies = services.order_finance(order)
    return {
        "order": order,
        "loans": loans,
        "policies": policies,
        "loan_form": forms.get("loan_form") or LoanForm(formdata=None),
        "policy_form": forms.get("policy_form") or PolicyForm(formdata=None),
        "loan_statuses": LOAN_STATUSES,
        "policy_statuses": POLICY_STATUSES,
        "loan_moves": services.LOAN_MOVES.moves,
        "policy_moves": services.POLICY_MOVES.moves,
        "form_states": services.ORDER_FORM_STATES,
        "open_section": forms.get("open_section"),
    }


def _order_form(order, forms: dict[str, Any], name: str, make: Callable[[], Any]) -> Any:
    """The form of one section of the order page: the refused one when there is one; a
    fresh one only where the order's state shows the section (``ORDER_FORM_STATES``, the
    template's own condition), otherwise None (six forms made per page cost about 0.7 ms,
    issue 15)."""
    if name in forms:
        return forms[name]
    return make() if order.status in services.ORDER_FORM_STATES[name] else None


def _order_context(order, forms: dict[str, Any], *, lazy: bool = False) -> dict[str, Any]:
    """The order page; ``lazy``: the loans and insurance panel loads on its own (a GET),
    otherwise it is drawn inline (the answer to an action, a refused form's errors in it)."""
    allocate = _order_form(order, forms, "allocate_form", lambda: AllocateForm(formdata=None))
    choices = services.allocation_choices(order) if order.status == "deposit_paid" else None
    stock = {order.model_id: choices} if choices is not None else None
    choices = choices or []
    if allocate is not None:
        allocate.stock_vehicle_id.choices = [(0, _("请选择车辆"))] + [
            (v.id, f"{v.vin} {v.colour} {v.location}".strip()) for v in choices
        ]
    remaining = order.total - order.paid_total
    fully_paid = remaining <= 0
    # a cancelled order keeps the money it took until it is refunded
    refund_due = order.paid_total if order.status == "cancelled" and order.paid_total > 0 else None
    # the amount still due is the suggestion; a paid order only has a refund left to record
    # (a suggested 0.00 would be refused by the form's own rule)
    suggested = (
        min(order.deposit_required - order.paid_total, remaining)
        if order.status == "approved"
        else refund_due or remaining
    )
    payment = forms.get("payment_form")
    if payment is None and (order.status in services.ORDER_FORM_STATES["payment_form"] or refund_due):
        payment = PaymentForm(
            formdata=None,
            kind="refund" if fully_paid or refund_due else "deposit" if order.status == "approved" else "balance",
            amount=suggested if suggested > 0 else None,
        )
    can_approve = services.may_approve(order)
    return {
        **({} if lazy else _finance_context(order, forms)),
        "finance_url": url_for("sales.order_finance", sales_order_id=order.id) if lazy else None,
        "order": order,
        "delivery": order.delivery,
        "allocate_form": allocate,
        "payment_form": payment,
        "fully_paid": fully_paid,
        "refund_due": refund_due,
        "invoice_form": _order_form(order, forms, "invoice_form", lambda: InvoiceForm(formdata=None)),
        "cancel_form": _order_form(order, forms, "cancel_form", lambda: CancelForm(formdata=None)),
        # the approver's form; anyone else only sees a refused one's errors
        "note_form": forms.get("note_form") or (NoteForm(formdata=None) if can_approve else None),
        # only a refused one: its errors above the page
        "state_form": forms.get("state_form"),
        "statuses": ORDER_STATUSES,
        "payment_kinds": PAYMENT_KINDS,
        "payment_methods": PAYMENT_METHODS,
        "form_states": services.ORDER_FORM_STATES,
        "discount_pct": services.discount_percent(order.list_price, order.discount),
        # the approver rule, the same one the action and the queue apply
        "can_approve": can_approve,
        # cost and margin are for those who approve (a consultant does not see the car's cost)
        "figures": services.deal_figures([order], stock)[order.id] if _sees_margins() else None,
        "cancel_refusal": services.cancel_refusal(order),
        "loan": _order_loan(order, request.args if request.method == "GET" else {}),
        "loan_url": url_for("sales.order_loan", sales_order_id=order.id),
        "loan_page": url_for("sales.order_detail", sales_order_id=order.id),
        "open_section": forms.get("open_section"),
        "hidden_errors": _hidden_errors(order, forms),
    }


def _order_loan(order, args) -> services.LoanCalculator:
    return services.calculator(
        tenancy.store_of(order), car_price=order.list_price - order.discount, deal_total=order.total, args=args
    )


@bp.route("/orders/<int:sales_order_id>/loan")
@permission_required("sales.view")
def order_loan(sales_order_id: int):
    """The order's loan calculator recomputed for ``plan``, ``down_payment`` and ``term``."""
    order = services.get_order(sales_order_id)
    return _loan_fragment(
        _order_loan(order, request.args),
        url_for("sales.order_loan", sales_order_id=order.id),
        url_for("sales.order_detail", sales_order_id=order.id),
    )


def _sees_margins() -> bool:
    """Who sees the car's cost and the deal's margin: those who approve orders."""
    return tenancy.current().can(services.APPROVAL_PERMISSIONS[1])


def _hidden_errors(order, forms: dict[str, Any]) -> list[str]:
    """Messages of a refused form whose section the order's state no longer shows."""
    name = forms.get("open_section")
    form = forms.get(name) if name else None
    shown = order.status in services.ORDER_FORM_STATES.get(name, {order.status})
    if name == "cancel_form" and services.cancel_refusal(order) is not None:
        shown = False
    if form is None or shown:
        return []
    messages = list(getattr(form, "form_errors", []))
    for field in form:
        messages += [str(e) for e in (field.errors if isinstance(field.errors, (list, tuple)) else [])]
    return messages


def _order_page(sales_order_id: int, *, trigger_event: bool = False, **forms: Any):
    """The order after an action (or its refused form): read afresh, every panel inline."""
    db.session.expire_all()
    order = services.order_for_page(sales_order_id)
    return render_htmx(
        "sales/order_detail.html",
        "sales/_order.html",
        trigger=trigger(events.ORDER_STATE_CHANGED, id=order.id) if trigger_event else None,
        **_order_context(order, forms),
    )


@bp.route("/orders/<int:sales_order_id>")
@permission_required("sales.view")
def order_detail(sales_order_id: int):
    """The order: state, money, approvals, payments, car, invoice, delivery; the loans and
    insurance load on their own (at most four statements each, issue 15)."""
    order = services.order_for_page(sales_order_id)
    return render_htmx("sales/order_detail.html", "sales/_order.html", **_order_context(order, {}, lazy=True))


@bp.route("/orders/<int:sales_order_id>/finance")
@permission_required("sales.view")
def order_finance(sales_order_id: int):
    """The order page's loans and insurance panel."""
    order = services.get_order_row(sales_order_id)
    return render_htmx("sales/order_finance.html", "sales/_order_finance.html", **_finance_context(order, {}))


def _order_action(sales_order_id: int, form, form_name: str, call: Callable[[], Any]):
    """Validate, run one order service, and answer the fresh order (or the form's errors)."""
    services.get_order(sales_order_id)  # 404 for foreign or someone else's order, before any input
    if form_name == "allocate_form":
        form.stock_vehicle_id.choices = []
    if form.validate_on_submit() and domain.attempt(form, call) is not None:
        if not request.htmx:
            return redirect_to(url_for("sales.order_detail", sales_order_id=sales_order_id))
        return _order_page(sales_order_id, trigger_event=True)
    rollback_only()
    return _order_page(sales_order_id, **{form_name: form, "open_section": form_name})


@bp.route("/orders/<int:sales_order_id>/edit", methods=["GET", "POST"])
@permission_required("sales.order")
def order_edit(sales_order_id: int):
    """Change a draft order (discount, accessories, deposit...), with optimistic locking."""
    order = services.get_order(sales_order_id)
    if request.method == "GET":
        form = OrderEditForm(obj=order)
        form.accessories.data = services.format_accessories(order.accessories)
        form.version.data = order.version
    else:
        form = OrderEditForm()
        if form.validate_on_submit():
            saved = domain.attempt(
                form, lambda: services.update_order(sales_order_id, form.version.data, dict(form.data))
            )
            if saved is not None:
                return redirect_to(
                    url_for("sales.order_detail", sales_order_id=sales_order_id),
                    trigger=trigger(events.ORDER_STATE_CHANGED, id=sales_order_id),
                )
        rollback_only()
    return render_template("sales/order_edit.html", form=form, order=order)


@bp.route("/orders/<int:sales_order_id>/submit", methods=["POST"])
@permission_required("sales.order")
def order_submit(sales_order_id: int):
    """Submit a draft for approval (approved at once within the consultant's discount)."""
    form = StateForm()
    return _order_action(sales_order_id, form, "state_form", lambda: services.submit_order(sales_order_id))


@bp.route("/orders/<int:sales_order_id>/approve", methods=["POST"])
@permission_required("sales.order.approve")
def order_approve(sales_order_id: int):
    """Approve the order's next level (never one's own order)."""
    form = NoteForm()
    return _order_action(
        sales_order_id, form, "note_form", lambda: services.approve_order(sales_order_id, form.note.data or "")
    )


@bp.route("/orders/<int:sales_order_id>/reject", methods=["POST"])
@permission_required("sales.order.approve")
def order_reject(sales_order_id: int):
    """Send the order back to draft with a note."""
    form = NoteForm()
    return _order_action(
        sales_order_id, form, "note_form", lambda: services.reject_order(sales_order_id, form.note.data or "")
    )


@bp.route("/orders/<int:sales_order_id>/payments", methods=["POST"])
@permission_required("sales.payment")
def order_payment(sales_order_id: int):
    """Record a deposit, balance, loan payout or refund."""
    form = PaymentForm()
    return _order_action(
        sales_order_id,
        form,
        "payment_form",
        lambda: services.record_payment(
            sales_order_id,
            kind=form.kind.data,
            method=form.method.data,
            amount=form.amount.data,
            reference=form.reference.data or "",
        ),
    )


@bp.route("/orders/<int:sales_order_id>/allocate", methods=["POST"])
@permission_required("sales.order")
def order_allocate(sales_order_id: int):
    """Allocate an in-stock car (VIN) to the order."""
    form = AllocateForm()
    return _order_action(
        sales_order_id,
        form,
        "allocate_form",
        lambda: services.allocate_vehicle(sales_order_id, form.stock_vehicle_id.data),
    )


@bp.route("/orders/<int:sales_order_id>/invoice", methods=["POST"])
@permission_required("sales.payment")
def order_invoice(sales_order_id: int):
    """Record the invoice number of a paid order."""
    form = InvoiceForm()
    return _order_action(
        sales_order_id, form, "invoice_form", lambda: services.invoice_order(sales_order_id, form.invoice_number.data)
    )


@bp.route("/orders/<int:sales_order_id>/cancel", methods=["POST"])
@permission_required("sales.order")
def order_cancel(sales_order_id: int):
    """Cancel an order before delivery (its car goes back in stock)."""
    form = CancelForm()
    return _order_action(
        sales_order_id, form, "cancel_form", lambda: services.cancel_order(sales_order_id, form.reason.data)
    )


@bp.route("/orders/<int:sales_order_id>/delivery", methods=["GET", "POST"])
@permission_required("sales.delivery")
def order_delivery(sales_order_id: int):
    """Hand the car over with the checklist; creates the customer's vehicle."""
    order = services.get_order(sales_order_id)
    form = DeliveryForm()
    if form.validate_on_submit():
        delivery = domain.attempt(
            form,
            lambda: services.deliver_order(
                sales_order_id,
                checklist={k: getattr(form, k).data for k in form.CHECKLIST},
                received_by_name=form.received_by_name.data,
                mileage=form.mileage.data,
                notes=form.notes.data or "",
            ),
        )
        if delivery is not None:
            return redirect_to(
                url_for("sales.order_detail", sales_order_id=sales_order_id),
                trigger=trigger(events.ORDER_STATE_CHANGED, id=sales_order_id),
            )
    elif request.method == "GET":
        form.received_by_name.data = order.customer.name
    if request.method == "POST":
        rollback_only()
    return render_template("sales/order_delivery.html", form=form, order=order, delivery=services.get_delivery(order))


@bp.route("/approvals")
@permission_required("sales.order.approve")
def approval_queue():
    """Orders waiting for the approval level the user holds."""
    orders = services.approval_queue()
    return render_template(
        "sales/approval_queue.html",
        orders=orders,
        figures=services.deal_figures(orders),
        statuses=ORDER_STATUSES,
        pct=services.discount_percent,
    )


# --------------------------------------------------------------------------- loans, insurance


@bp.route("/orders/<int:sales_order_id>/loans", methods=["POST"])
@permission_required("sales.finance")
def loan_new(sales_order_id: int):
    """Add a loan application to the order."""
    form = LoanForm()
    return _order_action(
        sales_order_id, form, "loan_form", lambda: services.create_loan(sales_order_id, dict(form.data))
    )


@bp.route("/loans/<int:loan_application_id>/state", methods=["POST"])
@permission_required("sales.finance")
def loan_state(loan_application_id: int):
    """Move a loan application along (submitted, approved, rejected, disbursed, cancelled)."""
    loan = services.get_loan_application(loan_application_id)
    form = StateForm()
    return _order_action(
        loan.order_id, form, "state_form", lambda: services.change_loan_state(loan_application_id, form.to.data or "")
    )


@bp.route("/orders/<int:sales_order_id>/policies", methods=["POST"])
@permission_required("sales.finance")
def policy_new(sales_order_id: int):
    """Add an insurance policy to the order."""
    form = PolicyForm()
    return _order_action(
        sales_order_id, form, "policy_form", lambda: services.create_policy(sales_order_id, dict(form.data))
    )


@bp.route("/policies/<int:insurance_policy_id>/state", methods=["POST"])
@permission_required("sales.finance")
def policy_state(insurance_policy_id: int):
    """Issue or cancel an insurance policy."""
    policy = services.get_insurance_policy(insurance_policy_id)
    if policy.order_id is None:
        abort(404)
    form = StateForm()
    return _order_action(
        policy.order_id,
        form,
        "state_form",
        lambda: services.change_policy_state(insurance_policy_id, form.to.data or "", form.policy_number.data or ""),
    )
