"""Service screens: the labour catalogue, repair orders (reception, lines, quality check,
settlement, statement), the workshop board, the technician's phone view, appointments.

Views are thin: parse the form, run one service through ``domain.attempt``, render the page
or its fragment. Write controls are not shown in the read-only roll-up."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from flask import abort, g, render_template, request, send_file, url_for
from flask_babel import gettext as _

from .. import signed_links, tenancy, visibility
from ..customers.models import CustomerVehicle
from ..domain import attempt
from ..extensions import db
from ..shell import store_name
from ..timeutil import from_local, local, utcnow
from ..web import (
    arg_date,
    permission_required,
    public,
    redirect_to,
    render_htmx,
    rollback_only,
    trigger,
)
from . import bp, events, settings
from .forms import (
    ActionForm,
    AppointmentForm,
    AssignForm,
    LabourLineForm,
    OperationForm,
    PackageForm,
    PackageLineForm,
    PaymentForm,
    PhotoForm,
    ProposalAnswerForm,
    ProposalForm,
    PublicBookingForm,
    QcForm,
    ReceptionEditForm,
    ReceptionForm,
    RescheduleForm,
)
from .models import APPOINTMENT_STATUSES, CATEGORIES, RO_STATUSES
from .services import appointments, parts_lines, photos, progress, repair_orders, ro_list, rules, work
from .services import catalogue as labour_catalogue
from .services.rules import (
    APPOINTMENT_BUTTONS,
    APPOINTMENT_MOVES,
    LINE_MOVES,
    PROPOSAL_MOVES,
    RO_MOVES,
    RO_PAGE_ACTIONS,
    ServiceError,
)

STATUS_TONES = {
    "open": "secondary",
    "in_progress": "primary",
    "quality_check": "warning",
    "ready": "success",
    "settled": "info",
    "closed": "dark",
    "cancelled": "light",
    "pending": "secondary",
    "working": "primary",
    "paused": "warning",
    "done": "info",
    "passed": "success",
    "booked": "secondary",
    "confirmed": "primary",
    "arrived": "success",
    "no_show": "danger",
}


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"service_tones": STATUS_TONES}


def _read_only() -> bool:
    return tenancy.current().is_rollup


def _staff_choices(users: list, blank: str) -> list[tuple[str, str]]:
    return [("", blank)] + [(str(u.id), u.name) for u in users]


def _catalogue_editor() -> bool:
    """The catalogue is the group's: only a group-level role edits it (as the vehicle
    catalogue); anyone else finds no edit page, as if the row were not there."""
    return "service.catalogue" in tenancy.current().group_permissions


def _editor_or_404() -> None:
    if not _catalogue_editor():
        abort(404)


# --------------------------------------------------------------------------- catalogue


@bp.route("/catalogue")
@permission_required("service.view")
def catalogue():
    """The group's labour operations (filter by category) and packages."""
    category = request.args.get("category") or None
    q = request.args.get("q", "")[:40]
    return render_htmx(
        "service/catalogue.html",
        "service/_catalogue.html",
        operations=labour_catalogue.operations(category=category, q=q),
        packages=labour_catalogue.packages(),
        category=category if category in CATEGORIES else None,
        q=q,
        can_edit=_catalogue_editor() and not _read_only(),
        rates=settings.labour_rates(tenancy.current_store()) if tenancy.current_store() else None,
    )


def _operation_form_page(form: OperationForm, operation=None):
    return render_template("service/operation_form.html", form=form, operation=operation)


@bp.route("/catalogue/operations/new", methods=["GET", "POST"])
@permission_required("service.catalogue")
def operation_new():
    _editor_or_404()
    form = OperationForm()
    if form.validate_on_submit() and attempt(form, lambda: labour_catalogue.create_operation(dict(form.data))):
        return redirect_to(url_for("service.catalogue"), trigger=trigger(events.CATALOGUE_SAVED))
    if request.method == "POST":
        rollback_only()
    return _operation_form_page(form)


@bp.route("/catalogue/operations/<int:labour_operation_id>/edit", methods=["GET", "POST"])
@permission_required("service.catalogue")
def operation_edit(labour_operation_id: int):
    operation = labour_catalogue.get_operation(labour_operation_id)
    _editor_or_404()
    form = OperationForm(obj=operation if request.method == "GET" else None)
    if form.validate_on_submit() and attempt(
        form, lambda: labour_catalogue.update_operation(labour_operation_id, dict(form.data))
    ):
        return redirect_to(url_for("service.catalogue"), trigger=trigger(events.CATALOGUE_SAVED))
    if request.method == "POST":
        rollback_only()
    return _operation_form_page(form, operation)


def _package_form(package=None) -> PackageForm:
    if request.method == "GET" and package is not None:
        form = PackageForm(obj=package)
        form.operation_ids.data = [item.operation_id for item in package.items]
    else:
        form = PackageForm()
    form.operation_ids.choices = [
        (o.id, f"{o.code} {o.name}（{o.standard_hours}h）") for o in labour_catalogue.operations(active_only=True)
    ]
    return form


@bp.route("/catalogue/packages/new", methods=["GET", "POST"])
@permission_required("service.catalogue")
def package_new():
    _editor_or_404()
    form = _package_form()
    if form.validate_on_submit() and attempt(form, lambda: labour_catalogue.create_package(dict(form.data))):
        return redirect_to(url_for("service.catalogue"), trigger=trigger(events.CATALOGUE_SAVED))
    if request.method == "POST":
        rollback_only()
    return render_template("service/package_form.html", form=form, package=None)


@bp.route("/catalogue/packages/<int:service_package_id>/edit", methods=["GET", "POST"])
@permission_required("service.catalogue")
def package_edit(service_package_id: int):
    package = labour_catalogue.get_package(service_package_id)
    _editor_or_404()
    form = _package_form(package)
    if form.validate_on_submit() and attempt(
        form, lambda: labour_catalogue.update_package(service_package_id, dict(form.data))
    ):
        return redirect_to(url_for("service.catalogue"), trigger=trigger(events.CATALOGUE_SAVED))
    if request.method == "POST":
        rollback_only()
    return render_template("service/package_form.html", form=form, package=package)


# --------------------------------------------------------------------------- repair orders


@bp.route("/repair-orders")
@permission_required("service.view")
def repair_order_list():
    """Repair orders, newest first; ``?status=`` a state or ``live``."""
    status = request.args.get("status") or None
    page = ro_list.repair_order_page(after=request.args.get("after"), status=status)
    return render_htmx(
        "service/repair_order_list.html",
        "service/_repair_order_rows.html",
        rows=page,
        status=status,
        next_url=url_for("service.repair_order_list", status=status, after=page.next_token) if page.has_more else None,
    )


def _fill_reception_choices(form: ReceptionForm) -> None:
    form.advisor_id.choices = _staff_choices(repair_orders.advisors(), _("我自己"))


@bp.route("/repair-orders/new", methods=["GET", "POST"])
@permission_required("service.ro")
def repair_order_new():
    """Receive a car: look it up by plate or VIN, then the reception details."""
    form = ReceptionForm()
    if request.method == "GET" and request.args.get("plate"):
        form.plate_or_vin.data = request.args["plate"][:30]
    _fill_reception_choices(form)
    if form.validate_on_submit():

        def receive():
            vehicle = repair_orders.find_vehicle(form.plate_or_vin.data)
            data = dict(form.data)
            if form.promised_at.data:
                data["promised_at"] = from_local(form.promised_at.data, tenancy.store_timezone())
            return repair_orders.open_repair_order(vehicle.id, data)

        ro = attempt(form, receive)
        if ro:
            return redirect_to(
                url_for("service.repair_order_detail", repair_order_id=ro.id),
                trigger=trigger(events.RO_STATE_CHANGED, id=ro.id),
            )
    if request.method == "POST":
        rollback_only()
    return render_template("service/repair_order_new.html", form=form)


#: the htmx attributes of the RO page's forms: each answers with the whole page fragment
RO_HX = 'hx-target="#repair-order" hx-swap="outerHTML"'
#: the panels of the RO page loaded as fragments of their own (``hx-trigger="load"``), each
#: within the statement budget; a refused form re-renders the page with all of them inline
RO_PANELS = ("photos", "settlement", "parts", "work_forms", "progress", "history")


def _can_add_work(ro) -> bool:
    return not _read_only() and ro.status in repair_orders.EDITABLE_STATES


def _reception_form(ro, forms: dict[str, Any], advisors: list) -> ReceptionEditForm:
    reception = forms.get("reception_form")
    if reception is None:
        reception = ReceptionEditForm(formdata=None, obj=ro)
        reception.version.data = ro.version
        if ro.promised_at:
            reception.promised_at.data = local(ro.promised_at, tenancy.store_timezone()).replace(tzinfo=None)
        reception.advisor_id.data = str(ro.advisor_id or "")
    reception.advisor_id.choices = _staff_choices(advisors, _("我自己"))
    return reception


def _photos_panel(ro, forms: dict[str, Any]) -> dict[str, Any]:
    return {"photo_states": photos.PHOTO_STATES, "photo_form": forms.get("photo_form") or PhotoForm(formdata=None)}


def _settlement_panel(ro, forms: dict[str, Any]) -> dict[str, Any]:
    totals = repair_orders.totals_by_payer(ro)
    paid = repair_orders.paid_by_payer(ro)
    outstanding = OrderedDict((p, due - paid.get(p, Decimal("0.00"))) for p, due in totals.items())
    payment = forms.get("payment_form") or PaymentForm(formdata=None)
    if payment.amount.data is None and not forms.get("payment_form"):
        first = next(((p, a) for p, a in outstanding.items() if a > 0), None)
        if first:
            payment.payer.data, payment.amount.data = first
    return {"totals": totals, "paid": paid, "outstanding": outstanding, "payment_form": payment}


def _work_forms_panel(ro, forms: dict[str, Any], technicians: list) -> dict[str, Any]:
    operations, packages = labour_catalogue.line_choices()
    choices = _staff_choices(technicians, _("暂不派工"))
    labour = forms.get("labour_form") or LabourLineForm(formdata=None)
    labour.operation_id.choices = [("", _("请选择"))] + operations
    labour.technician_id.choices = choices
    package = forms.get("package_form") or PackageLineForm(formdata=None)
    package.package_id.choices = [("", _("请选择"))] + packages
    package.technician_id.choices = choices
    return {"labour_form": labour, "package_form": package, "operation_choices": operations}


def _progress_panel(ro, forms: dict[str, Any], operations: list | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"proposal_states": progress.PROPOSAL_STATES, "proposal_statuses": PROPOSAL_MOVES.labels}
    if not _read_only():
        if operations is None:
            operations = [
                (str(o.id), f"{o.code} {o.name}（{o.standard_hours}h）")
                for o in labour_catalogue.operations(active_only=True)
            ]
        proposal = forms.get("proposal_form") or ProposalForm(formdata=None)
        proposal.operation_id.choices = [("", _("请选择"))] + operations
        context["proposal_form"] = proposal
        context["progress_url"] = signed_links.public_url("service.public_progress", token=progress.issue_link(ro))
    return context


def _history_panel(ro) -> dict[str, Any]:
    return {"history": [r for r in repair_orders.history_for_vehicle(ro.vehicle_id) if r.id != ro.id]}


def _panel_base(ro) -> dict[str, Any]:
    """What every panel template reads besides its own rows."""
    return {"ro": ro, "read_only": _read_only(), "hx": RO_HX, "store": tenancy.store_of(ro)}


def _ro_page(repair_order_id: Any, *, event: bool = False, **forms: Any):
    """The RO page (or its fragment): reception, the moves, the lines. The other panels load
    on their own (``hx-trigger="load"``) unless a refused form is shown with its errors,
    when every panel is rendered inline with what the user typed."""
    if request.method != "GET":
        # after a move (saved or refused) the RO is read again; a plain GET keeps the
        # signed-in user and the stores loaded with it (no reload of the shell's rows)
        db.session.expire_all()
    inline = bool(forms)
    ro = repair_orders.repair_order_for_page(repair_order_id, full=inline)
    read_only = _read_only()
    context: dict[str, Any] = {
        **_panel_base(ro),
        "ro_actions": [a for a in RO_MOVES.actions_for(ro) if a in RO_PAGE_ACTIONS],
        "ro_action_labels": RO_MOVES.action_labels,
        "line_moves": LINE_MOVES,
        "me": tenancy.current().user_id,
        "panels": RO_PANELS if inline else (),
        "can_add_work": _can_add_work(ro),
    }
    technicians: list = []
    if not read_only:
        advisors, technicians = rules.service_staff()
        context.update(
            reception_form=_reception_form(ro, forms, advisors),
            technician_choices=_staff_choices(technicians, _("暂不派工")),
            action_form=forms.get("action_form") or ActionForm(formdata=None),
            qc_form=forms.get("qc_form") or QcForm(formdata=None),
            assign_form=AssignForm(formdata=None),
        )
    if inline:
        context.update(_photos_panel(ro, forms), **_settlement_panel(ro, forms), **parts_lines.page_context(ro))
        operations = None
        if context["can_add_work"]:
            work_forms = _work_forms_panel(ro, forms, technicians)
            operations = work_forms.pop("operation_choices")
            context.update(work_forms)
        context.update(_progress_panel(ro, forms, operations), **_history_panel(ro))
    return render_htmx(
        "service/repair_order_detail.html",
        "service/_repair_order.html",
        trigger=trigger(events.RO_STATE_CHANGED, id=ro.id) if event else None,
        **context,
    )


@bp.route("/repair-orders/<int:repair_order_id>")
@permission_required("service.view")
def repair_order_detail(repair_order_id: int):
    """One RO: reception, lines with their technicians and work, and the moves for its
    state; photos, totals per payer and payments, parts, the forms to add work, the
    customer's progress link and the car's history load as panels of their own."""
    return _ro_page(repair_order_id)


@bp.route("/repair-orders/<int:repair_order_id>/photos")
@permission_required("service.view")
def repair_order_photos_panel(repair_order_id: int):
    """The RO page's photos panel (loaded on its own)."""
    ro = repair_orders.repair_order_with(repair_order_id, "photos")
    return render_template("service/_ro_photos.html", **_panel_base(ro), **_photos_panel(ro, {}))


@bp.route("/repair-orders/<int:repair_order_id>/settlement")
@permission_required("service.view")
def repair_order_settlement_panel(repair_order_id: int):
    """The RO page's settlement panel: totals per payer, payments, the payment form."""
    ro = repair_orders.repair_order_with(repair_order_id, "payments")
    return render_template("service/_ro_settlement.html", **_panel_base(ro), **_settlement_panel(ro, {}))


@bp.route("/repair-orders/<int:repair_order_id>/work-forms")
@permission_required("service.view")
def repair_order_work_forms_panel(repair_order_id: int):
    """The RO page's forms to add a package or a labour line (while work may be added)."""
    ro = repair_orders.get_repair_order(repair_order_id)
    context = {**_panel_base(ro), "can_add_work": _can_add_work(ro)}
    if context["can_add_work"]:
        context.update(_work_forms_panel(ro, {}, rules.technicians()))
    return render_template("service/_ro_work_forms.html", **context)


@bp.route("/repair-orders/<int:repair_order_id>/progress")
@permission_required("service.view")
def repair_order_progress_panel(repair_order_id: int):
    """The RO page's progress panel: the customer's link and the extra work proposed."""
    ro = repair_orders.repair_order_with(repair_order_id, "proposals")
    return render_template("service/_ro_progress.html", **_panel_base(ro), **_progress_panel(ro, {}))


@bp.route("/repair-orders/<int:repair_order_id>/history")
@permission_required("service.view")
def repair_order_history_panel(repair_order_id: int):
    """The RO page's panel of the car's other repair orders."""
    ro = repair_orders.get_repair_order(repair_order_id)
    return render_template("service/_ro_history.html", **_panel_base(ro), **_history_panel(ro))


def _ro_done(repair_order_id: int, form: Any, name: str, call) -> Any:
    """Run one RO service from the page: the fresh page (or fragment) when it worked, the
    page with the form's errors when it did not (status 200, nothing saved)."""
    if form.validate_on_submit() and attempt(form, call):
        if not request.htmx:
            return redirect_to(url_for("service.repair_order_detail", repair_order_id=repair_order_id))
        return _ro_page(repair_order_id, event=True)
    rollback_only()
    return _ro_page(repair_order_id, **{name: form})


@bp.route("/repair-orders/<int:repair_order_id>/reception", methods=["POST"])
@permission_required("service.ro")
def repair_order_reception(repair_order_id: int):
    ro = repair_orders.get_repair_order(repair_order_id)
    form = ReceptionEditForm()
    _fill_reception_choices(form)

    def call():
        data = dict(form.data)
        data["promised_at"] = (
            from_local(form.promised_at.data, tenancy.store_timezone()) if form.promised_at.data else None
        )
        return repair_orders.update_reception(ro.id, form.version.data, data)

    return _ro_done(repair_order_id, form, "reception_form", call)


@bp.route("/repair-orders/<int:repair_order_id>/labour", methods=["POST"])
@permission_required("service.ro")
def repair_order_add_labour(repair_order_id: int):
    repair_orders.get_repair_order(repair_order_id)
    form = LabourLineForm()
    return _ro_done(
        repair_order_id, form, "labour_form", lambda: repair_orders.add_labour_line(repair_order_id, dict(form.data))
    )


@bp.route("/repair-orders/<int:repair_order_id>/package", methods=["POST"])
@permission_required("service.ro")
def repair_order_add_package(repair_order_id: int):
    repair_orders.get_repair_order(repair_order_id)
    form = PackageLineForm()
    return _ro_done(
        repair_order_id, form, "package_form", lambda: repair_orders.add_package_line(repair_order_id, dict(form.data))
    )


@bp.route("/repair-orders/<int:repair_order_id>/action", methods=["POST"])
@permission_required("service.ro")
def repair_order_action(repair_order_id: int):
    """cancel (with a reason) or close (records the visit on the car)."""
    repair_orders.get_repair_order(repair_order_id)
    form = ActionForm()

    def call():
        if form.action.data not in ("cancel", "close"):  # settling has its own permission
            raise ServiceError(_("未知操作。"))
        return repair_orders.change_state(repair_order_id, form.action.data, reason=form.reason.data or "")

    return _ro_done(repair_order_id, form, "action_form", call)


@bp.route("/repair-orders/<int:repair_order_id>/settle", methods=["POST"])
@permission_required("service.settle")
def repair_order_settle(repair_order_id: int):
    """Settle: the customer's share paid; the other payers' shares are billed to them."""
    repair_orders.get_repair_order(repair_order_id)
    form = ActionForm()
    return _ro_done(repair_order_id, form, "action_form", lambda: repair_orders.change_state(repair_order_id, "settle"))


@bp.route("/repair-orders/<int:repair_order_id>/payments", methods=["POST"])
@permission_required("service.settle")
def repair_order_payment(repair_order_id: int):
    repair_orders.get_repair_order(repair_order_id)
    form = PaymentForm()
    return _ro_done(
        repair_order_id,
        form,
        "payment_form",
        lambda: repair_orders.record_payment(
            repair_order_id,
            payer=form.payer.data,
            method=form.method.data,
            amount=form.amount.data,
            reference=form.reference.data or "",
        ),
    )


@bp.route("/repair-orders/<int:repair_order_id>/statement")
@permission_required("service.view")
def repair_order_statement(repair_order_id: int):
    """The printable statement (结算单): lines, totals per payer, payments."""
    ro = repair_orders.repair_order_for_statement(repair_order_id)
    parts = parts_lines.lines_of(ro)
    totals = repair_orders.totals_by_payer(ro, parts)
    return render_template(
        "service/statement.html",
        ro=ro,
        store=tenancy.store_of(ro),
        totals=totals,
        paid=repair_orders.paid_by_payer(ro),
        outstanding=repair_orders.outstanding_by_payer(ro, totals),
        ro_parts=parts,
        printed_at=utcnow(),
    )


@bp.route("/repair-orders/<int:repair_order_id>/photos", methods=["POST"])
@permission_required("service.ro")
def repair_order_photos(repair_order_id: int):
    """Walk-around photos from the phone camera (several at once)."""
    repair_orders.get_repair_order(repair_order_id)
    form = PhotoForm()
    return _ro_done(
        repair_order_id, form, "photo_form", lambda: photos.add_photos(repair_order_id, form.photos.data or [])
    )


@bp.route("/photos/<int:repair_order_photo_id>")
@permission_required("service.view")
def photo_file(repair_order_photo_id: int):
    """A photo's file, for the store's staff only; never cached by a browser or a proxy."""
    photo = photos.get_photo(repair_order_photo_id)
    path = photos.path_of(photo)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=photo.content_type, max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = f"inline; filename={photo.file_name}"
    return response


@bp.route("/photos/<int:repair_order_photo_id>/delete", methods=["POST"])
@permission_required("service.ro")
def photo_delete(repair_order_photo_id: int):
    photo = photos.get_photo(repair_order_photo_id)
    form = ActionForm()
    return _ro_done(photo.repair_order_id, form, "action_form", lambda: photos.delete_photo(repair_order_photo_id))


@bp.route("/repair-orders/<int:repair_order_id>/proposals", methods=["POST"])
@permission_required("service.ro")
def repair_order_propose(repair_order_id: int):
    """Propose extra work; the customer answers it through the progress link."""
    repair_orders.get_repair_order(repair_order_id)
    form = ProposalForm()
    return _ro_done(repair_order_id, form, "proposal_form", lambda: progress.propose(repair_order_id, dict(form.data)))


# --------------------------------------------------------------------------- lines


@bp.route("/lines/<int:repair_order_line_id>/remove", methods=["POST"])
@permission_required("service.ro")
def line_remove(repair_order_line_id: int):
    line = repair_orders.get_line(repair_order_line_id)
    form = ActionForm()
    return _ro_done(line.repair_order_id, form, "action_form", lambda: repair_orders.remove_line(repair_order_line_id))


@bp.route("/lines/<int:repair_order_line_id>/assign", methods=["POST"])
@permission_required("service.ro")
def line_assign(repair_order_line_id: int):
    line = repair_orders.get_line(repair_order_line_id)
    form = AssignForm()
    return _ro_done(
        line.repair_order_id,
        form,
        "action_form",
        lambda: repair_orders.assign_technician(repair_order_line_id, form.technician_id.data),
    )


@bp.route("/lines/<int:repair_order_line_id>/qc", methods=["POST"])
@permission_required("service.qc")
def line_qc(repair_order_line_id: int):
    """Pass or fail a finished line (not by its own technician)."""
    line = repair_orders.get_line(repair_order_line_id)
    form = QcForm()
    return _ro_done(
        line.repair_order_id,
        form,
        "qc_form",
        lambda: work.check_line(repair_order_line_id, form.action.data or "", form.note.data or ""),
    )


@bp.route("/lines/<int:repair_order_line_id>/work", methods=["POST"])
@permission_required("service.work")
def line_work(repair_order_line_id: int):
    """Start, pause or finish a line with one tap (the technician's phone view)."""
    repair_orders.get_line(repair_order_line_id)
    form = ActionForm()
    ok = form.validate_on_submit() and attempt(
        form, lambda: work.work_on_line(repair_order_line_id, form.action.data or "")
    )
    if ok and not request.htmx:
        return redirect_to(url_for("service.my_work"))
    if not ok:
        rollback_only()
    return _my_work_page(
        errors=form.form_errors, trigger_event=trigger(events.RO_LINE_WORKED, id=repair_order_line_id) if ok else None
    )


def _my_work_page(*, errors: list[str] | None = None, trigger_event: Any = None):
    if request.method != "GET":
        # after a move (saved or refused) the lines are read again; a plain GET keeps the
        # signed-in user and the stores loaded with it (no reload of the shell's rows)
        db.session.expire_all()
    return render_htmx(
        "service/my_work.html",
        "service/_my_lines.html",
        mine=work.my_lines(),
        line_moves=LINE_MOVES,
        errors=errors or [],
        read_only=_read_only(),
        trigger=trigger_event,
    )


@bp.route("/my-work")
@permission_required("service.work")
def my_work():
    """The technician's phone view: my lines, one tap to start, pause or finish."""
    return _my_work_page()


@bp.route("/board")
@permission_required("service.view")
def board():
    """Every open RO by state and technician; the fragment polls every 30 s."""
    workshop = work.board_page()
    rollup = _read_only()
    # the roll-up's cards name their store: each store looked up once, not once per card
    store_ids = {card.store_id for cards in workshop.columns.values() for card in cards} if rollup else set()
    return render_htmx(
        "service/board.html",
        "service/_board.html",
        board=workshop,
        statuses=RO_STATUSES,
        rollup=rollup,
        store_names={sid: store_name(sid) for sid in store_ids},
        refreshed_at=utcnow(),
    )


# --------------------------------------------------------------------------- appointments


@bp.route("/appointments")
@permission_required("service.view")
def appointment_day():
    """The day's slots of the store with their bookings (``?day=``)."""
    day = arg_date("day") or tenancy.store_today()
    store = tenancy.current_store()
    next_url = None
    if store is None:
        # the roll-up: every store's bookings of the day, a page at a time with "more"
        page = appointments.rollup_day(day, after=request.args.get("after"))
        slots, loose, cut = [], page.items, False
        if page.has_more:
            next_url = url_for("service.appointment_day", day=day.isoformat(), after=page.next_token)
    else:
        slots, loose, cut = appointments.day_view(day)
    # the roll-up's rows name their store: each store looked up once, not once per row
    store_names = {sid: store_name(sid) for sid in {a.store_id for a in loose}} if store is None else {}
    return render_htmx(
        "service/appointment_day.html",
        "service/_appointment_day.html",
        day=day,
        slots=slots,
        loose=loose,
        cut=cut,
        day_limit=appointments.DAY_LIMIT,
        next_url=next_url,
        rule=settings.workshop(store) if store else None,
        read_only=_read_only(),
        store_names=store_names,
        prev_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
        # translated once per page, not once per booking
        service_categories={code: str(label) for code, label in CATEGORIES.items()},
        service_appointment_statuses={code: str(label) for code, label in APPOINTMENT_STATUSES.items()},
    )


@bp.route("/appointments/week")
@permission_required("service.view")
def appointment_week():
    """Seven days of slots from ``?day=`` (today): how full each one is."""
    first = arg_date("day") or tenancy.store_today()
    return render_template(
        "service/appointment_week.html",
        days=appointments.week_view(first),
        first=first,
        prev_week=first - dt.timedelta(days=7),
        next_week=first + dt.timedelta(days=7),
        read_only=_read_only(),
    )


def _fill_booking_choices(form: AppointmentForm | RescheduleForm, keep: dt.datetime | None = None) -> None:
    form.slot.choices = [("", _("请选择"))] + appointments.free_slots(keep=keep)
    advisors, technicians = rules.service_staff()  # one statement for both
    form.advisor_id.choices = _staff_choices(advisors, _("不指定"))
    form.technician_id.choices = _staff_choices(technicians, _("不指定"))


@bp.route("/appointments/new", methods=["GET", "POST"])
@permission_required("service.appointment")
def appointment_new():
    """Book a car into a slot (``?slot=`` preselects one from the day view)."""
    form = AppointmentForm()
    if request.method == "GET":
        form.slot.data = request.args.get("slot", "")[:16]
        form.plate_or_vin.data = request.args.get("plate", "")[:30]
    _fill_booking_choices(form)
    if tenancy.current_store() is not None and form.validate_on_submit():
        booked = attempt(form, lambda: appointments.book(dict(form.data)))
        if booked:
            return redirect_to(
                url_for(
                    "service.appointment_day", day=local(booked.starts_at, tenancy.store_timezone()).date().isoformat()
                ),
                trigger=trigger(events.APPOINTMENT_SAVED, id=booked.id),
            )
    if request.method == "POST":
        rollback_only()
    return render_template("service/appointment_new.html", form=form, read_only=_read_only())


def _appointment_page(appointment_id: Any, *, event: bool = False, **forms: Any):
    appointment = appointments.appointment_for_page(appointment_id)
    context: dict[str, Any] = {
        "appointment": appointment,
        "read_only": _read_only(),
        "buttons": [a for a in APPOINTMENT_MOVES.actions_for(appointment) if a in APPOINTMENT_BUTTONS],
        "can_reschedule": "reschedule" in APPOINTMENT_MOVES.actions_for(appointment),
        "can_arrive": "arrive" in APPOINTMENT_MOVES.actions_for(appointment),
        "action_labels": APPOINTMENT_MOVES.action_labels,
        "action_form": forms.get("action_form") or ActionForm(formdata=None),
        "store": tenancy.store_of(appointment),
    }
    if not context["read_only"]:
        form = forms.get("reschedule_form")
        if form is None:
            form = RescheduleForm(formdata=None)
            form.slot.data = (
                local(appointment.starts_at, tenancy.store_timezone())
                .replace(tzinfo=None)
                .isoformat(timespec="minutes")
            )
            form.advisor_id.data = str(appointment.advisor_id or "")
            form.technician_id.data = str(appointment.technician_id or "")
            form.version.data = appointment.version
        _fill_booking_choices(form, keep=appointment.starts_at)
        context["reschedule_form"] = form
    return render_htmx(
        "service/appointment_detail.html",
        "service/_appointment.html",
        trigger=trigger(events.APPOINTMENT_SAVED, id=appointment.id) if event else None,
        **context,
    )


@bp.route("/appointments/<int:appointment_id>")
@permission_required("service.view")
def appointment_detail(appointment_id: int):
    return _appointment_page(appointment_id)


def _appointment_done(appointment_id: int, form: Any, name: str, call) -> Any:
    if form.validate_on_submit() and attempt(form, call):
        if not request.htmx:
            return redirect_to(url_for("service.appointment_detail", appointment_id=appointment_id))
        return _appointment_page(appointment_id, event=True)
    rollback_only()
    return _appointment_page(appointment_id, **{name: form})


@bp.route("/appointments/<int:appointment_id>/action", methods=["POST"])
@permission_required("service.appointment")
def appointment_action(appointment_id: int):
    """Confirm, no-show or cancel."""
    appointments.get_appointment(appointment_id)
    form = ActionForm()
    return _appointment_done(
        appointment_id, form, "action_form", lambda: appointments.change_state(appointment_id, form.action.data or "")
    )


@bp.route("/appointments/<int:appointment_id>/reschedule", methods=["POST"])
@permission_required("service.appointment")
def appointment_reschedule(appointment_id: int):
    appointment = appointments.get_appointment(appointment_id)
    form = RescheduleForm()
    _fill_booking_choices(form, keep=appointment.starts_at)
    return _appointment_done(
        appointment_id,
        form,
        "reschedule_form",
        lambda: appointments.reschedule(appointment_id, form.version.data, dict(form.data)),
    )


@bp.route("/appointments/<int:appointment_id>/arrive", methods=["POST"])
@permission_required("service.appointment", "service.ro")
def appointment_arrive(appointment_id: int):
    """The customer arrived: one tap opens the RO and goes to it."""
    appointments.get_appointment(appointment_id)
    form = ActionForm()
    ro = attempt(form, lambda: appointments.arrive(appointment_id)) if form.validate_on_submit() else None
    if ro:
        return redirect_to(
            url_for("service.repair_order_detail", repair_order_id=ro.id),
            trigger=trigger(events.RO_STATE_CHANGED, id=ro.id),
        )
    rollback_only()
    return _appointment_page(appointment_id, action_form=form)


# --------------------------------------------------------------------------- the car's history


@bp.route("/vehicles/<int:customer_vehicle_id>")
@permission_required("service.history")
def vehicle_history(customer_vehicle_id: int):
    """A customer's car with its service history (ROs, dates, mileage, work done) and the
    next service due; read-only for consultants (their own customers and the pool)."""
    vehicle = repair_orders.vehicle_for_history(customer_vehicle_id)
    if not visibility.is_mine_or_pool(vehicle.owner.owner_id if vehicle.owner else None):
        abort(404)
    return render_template(
        "service/vehicle_history.html",
        vehicle=vehicle,
        history=repair_orders.history_for_vehicle(vehicle.id, limit=50, with_lines=True),
        read_only=_read_only(),
        store=tenancy.store_of(vehicle),
    )


# --------------------------------------------------------------------------- public booking

#: the purpose the booking links are signed for, and how long they live
BOOKING_LINK = "service_booking"
BOOKING_LINK_DAYS = 14


@bp.route("/vehicles/<int:customer_vehicle_id>/booking-link")
@permission_required("service.appointment")
def booking_link(customer_vehicle_id: int):
    """A signed booking link for one car, to send to its owner (valid 14 days)."""
    vehicle = tenancy.get_or_404(CustomerVehicle, customer_vehicle_id)
    token = signed_links.issue(BOOKING_LINK, vehicle.store_id, vehicle.id, days=BOOKING_LINK_DAYS)
    return render_template(
        "service/booking_link.html",
        vehicle=vehicle,
        url=signed_links.public_url("service.public_booking", token=token),
        expires_on=(utcnow() + dt.timedelta(days=BOOKING_LINK_DAYS)),
    )


@bp.route("/book/<token>", methods=["GET", "POST"])
@public
def public_booking(token: str):
    """The customer's booking page (no login, phone first): the link's store's free slots
    of the next 14 days; booking makes a pending appointment and nothing else. A tampered,
    expired or over-used link answers a friendly page."""
    try:
        with signed_links.opened(BOOKING_LINK, token, request.remote_addr) as (link, store):
            vehicle = tenancy.get_or_none(CustomerVehicle, link.record_id)  # only in the link's store
            if vehicle is None or vehicle.owner_id is None:
                raise signed_links.LinkRefused("invalid", 404)
            form = PublicBookingForm()
            form.slot.choices = [("", _("请选择"))] + appointments.free_slots(appointments.PUBLIC_DAYS)
            booked = None
            if form.validate_on_submit():
                booked = attempt(form, lambda: appointments.book_from_link(vehicle.id, dict(form.data)))
                # the refused booking is undone by its savepoint; the request still commits,
                # so a failed try counts against the rate limit
                g.rollback_only = False
            body = render_template(
                "service/public_booking.html", form=form, store=store, vehicle=vehicle, booked=booked
            )
    except signed_links.LinkRefused as refused:
        return signed_links.refusal_page(refused)
    return body, 200, signed_links.PUBLIC_HEADERS


# --------------------------------------------------------------------------- repair progress


@bp.route("/progress/<token>", methods=["GET", "POST"])
@public
def public_progress(token: str):
    """The customer's progress page (no login, phone first): the RO's state, the expected
    ready time, its work and the extra work proposed, which the customer approves or
    declines here (recorded with the time and the address). Only the link's store and RO."""
    try:
        with signed_links.opened(progress.PROGRESS_LINK, token, request.remote_addr) as (link, store):
            ro = tenancy.get_or_none(repair_orders.RepairOrder, link.record_id)  # only in the link's store
            if ro is None or ro.status == "cancelled":
                raise signed_links.LinkRefused("invalid", 404)
            form = ProposalAnswerForm()
            answered = None
            if request.method == "POST" and form.validate_on_submit():
                answered = attempt(
                    form,
                    lambda: progress.decide(ro, form.proposal_id.data, form.action.data or "", request.remote_addr),
                )
            # a refused answer is undone by its savepoint; the request still commits its rate-limit hit
            g.rollback_only = False
            db.session.expire_all()
            ro = tenancy.get_or_none(repair_orders.RepairOrder, link.record_id)
            body = render_template(
                "service/public_progress.html",
                ro=ro,
                store=store,
                form=form,
                answered=answered,
                proposals=progress.proposals(ro),
                proposal_statuses=PROPOSAL_MOVES.labels,
                proposal_actions=PROPOSAL_MOVES.action_labels,
                steps=("open", "in_progress", "quality_check", "ready", "settled", "closed"),
            )
    except signed_links.LinkRefused as refused:
        return signed_links.refusal_page(refused)
    return body, 200, signed_links.PUBLIC_HEADERS
