"""Customer screens: list and search, create/edit, the 360 page, vehicles, contacts,
duplicates and merge, owner assignment. Thin: parse, call one service, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, flash, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user
from markupsafe import Markup, escape

from .. import domain, events, tenancy, visibility
from ..formatting import mask_phone
from ..shell import can_in_view
from ..timeutil import as_utc
from ..validation import bounded_id
from ..web import (
    arg_datetime,
    permission_required,
    redirect_to,
    render_htmx,
    rollback_only,
    safe_next,
    trigger,
    wants_fragment,
)
from . import bp, export, pii_log, services
from .forms import ContactForm, CustomerForm, TransferForm, VehicleForm
from .models import GENDERS, KINDS, LEVELS, SOURCES, Customer, CustomerVehicle
from .timeline import QUICK_ACTIONS, OpenWork, timeline


@bp.app_context_processor
def _phone_helpers() -> dict[str, Any]:
    """For every module's templates: a customer's phone, full or masked by the PII rule
    (``tel(number, masked=not full_mobile(customer))`` for a click-to-call link)."""

    def phone(customer: Customer, number: str | None = None, allowed: bool | None = None) -> str:
        """The number (the mobile by default) in full when the rule allows it (``allowed``
        overrides the PII rule: a card's own "may call"), logged as a view; masked otherwise."""
        field = "mobile" if number is None or number == customer.mobile else "other_phones"
        number = customer.mobile if number is None else number
        if not number or customer.deleted_at is not None:
            return ""  # a deleted customer's number is shown nowhere outside the customer pages
        if not (services.can_see_full_mobile(customer) if allowed is None else allowed):
            return mask_phone(number)
        pii_log.note(None, customer.id, [field])  # a full number on the page: audit-logged
        return number

    def customer_tel(customer: Customer | None, allowed: bool | None = None) -> Markup:
        """A click-to-call link with the customer's full mobile, or the masked number."""
        if customer is None or not customer.mobile:
            return Markup("")
        shown = phone(customer, allowed=allowed)
        if shown == customer.mobile:
            return Markup('<a href="tel:{0}" class="text-decoration-none">📞 {0}</a>').format(shown)
        return Markup('<span data-testid="masked-mobile">📞 {}</span>').format(shown)

    def full_mobile(customer: Customer) -> bool:
        """Whether the page may show the customer's full mobile (a template that then shows
        it writes ``phone(customer)``, which logs the view)."""
        return services.can_see_full_mobile(customer)

    return {"phone": phone, "customer_tel": customer_tel, "full_mobile": full_mobile}


@bp.context_processor
def _customer_helpers() -> dict[str, Any]:
    return {
        "SOURCES": SOURCES,
        "LEVELS": LEVELS,
        "KINDS": KINDS,
        "GENDERS": GENDERS,
        "LEVEL_TONES": {"prospect": "secondary", "owner": "success", "vip": "warning", "inactive": "light"},
    }


def _duplicate_link(error: services.CustomerError) -> Markup | None:
    existing = getattr(error, "existing", None)
    if existing is None:
        return None
    if isinstance(error, services.DuplicateVin):
        owner = existing.owner
        if owner is None or not services.is_visible(owner):
            return Markup(escape(_("该车已登记在本店其他顾问的客户名下。")))
        url = url_for("customers.customer_detail", customer_id=owner.id, _anchor=f"vehicle-{existing.id}")
        return Markup('<a href="{}">{}</a>').format(url, _("查看已登记的车辆（%(name)s）", name=owner.name))
    if not services.is_visible(existing):
        return Markup(escape(_("该客户归属本店其他顾问，请联系销售经理。")))
    url = url_for("customers.customer_detail", customer_id=existing.id)
    return Markup('<a href="{}" data-testid="duplicate-link">{}</a>').format(
        url, _("查看已有客户：%(name)s", name=existing.name)
    )


# --------------------------------------------------------------------------- list


def _list_context(query: services.CustomerQuery) -> dict[str, Any]:
    # creation dates are the store's days; in the roll-up, the default zone's
    result = services.search_customers(query, tz=tenancy.store_timezone())
    next_url = (
        url_for("customers.customer_list", **query.args(after=result.page.next_token))
        if result.page.next_token
        else None
    )
    # the full numbers the page shows, decided once per row here (the template asks the set),
    # and noted for the page's one view_pii audit row: every list render, the assign's too
    full_ids = {c.id for c in result.page.items if c.mobile and services.can_see_full_mobile(c)}
    for customer_id in full_ids:
        pii_log.note("list", customer_id, ["mobile"])
    return {"result": result, "query": query, "next_url": next_url, "sorts": services.SORTS, "full_ids": full_ids}


@bp.route("/")
@permission_required("customers.view")
def customer_list():
    """Search and list the customers the user may see; a fragment for htmx."""
    query = services.CustomerQuery.from_args(request.args)
    context = _list_context(query)
    if not wants_fragment():
        # the owner filter only means something to those who see more than their own
        context["owners"], context["tags"] = services.list_filter_options(with_owners=visibility.sees_whole_store())
    return render_htmx("customers/list.html", "customers/_list.html", **context)


@bp.route("/export", methods=["POST"])
@permission_required("customers.export", reads_only=True)
def customer_export():
    """Download the list as it is filtered (an Excel file); too many rows go back to the list."""
    query = services.CustomerQuery.from_args(request.form)
    try:
        content, _count = export.export_customers(query, tz=tenancy.store_timezone())
    except services.CustomerError as error:
        rollback_only()
        flash(str(error), "error")
        return redirect_to(url_for("customers.customer_list", **query.args()))
    return Response(
        content,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        # the file is named by the store's today (the default zone's in the roll-up)
        headers={
            "Content-Disposition": f"attachment; filename={export.file_name(tenancy.store_today())}",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/assign", methods=["POST"])
@permission_required("customers.assign")
def assign():
    """Give the ticked customers to a sales member of the store (or back to the pool)."""
    ids = [i for i in map(bounded_id, request.form.getlist("customer_ids")) if i is not None]
    owner_id = bounded_id(request.form.get("owner_id"))
    back = safe_next(request.form.get("next"), url_for("customers.customer_list"))
    try:
        services.assign_customers(ids, owner_id)
    except services.CustomerError as error:
        rollback_only()
        if request.htmx:
            query = services.CustomerQuery.from_args(request.form)
            context = _list_context(query)
            context["assign_error"] = str(error)
            return render_htmx("customers/list.html", "customers/_list.html", **context)
        flash(str(error), "error")
        return redirect_to(back)
    if request.htmx and not request.form.get("next"):
        query = services.CustomerQuery.from_args(request.form)
        return render_htmx(
            "customers/list.html",
            "customers/_list.html",
            trigger=trigger(events.CUSTOMERS_ASSIGNED, ids=ids),
            **_list_context(query),
        )
    flash(_("已分配 %(n)d 位客户。", n=len(ids)), "success")
    return redirect_to(back, trigger=trigger(events.CUSTOMERS_ASSIGNED, ids=ids))


@bp.route("/<int:customer_id>/claim", methods=["POST"])
@permission_required("customers.edit")
def customer_claim(customer_id: int):
    """A consultant takes an unassigned customer from the pool."""
    try:
        services.claim_customer(customer_id)
    except services.CustomerError as error:
        rollback_only()
        flash(str(error), "error")
    else:
        flash(_("已认领该客户。"), "success")
    return redirect_to(
        url_for("customers.customer_detail", customer_id=customer_id),
        trigger=trigger(events.CUSTOMERS_ASSIGNED, ids=[customer_id]),
    )


# --------------------------------------------------------------------------- create / edit


@bp.route("/new", methods=["GET", "POST"])
@permission_required("customers.edit")
def customer_new():
    """Create a customer (mobile unique per store; a duplicate links to the existing one)."""
    form = CustomerForm()
    if not form.is_submitted() and request.args.get("mobile"):
        form.mobile.data = request.args["mobile"]
    duplicate = None
    if form.validate_on_submit():
        try:
            customer = services.create_customer(form.service_data())
        except services.CustomerError as error:
            domain.attach_error(form, error)
            duplicate = _duplicate_link(error)
        else:
            flash(_("客户已保存。"), "success")
            return redirect_to(
                url_for("customers.customer_detail", customer_id=customer.id),
                trigger=trigger(events.CUSTOMER_SAVED, id=customer.id),
            )
    elif form.is_submitted():
        rollback_only()
    return render_template(
        "customers/form.html",
        form=form,
        customer=None,
        duplicate=duplicate,
        show_mobile=True,
        show_id=services.can_see_id_number(),
    )


def _load_form(form: CustomerForm, customer: Customer) -> None:
    for name in ("name", "kind", "gender", "birthday", "email", "wechat", "address", "source", "level", "notes"):
        getattr(form, name).data = getattr(customer, name)
    # phones the user may not see stay empty: a blank keeps the stored ones (update_customer)
    full = services.can_see_full_mobile(customer)
    form.mobile.data = customer.mobile if full else ""
    form.other_phones.data = customer.other_phones if full else ""
    form.id_number.data = customer.id_number if services.can_see_id_number() else ""
    form.tags.data = ", ".join(customer.tag_names)
    form.version.data = str(customer.version)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@permission_required("customers.edit")
def customer_edit(customer_id: int):
    """Edit a customer over the version it was loaded from; a newer save is not overwritten."""
    customer = services.get_customer(customer_id)
    form = CustomerForm()
    duplicate = None
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        try:
            services.update_customer(customer.id, form.service_data(), version)
        except services.StaleRecord as error:
            rollback_only()
            tenancy_customer = services.get_customer(customer_id)
            fresh = CustomerForm(formdata=None)
            _load_form(fresh, tenancy_customer)
            fresh.form_errors = [str(error)]
            form = fresh
            customer = tenancy_customer
            pii_log.note("edit", customer.id, services.full_fields_on_form(customer))
        except services.CustomerError as error:
            domain.attach_error(form, error)
            duplicate = _duplicate_link(error)
        else:
            flash(_("客户已保存。"), "success")
            return redirect_to(
                url_for("customers.customer_detail", customer_id=customer.id),
                trigger=trigger(events.CUSTOMER_SAVED, id=customer.id),
            )
    elif form.is_submitted():
        rollback_only()
    else:
        _load_form(form, customer)
        pii_log.note("edit", customer.id, services.full_fields_on_form(customer))
    return render_template(
        "customers/form.html",
        form=form,
        customer=customer,
        duplicate=duplicate,
        show_mobile=services.can_see_full_mobile(customer),
        show_id=services.can_see_id_number(),
    )


# --------------------------------------------------------------------------- 360


def _quick_actions(customer: Customer, work: list[OpenWork]) -> list[tuple[str, str, str]]:
    """The buttons other modules registered (``timeline.quick_action``) that this user may
    use now; one the customer's open work makes pointless (a second card) is left out."""
    open_kinds = {w.kind for w in work}
    actions = []
    for action in sorted(QUICK_ACTIONS.values(), key=lambda a: a.order):
        if action.endpoint not in current_app.view_functions or not can_in_view(tenancy.current(), action.permission):
            continue
        if action.unless_open in open_kinds:
            continue
        actions.append((url_for(action.endpoint, customer_id=customer.id), action.icon, _(action.label)))
    return actions


def _timeline_context(customer: Customer, before: tuple[dt.datetime, str] | None) -> dict[str, Any]:
    entries, cursor = timeline([customer.id], before, 20, store_ids=[customer.store_id])
    next_url = (
        url_for("customers.customer_timeline", customer_id=customer.id, before=cursor[0].isoformat(), key=cursor[1])
        if cursor
        else None
    )
    return {"entries": entries, "timeline_next": next_url}


def _timeline_cursor() -> tuple[dt.datetime, str] | None:
    """The ``before``/``key`` arguments of a next-page link (an older link without ``key``
    pages on the time alone)."""
    before = arg_datetime("before")
    if before is None:
        return None
    return as_utc(before), request.args.get("key", "")[:60]


@bp.route("/<int:customer_id>")
@permission_required("customers.view")
def customer_detail(customer_id: int):
    """The customer 360: header (the customer, cars, tags, open work), quick actions, and
    panels loaded on their own (contacts, the timeline, the assignment form): the first
    response is four statements (``services.customer_360``)."""
    header = services.customer_360(customer_id)
    customer = header.customer
    if services.record_open(customer, opened_before=header.opened_before, now=header.now):
        # this open took the account past the store's hourly threshold: frozen, signed out
        logout_user()
        session.clear()
        flash(_("账号一小时内打开的客户档案超过门店上限，已被冻结，请联系门店管理员解冻。"), "error")
        return redirect_to(url_for("auth.login"))
    ctx = tenancy.current()
    work = header.open_work
    can_call = services.can_call(customer, work)
    pii_log.note("detail", customer.id, services.full_fields_on_detail(customer, can_call=can_call, contacts=False))
    context = {
        "customer": customer,
        "vehicles": header.vehicles,
        "tags": header.tags,
        "open_work": work,
        "actions": _quick_actions(customer, work),
        "can_assign": can_in_view(ctx, "customers.assign"),
        "can_claim": can_in_view(ctx, "customers.edit") and services.can_claim(customer, work),
        "can_call": can_call,
        "can_delete": can_in_view(ctx, "customers.edit") and services.can_delete(),
    }
    return render_template("customers/detail.html", **context)


@bp.route("/<int:customer_id>/contacts")
@permission_required("customers.view")
def customer_contacts(customer_id: int):
    """The 360's contact persons panel (a company customer's)."""
    customer = services.get_customer(customer_id)
    contacts = list(customer.contacts) if customer.kind == "company" else []
    pii_log.note("detail", customer.id, services.full_fields_on_contacts(customer, contacts))
    return render_htmx("customers/contacts.html", "customers/_contacts.html", customer=customer, contacts=contacts)


@bp.route("/<int:customer_id>/assignment")
@permission_required("customers.view")
def customer_assignment(customer_id: int):
    """The 360's owner assignment form (empty for whoever may not assign: the roll-up)."""
    customer = services.get_customer(customer_id)
    owners = services.assignable_users() if can_in_view(tenancy.current(), "customers.assign") else []
    return render_htmx("customers/assignment.html", "customers/_assignment.html", customer=customer, owners=owners)


@bp.route("/<int:customer_id>/timeline")
@permission_required("customers.view")
def customer_timeline(customer_id: int):
    """One page of the 360 timeline, older than ``before``."""
    customer = services.get_customer(customer_id)
    return render_htmx(
        "customers/timeline.html",
        "customers/_timeline.html",
        customer=customer,
        **_timeline_context(customer, _timeline_cursor()),
    )


# --------------------------------------------------------------------------- vehicles


def _vehicle_page(form, customer, vehicle=None, duplicate=None):
    return render_template(
        "customers/vehicle_form.html", form=form, customer=customer, vehicle=vehicle, duplicate=duplicate
    )


def _save_vehicle(form: VehicleForm, save: Callable[[], CustomerVehicle]) -> tuple[Any, Markup | None]:
    """Run ``save``: the redirect to the car on its owner's 360 page, or (None, the link to a
    duplicate car if that was the error) with the error beside its field."""
    try:
        vehicle = save()
    except services.CustomerError as error:
        domain.attach_error(form, error)
        return None, _duplicate_link(error)
    flash(_("车辆已保存。"), "success")
    return redirect_to(
        url_for("customers.customer_detail", customer_id=vehicle.owner_id, _anchor=f"vehicle-{vehicle.id}"),
        trigger=trigger(events.VEHICLE_SAVED, id=vehicle.id),
    ), None


@bp.route("/<int:customer_id>/vehicles/new", methods=["GET", "POST"])
@permission_required("customers.edit")
def vehicle_new(customer_id: int):
    """Register a car for a customer (VIN with check digit, unique per store)."""
    customer = services.get_customer(customer_id)
    form = VehicleForm()
    if not form.is_submitted():
        store = tenancy.current_store()  # None in the roll-up (read-only: no form is saved there)
        form.brand.data = store.brand_list[0] if store and store.brand_list else ""
    duplicate = None
    if form.validate_on_submit():
        saved, duplicate = _save_vehicle(form, lambda: services.add_vehicle(customer.id, form.service_data()))
        if saved is not None:
            return saved
    elif form.is_submitted():
        rollback_only()
    return _vehicle_page(form, customer, duplicate=duplicate)


@bp.route("/vehicles/<int:customer_vehicle_id>/edit", methods=["GET", "POST"])
@permission_required("customers.edit")
def vehicle_edit(customer_vehicle_id: int):
    """Edit a customer's car; shows its owner history."""
    vehicle = services.get_vehicle(customer_vehicle_id)
    customer = vehicle.owner
    form = VehicleForm(obj=None if request.method == "POST" else vehicle)
    if request.method == "GET":
        form.version.data = str(vehicle.version)
    duplicate = None
    if form.validate_on_submit():
        version = int(form.version.data) if (form.version.data or "").isdigit() else None
        saved, duplicate = _save_vehicle(
            form, lambda: services.update_vehicle(vehicle.id, form.service_data(), version)
        )
        if saved is not None:
            return saved
    elif form.is_submitted():
        rollback_only()
    return _vehicle_page(form, customer, vehicle, duplicate)


@bp.route("/vehicles/<int:customer_vehicle_id>/transfer", methods=["GET", "POST"])
@permission_required("customers.edit")
def vehicle_transfer(customer_vehicle_id: int):
    """Transfer a car to another customer of the store (owner history kept)."""
    vehicle = services.get_vehicle(customer_vehicle_id)
    form = TransferForm()
    if form.validate_on_submit():
        if domain.attempt(form, lambda: services.transfer_vehicle(vehicle.id, form.mobile.data, form.on.data)):
            flash(_("已过户。"), "success")
            return redirect_to(
                url_for("customers.customer_detail", customer_id=vehicle.owner_id, _anchor=f"vehicle-{vehicle.id}"),
                trigger=trigger(events.VEHICLE_SAVED, id=vehicle.id),
            )
    elif form.is_submitted():
        rollback_only()
    return render_template("customers/vehicle_transfer.html", form=form, vehicle=vehicle, customer=vehicle.owner)


# --------------------------------------------------------------------------- contacts


@bp.route("/<int:customer_id>/contacts/new", methods=["GET", "POST"])
@permission_required("customers.edit")
def contact_new(customer_id: int):
    """Add a contact person to a company customer."""
    customer = services.get_customer(customer_id)
    form = ContactForm()
    if form.validate_on_submit():
        if domain.attempt(form, lambda: services.add_contact(customer.id, form.service_data())):
            return redirect_to(
                url_for("customers.customer_detail", customer_id=customer.id, _anchor="contacts"),
                trigger=trigger(events.CUSTOMER_SAVED, id=customer.id),
            )
    elif form.is_submitted():
        rollback_only()
    return render_template("customers/contact_form.html", form=form, customer=customer, contact=None, show_mobile=True)


@bp.route("/contacts/<int:customer_contact_id>/edit", methods=["GET", "POST"])
@permission_required("customers.edit")
def contact_edit(customer_contact_id: int):
    """Edit a company contact."""
    contact = services.get_contact(customer_contact_id)
    form = ContactForm(obj=None if request.method == "POST" else contact)
    show_mobile = services.can_see_full_mobile(contact.customer)
    if request.method != "POST" and not show_mobile:
        form.mobile.data = ""  # a blank keeps the stored number (update_contact)
    if form.validate_on_submit():
        if domain.attempt(form, lambda: services.update_contact(contact.id, form.service_data())):
            return redirect_to(
                url_for("customers.customer_detail", customer_id=contact.customer_id, _anchor="contacts"),
                trigger=trigger(events.CUSTOMER_SAVED, id=contact.customer_id),
            )
    elif form.is_submitted():
        rollback_only()
    return render_template(
        "customers/contact_form.html", form=form, customer=contact.customer, contact=contact, show_mobile=show_mobile
    )


@bp.route("/contacts/<int:customer_contact_id>/delete", methods=["POST"])
@permission_required("customers.edit")
def contact_delete(customer_contact_id: int):
    """Remove a company contact."""
    customer_id = services.remove_contact(customer_contact_id)
    flash(_("联系人已删除。"), "success")
    return redirect_to(
        url_for("customers.customer_detail", customer_id=customer_id, _anchor="contacts"),
        trigger=trigger(events.CUSTOMER_SAVED, id=customer_id),
    )


# --------------------------------------------------------------------------- duplicates and merge


@bp.route("/duplicates")
@permission_required("customers.merge")
def duplicates():
    """Groups of customers sharing a phone number or a plate."""
    return render_template("customers/duplicates.html", groups=services.duplicate_groups())


@bp.route("/merge", methods=["GET", "POST"])
@permission_required("customers.merge")
def merge():
    """Merge two customers: pick the one to keep; everything of the other moves to it."""
    if request.method == "POST":
        survivor_id = bounded_id(request.form.get("survivor_id"))
        ids = [i for i in map(bounded_id, request.form.getlist("ids")) if i is not None]
        if survivor_id is None or len(ids) != 2 or survivor_id not in ids:
            abort(400)
        loser_id = next(i for i in ids if i != survivor_id)
        try:
            survivor = services.merge_customers(survivor_id, loser_id)
        except services.CustomerError as error:
            rollback_only()
            flash(str(error), "error")
            return redirect_to(url_for("customers.merge", ids=ids))
        flash(_("已合并客户。"), "success")
        return redirect_to(
            url_for("customers.customer_detail", customer_id=survivor.id),
            trigger=trigger(events.CUSTOMER_SAVED, id=survivor.id),
        )
    ids = [i for i in map(bounded_id, request.args.getlist("ids")) if i is not None][:2]
    if len(ids) != 2 or ids[0] == ids[1]:
        abort(404)
    pair = [services.get_customer(i) for i in ids]
    return render_template("customers/merge.html", pair=pair, vehicles={c.id: services.vehicles_of(c.id) for c in pair})


# --------------------------------------------------------------------------- delete and restore


@bp.route("/<int:customer_id>/delete", methods=["GET", "POST"])
@permission_required("customers.edit")
def customer_delete(customer_id: int):
    """Delete a customer with a reason (store managers and admins, ``customers.delete``): a
    soft delete, restorable for 30 days from the recently deleted page."""
    customer = services.get_customer(customer_id)
    if not services.can_delete():
        abort(403)
    error = None
    reason = request.form.get("reason", "")
    if request.method == "POST":
        try:
            services.delete_customer(customer.id, reason)
        except services.CustomerError as exc:
            rollback_only()
            error = str(exc)
        else:
            flash(_("客户已删除，%(n)d 天内可在「最近删除」中恢复。", n=services.RESTORE_DAYS), "success")
            return redirect_to(
                url_for("customers.customer_list"), trigger=trigger(events.CUSTOMER_SAVED, id=customer.id)
            )
    return render_template("customers/delete.html", customer=customer, reason=reason, error=error)


@bp.route("/deleted")
@permission_required("customers.view_all")
def deleted_list():
    """Customers deleted in the last 30 days, with a restore button (managers only)."""
    if not services.can_delete():
        abort(403)
    rows = services.recently_deleted()
    return render_template(
        "customers/deleted.html", rows=rows, restore_until=services.restore_until, days=services.RESTORE_DAYS
    )


@bp.route("/<int:customer_id>/restore", methods=["POST"])
@permission_required("customers.edit")
def customer_restore(customer_id: int):
    """Undo a delete (within 30 days); a number given to a new customer since is refused."""
    services.get_deleted_customer(customer_id)  # another store's id: 404
    if not services.can_delete():
        abort(403)
    try:
        customer = services.restore_customer(customer_id)
    except services.CustomerError as error:
        rollback_only()
        flash(str(error), "error")
        return redirect_to(url_for("customers.deleted_list"))
    flash(_("客户已恢复。"), "success")
    return redirect_to(
        url_for("customers.customer_detail", customer_id=customer.id),
        trigger=trigger(events.CUSTOMER_SAVED, id=customer.id),
    )
