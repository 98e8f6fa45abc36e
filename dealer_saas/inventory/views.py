"""Stock screens: the stock list and a car's page, the group's model catalogue, transfers
between stores and per-model minimums. Thin: parse, call one service, render."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _

from .. import events, tenancy
from ..domain import attempt
from ..timeutil import local_today
from ..web import permission_required, redirect_to, render_htmx, rollback_only, trigger
from . import bp, services
from .forms import StockVehicleCreateForm, StockVehicleForm, TransferForm, VehicleModelForm
from .models import STOCK_STATES, TRANSFER_STATES, StockVehicle, VehicleModel


def _noting_duplicate(form, call: Callable[[], Any]) -> Callable[[], Any]:
    """The service call, remembering on the form a duplicate VIN of this store (linked
    beside the field); ``domain.attempt`` puts the error itself beside the field."""

    def run() -> Any:
        try:
            return call()
        except services.DuplicateVin as error:
            form.duplicate_id = error.existing_id
            raise

    return run


def _catalogue_editor() -> bool:
    """The catalogue (and its list prices) is the group's: only a group-level role edits it."""
    return "inventory.edit" in tenancy.current().group_permissions


# --------------------------------------------------------------------------- stock list


@bp.route("/")
@permission_required("inventory.view")
def stock_list():
    """Cars by VIN with state, ageing and location; filters, sorts and "load more" pages."""
    query = services.StockQuery.from_args(request.args)
    after = request.args.get("after") or None
    page, today = services.list_stock(query, after)
    # The summary and the filter choices belong to the first page only.
    summary = services.stock_summary() if not after else None
    next_url = url_for("inventory.stock_list", **query.params(after=page.next_token)) if page.has_more else None
    return render_htmx(
        "inventory/stock_list.html",
        "inventory/_stock_list.html",
        listing=page,
        query=query,
        today=today,
        summary=summary,
        next_url=next_url,
        ageing_days=services.ageing_days,
        models=services.active_models() if not after else [],
        states=STOCK_STATES,
        buckets=services.AGEING_BUCKETS,
        sorts=services.STOCK_SORTS,
    )


# --------------------------------------------------------------------------- catalogue


@bp.route("/models")
@permission_required("inventory.view")
def model_list():
    """The group's model catalogue: brand, series, trim, year, list price, colours."""
    page = services.list_models(request.args.get("after") or None)
    next_url = url_for("inventory.model_list", after=page.next_token) if page.has_more else None
    return render_htmx(
        "inventory/model_list.html",
        "inventory/_model_list.html",
        listing=page,
        next_url=next_url,
        can_edit=_catalogue_editor(),
    )


@bp.route("/models/new", methods=["GET", "POST"])
@permission_required("inventory.edit", write=True)
def model_new():
    """Add a model to the group's catalogue (group roles)."""
    if not _catalogue_editor():
        abort(403)
    form = VehicleModelForm()
    if form.validate_on_submit():
        if attempt(form, lambda: services.create_model(form.data)):
            flash(_("车型已添加。"), "success")
            return redirect_to(url_for("inventory.model_list"))
    return render_template("inventory/model_form.html", form=form, vehicle_model=None)


@bp.route("/models/<int:vehicle_model_id>/edit", methods=["GET", "POST"])
@permission_required("inventory.edit", write=True)
def model_edit(vehicle_model_id: int):
    """Change a catalogue model's price, colours or status (group roles)."""
    vehicle_model = tenancy.get_or_404(VehicleModel, vehicle_model_id)
    if not _catalogue_editor():
        # A store-level role has no edit page for group data: as if the row were not there.
        abort(404)
    form = VehicleModelForm(obj=vehicle_model)
    if form.validate_on_submit():
        if attempt(form, lambda: services.update_model(vehicle_model_id, form.data)):
            flash(_("车型已保存。"), "success")
            return redirect_to(url_for("inventory.model_list"))
    return render_template("inventory/model_form.html", form=form, vehicle_model=vehicle_model)


# --------------------------------------------------------------------------- stock vehicles


def _model_choices(form: StockVehicleForm, current: VehicleModel | None = None) -> None:
    models = services.active_models()
    if current is not None and current not in models:
        models = [current] + models
    form.model_id.choices = [(0, _("请选择车型"))] + [
        (m.id, m.label + (" " + _("%(y)s款", y=m.model_year) if m.model_year else "")) for m in models
    ]


def _detail_context(vehicle: StockVehicle, **extra: Any) -> dict[str, Any]:
    ctx = tenancy.current()
    transfer_form = extra.pop("transfer_form", None)
    if transfer_form is None and ctx.can("inventory.transfer"):
        transfer_form = TransferForm()
    if transfer_form is not None:
        transfer_form.dest_store_id.choices = [("", _("请选择调入门店"))] + [
            (str(s.id), s.name) for s in services.transfer_destinations()
        ]
    # ageing by the car's own store calendar (in the all-stores roll-up there is no active store)
    today = local_today(tenancy.store_of(vehicle).timezone)
    return {
        "vehicle": vehicle,
        "today": today,
        "ageing": services.ageing_days(vehicle, today),
        "transfers": services.vehicle_transfers(vehicle.id),
        "transfer_form": transfer_form,
        "states": STOCK_STATES,
        "transfer_states": TRANSFER_STATES,
        "error": None,
        **extra,
    }


@bp.route("/vehicles/<int:stock_vehicle_id>")
@permission_required("inventory.view")
def stock_detail(stock_vehicle_id: int):
    """One car: details, ageing, state actions and its transfers from this store."""
    vehicle = tenancy.get_or_404(StockVehicle, stock_vehicle_id)
    return render_template("inventory/stock_detail.html", **_detail_context(vehicle))


@bp.route("/vehicles/new", methods=["GET", "POST"])
@permission_required("inventory.edit", write=True)
def stock_new():
    """Register a car by VIN (in transit or already at the store)."""
    form = StockVehicleCreateForm()
    _model_choices(form)
    if form.validate_on_submit():
        vehicle = attempt(form, _noting_duplicate(form, lambda: services.create_stock_vehicle(form.data)))
        if vehicle:
            flash(_("车辆已登记。"), "success")
            return redirect_to(
                url_for("inventory.stock_detail", stock_vehicle_id=vehicle.id),
                trigger=trigger(events.STOCK_CHANGED, id=vehicle.id),
            )
    return render_template("inventory/stock_form.html", form=form, vehicle=None, duplicate_id=_duplicate_id(form))


@bp.route("/vehicles/<int:stock_vehicle_id>/edit", methods=["GET", "POST"])
@permission_required("inventory.edit", write=True)
def stock_edit(stock_vehicle_id: int):
    """Edit a car's details (VIN, model, colours, dates, cost, location, demo); version-checked."""
    vehicle = tenancy.get_or_404(StockVehicle, stock_vehicle_id)
    form = StockVehicleForm(obj=vehicle)
    _model_choices(form, vehicle.vehicle_model)
    if request.method == "GET":
        form.version.data = str(vehicle.version)
    if form.validate_on_submit():
        try:
            expected = int(form.version.data)
        except (TypeError, ValueError):
            expected = None
        if attempt(
            form, _noting_duplicate(form, lambda: services.update_stock_vehicle(stock_vehicle_id, form.data, expected))
        ):
            flash(_("车辆已保存。"), "success")
            return redirect_to(
                url_for("inventory.stock_detail", stock_vehicle_id=stock_vehicle_id),
                trigger=trigger(events.STOCK_CHANGED, id=stock_vehicle_id),
            )
    return render_template("inventory/stock_form.html", form=form, vehicle=vehicle, duplicate_id=_duplicate_id(form))


def _duplicate_id(form) -> int | None:
    return getattr(form, "duplicate_id", None)


@bp.route("/vehicles/<int:stock_vehicle_id>/arrive", methods=["POST"])
@permission_required("inventory.edit")
def stock_arrive(stock_vehicle_id: int):
    """到店入库: an in-transit car has arrived at the store."""
    vehicle = tenancy.get_or_404(StockVehicle, stock_vehicle_id)
    try:
        services.receive_at_store(vehicle.id)
    except services.InventoryError as error:
        rollback_only()
        return render_template("inventory/stock_detail.html", **_detail_context(vehicle, error=str(error)))
    flash(_("车辆已到店入库。"), "success")
    return redirect_to(
        url_for("inventory.stock_detail", stock_vehicle_id=vehicle.id),
        trigger=trigger(events.STOCK_CHANGED, id=vehicle.id),
    )


# --------------------------------------------------------------------------- transfers


@bp.route("/vehicles/<int:stock_vehicle_id>/transfer", methods=["POST"])
@permission_required("inventory.transfer")
def transfer_new(stock_vehicle_id: int):
    """Send an in-stock car to another store of the group."""
    vehicle = tenancy.get_or_404(StockVehicle, stock_vehicle_id)
    form = TransferForm()
    form.dest_store_id.choices = [(str(s.id), s.name) for s in services.transfer_destinations()]
    # The service checks the destination itself (another organisation's store is refused).
    form.dest_store_id.validate_choice = False
    if form.validate_on_submit():
        if attempt(form, lambda: services.send_transfer(vehicle.id, form.dest_store_id.data, form.note.data)):
            flash(_("车辆已调出，等待对方门店接收。"), "success")
            return redirect_to(url_for("inventory.transfer_list"), trigger=trigger(events.STOCK_CHANGED, id=vehicle.id))
    rollback_only()
    return render_template("inventory/stock_detail.html", **_detail_context(vehicle, transfer_form=form))


@bp.route("/transfers")
@permission_required("inventory.transfer")
def transfer_list():
    """This store's transfers: cars sent (out) and cars coming in (in)."""
    direction = request.args.get("direction", "")
    state = request.args.get("state", "")
    page = services.list_transfers(direction, state, request.args.get("after") or None)
    params = {k: v for k, v in {"direction": direction, "state": state}.items() if v}
    next_url = url_for("inventory.transfer_list", after=page.next_token, **params) if page.has_more else None
    return render_htmx(
        "inventory/transfer_list.html",
        "inventory/_transfer_list.html",
        listing=page,
        next_url=next_url,
        direction=direction,
        state=state,
        transfer_states=TRANSFER_STATES,
        error=None,
    )


def _settle_transfer(call: Callable[[], Any], done: str):
    """Receive or cancel a transfer: on to the car's page, or the transfer list with the
    refusal shown (nothing saved)."""
    try:
        row = call()
    except services.InventoryError as error:
        rollback_only()
        page = services.list_transfers("", "", None)
        return render_template(
            "inventory/transfer_list.html",
            listing=page,
            next_url=None,
            direction="",
            state="",
            transfer_states=TRANSFER_STATES,
            error=str(error),
        )
    flash(done, "success")
    return redirect_to(
        url_for("inventory.stock_detail", stock_vehicle_id=row.vehicle_id),
        trigger=trigger(events.STOCK_CHANGED, id=row.vehicle_id),
    )


@bp.route("/transfers/<int:stock_transfer_id>/receive", methods=["POST"])
@permission_required("inventory.transfer")
def transfer_receive(stock_transfer_id: int):
    """The receiving store takes delivery of a transferred car."""
    return _settle_transfer(lambda: services.receive_transfer(stock_transfer_id), _("车辆已接收入库。"))


@bp.route("/transfers/<int:stock_transfer_id>/cancel", methods=["POST"])
@permission_required("inventory.transfer")
def transfer_cancel(stock_transfer_id: int):
    """The sending store calls a transfer back before it is received."""
    return _settle_transfer(lambda: services.cancel_transfer(stock_transfer_id), _("调拨已取消，车辆回到本店库存。"))


# --------------------------------------------------------------------------- minimums


@bp.route("/minimums", methods=["GET", "POST"])
@permission_required("inventory.edit", write=True)
def minimums():
    """The store's minimum stock per model; below it the dashboard warns."""
    rows = services.minimum_rows()
    errors: dict[int, str] = {}
    form_error = None
    if request.method == "POST":
        values: dict[int, int] = {}
        for row in rows:
            raw = (request.form.get(f"min_{row.model.id}") or "").strip()
            try:
                values[row.model.id] = int(raw) if raw else 0
            except ValueError:
                errors[row.model.id] = _("请输入整数。")
        if not errors:
            try:
                services.set_minimums(values)
            except services.InventoryError as error:
                model_id = int(error.field.split("_", 1)[1]) if error.field else None
                if model_id:
                    errors[model_id] = str(error)
                else:
                    form_error = str(error)
            else:
                flash(_("最低库存已保存。"), "success")
                return redirect_to(url_for("inventory.minimums"), trigger=trigger(events.STOCK_CHANGED))
        rollback_only()
    return render_template(
        "inventory/minimums.html",
        rows=rows,
        errors=errors,
        form_error=form_error,
        submitted=request.form if request.method == "POST" else None,
    )
