"""Admin screens: stores and settings, users and memberships, roles, organisations (platform)
and the audit log viewer. Thin: parse, call one service, render."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, registry, tenancy
from ..domain import attempt
from ..permissions import permission_labels
from ..timeutil import DEFAULT_TZ
from ..web import permission_required, redirect_to, render_htmx, rollback_only
from . import bp, services
from .forms import (
    MembershipForm,
    OrganisationForm,
    RoleForm,
    StoreForm,
    UserCreateForm,
    UserEditForm,
    store_settings_form,
)


def platform_required(view: Callable) -> Callable:
    """Guard for the platform screens. A platform admin has no store, which
    ``permission_required`` would take for the read-only roll-up and refuse every POST."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return permission_required("platform.orgs")(view)(*args, **kwargs)  # the login answer
        if tenancy.maybe_current() is None or not services.is_platform_admin():
            abort(403)
        return view(*args, **kwargs)

    wrapped.permissions = ("platform.orgs",)  # type: ignore[attr-defined]
    return wrapped


def _secret_page(template: str, **context: Any):
    """A page showing a password once: never cached, never kept in history."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- stores


@bp.route("/stores")
@permission_required("admin.stores")
def store_list():
    """The stores the user administers (the whole group for a group admin)."""
    return render_template(
        "admin/store_list.html", stores=services.list_stores(), can_create=services.org_wide("admin.stores")
    )


@bp.route("/stores/new", methods=["GET", "POST"])
@permission_required("admin.stores")
def store_create():
    """Open a new store of the group (group admins)."""
    if not services.org_wide("admin.stores"):
        abort(403)
    form = StoreForm()
    if form.validate_on_submit():
        store = attempt(form, lambda: services.create_store(form.data))
        if store:
            flash(_("门店已创建。"), "success")
            return redirect_to(url_for("admin.store_edit", store_id=store.id))
    return render_template("admin/store_form.html", form=form, store=None)


@bp.route("/stores/<int:store_id>/edit", methods=["GET", "POST"])
@permission_required("admin.stores")
def store_edit(store_id: int):
    """Edit a store's name, code, city, time zone, brands, phone, address and status."""
    store = services.get_store_or_404(store_id)
    form = StoreForm(obj=store)
    if store.timezone not in dict(form.timezone.choices):
        form.timezone.choices = [(store.timezone, store.timezone)] + list(form.timezone.choices)
    if form.validate_on_submit():
        if attempt(form, lambda: services.update_store(store_id, form.data)):
            flash(_("门店已保存。"), "success")
            return redirect_to(url_for("admin.store_list"))
    return render_template("admin/store_form.html", form=form, store=store)


@bp.route("/settings")
@permission_required("admin.settings")
def settings_current():
    """The active store's settings page."""
    store = tenancy.current_store()
    if store is None:  # the all-stores roll-up: settings belong to one store
        flash(_("请先在顶部选择一个门店，再查看它的设置。"), "info")
        return redirect_to(url_for("dashboard.index"))
    return store_settings(store.id)


@bp.route("/stores/<int:store_id>/settings", methods=["GET", "POST"])
@permission_required("admin.settings")
def store_settings(store_id: int):
    """Every module's settings sections the user may change (call-back days per intent level,
    discount approval thresholds, the default deposit ...)."""
    store = services.get_store_or_404(store_id)
    sections = services.settings_sections()
    values = services.store_settings_values(store)
    formdata = services.settings_formdata(sections, request.form, values) if request.method == "POST" else None
    form = store_settings_form(sections)(formdata=formdata, data=values)
    if request.method == "POST" and form.validate_on_submit():
        if attempt(form, lambda: services.update_store_settings(store_id, form.data)):
            flash(_("设置已保存。"), "success")
            return redirect_to(url_for("admin.store_settings", store_id=store_id))
    return render_template("admin/store_settings.html", form=form, store=store, sections=sections)


# --------------------------------------------------------------------------- users


def _membership_choices(form) -> None:
    stores = services.grantable_stores()
    roles = services.grantable_roles()
    choices: list[tuple[Any, str]] = []
    if services.org_wide("admin.users"):
        choices.append(("", _("全部门店（集团级角色）")))
    form.store_id.choices = choices + [(s.id, s.name) for s in stores]
    form.role_id.choices = [(r.id, r.display_name + (_("（集团级）") if r.is_group_role else "")) for r in roles]


@bp.route("/users")
@permission_required("admin.users")
def user_list():
    """Users the admin manages, searchable; "load more" pages by username."""
    q = request.args.get("q", "")
    page = services.list_users(q, request.args.get("after"), current_app.config["PAGE_SIZE"])
    next_url = url_for("admin.user_list", q=q or None, after=page.next_token) if page.next_token else None
    return render_htmx(
        "admin/user_list.html",
        "admin/_user_list.html",
        result=page,
        q=q,
        next_url=next_url,
        frozen=services.frozen_users() if not request.htmx else [],
    )


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required("admin.users")
def user_create():
    """Create a user with a first role; the initial password is shown once."""
    form = UserCreateForm()
    _membership_choices(form)
    if form.validate_on_submit():
        result = attempt(form, lambda: services.create_user(form.data))
        if result:
            user, password = result
            return _secret_page("admin/password_shown.html", user=user, password=password, created=True)
    return render_template("admin/user_create.html", form=form)


def _user_page(user, form=None, membership_form=None):
    membership_form = membership_form or MembershipForm(formdata=None)
    _membership_choices(membership_form)
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form or UserEditForm(obj=user, formdata=None),
        membership_form=membership_form,
        memberships=sorted(user.memberships, key=lambda m: (m.store_id is not None, m.store_id or 0, m.role_id)),
        manages_org=services.org_wide("admin.users"),
        manages_account=services.can_manage_account(user),
        manages_roles=services.can_manage_roles(user),
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required("admin.users")
def user_edit(user_id: int):
    """A user's details and roles; saves name, phone and email."""
    user = services.get_user_or_404(user_id)
    form = UserEditForm(obj=user)
    if form.validate_on_submit():
        if attempt(form, lambda: services.update_user(user_id, form.data)):
            flash(_("用户已保存。"), "success")
            return redirect_to(url_for("admin.user_edit", user_id=user_id))
    return _user_page(user, form)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@permission_required("admin.users")
def user_set_active(user_id: int):
    """Deactivate or reactivate a user (never oneself)."""
    user = services.get_user_or_404(user_id)
    active = request.form.get("active") == "1"
    form = UserEditForm(obj=user, formdata=None)
    if not attempt(form, lambda: services.set_user_active(user_id, active)):
        return _user_page(user, form)
    flash(_("用户已启用。") if active else _("用户已停用。"), "success")
    return redirect_to(url_for("admin.user_edit", user_id=user_id))


@bp.route("/users/<int:user_id>/unfreeze", methods=["POST"])
@permission_required("admin.users")
def user_unfreeze(user_id: int):
    """Unfreeze an account the customer-record threshold froze (audit-logged)."""
    user = services.get_user_or_404(user_id)
    form = UserEditForm(obj=user, formdata=None)
    if not attempt(form, lambda: services.unfreeze_user(user_id)):
        return _user_page(user, form)
    flash(_("账号已解冻。"), "success")
    return redirect_to(url_for("admin.user_edit", user_id=user_id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@permission_required("admin.users")
def user_reset_password(user_id: int):
    """Give a user a temporary password, shown once; they must change it at the next sign-in."""
    user = services.get_user_or_404(user_id)
    form = UserEditForm(obj=user, formdata=None)
    result = attempt(form, lambda: services.reset_password(user_id))
    if not result:
        return _user_page(user, form)
    user, password = result
    return _secret_page("admin/password_shown.html", user=user, password=password, created=False)


@bp.route("/users/<int:user_id>/memberships", methods=["POST"])
@permission_required("admin.users")
def membership_add(user_id: int):
    """Grant the user a role in a store (or group-wide)."""
    user = services.get_user_or_404(user_id)
    form = MembershipForm()
    _membership_choices(form)
    if form.validate_on_submit():
        if attempt(form, lambda: services.add_membership(user_id, form.store_id.data, form.role_id.data)):
            flash(_("角色已授予。"), "success")
            return redirect_to(url_for("admin.user_edit", user_id=user_id))
    rollback_only()
    return _user_page(user, membership_form=form)


@bp.route("/memberships/<int:membership_id>/delete", methods=["POST"])
@permission_required("admin.users")
def membership_remove(membership_id: int):
    """Take a role away from a user."""
    membership = services.get_membership_or_404(membership_id)
    user = membership.user
    form = UserEditForm(obj=user, formdata=None)
    if not attempt(form, lambda: services.remove_membership(membership_id)):
        return _user_page(user, form)
    flash(_("角色已移除。"), "success")
    return redirect_to(url_for("admin.user_edit", user_id=user.id))


# --------------------------------------------------------------------------- roles


def _role_form(**kwargs) -> RoleForm:
    form = RoleForm(**kwargs)
    form.permissions.choices = [
        (name, str(label)) for _g, items in services.permission_groups() for name, label in items
    ]
    return form


@bp.route("/roles")
@permission_required("admin.roles")
def role_list():
    """Built-in roles (read-only) and the organisation's own roles."""
    builtin, own = services.list_roles()
    return render_template(
        "admin/role_list.html",
        builtin=builtin,
        own=own,
        manages=services.org_wide("admin.roles"),
        labels=permission_labels(),
    )


@bp.route("/roles/new", methods=["GET", "POST"])
@permission_required("admin.roles")
def role_create():
    """Define a role of the organisation from the permission checklist (group admins)."""
    if not services.org_wide("admin.roles"):
        abort(403)
    form = _role_form()
    if form.validate_on_submit():
        if attempt(form, lambda: services.create_role(form.data)):
            flash(_("角色已创建。"), "success")
            return redirect_to(url_for("admin.role_list"))
    return render_template("admin/role_form.html", form=form, role=None, groups=services.permission_groups())


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@permission_required("admin.roles")
def role_edit(role_id: int):
    """A role's permissions: read-only for built-in roles, editable for the organisation's."""
    role = services.get_role_or_404(role_id)
    form = _role_form(obj=role, data={"permissions": sorted(role.permission_set)} if request.method == "GET" else None)
    if role.org_id is None and request.method == "POST":
        abort(403)
    form.code.data = role.code  # the code never changes
    if form.validate_on_submit():
        if attempt(form, lambda: services.update_role(role_id, form.data)):
            flash(_("角色已保存。"), "success")
            return redirect_to(url_for("admin.role_list"))
    return render_template("admin/role_form.html", form=form, role=role, groups=services.permission_groups())


# --------------------------------------------------------------------------- organisations (platform)


@bp.route("/orgs")
@platform_required
def org_list():
    """Every dealer group, newest first."""
    page = services.list_organisations(request.args.get("after"))
    next_url = url_for("admin.org_list", after=page.next_token) if page.next_token else None
    return render_htmx("admin/org_list.html", "admin/_org_list.html", result=page, next_url=next_url)


@bp.route("/orgs/new", methods=["GET", "POST"])
@platform_required
def org_create():
    """Create a dealer group with its first store and group admin (temporary password shown once)."""
    form = OrganisationForm()
    if form.validate_on_submit():
        result = attempt(form, lambda: services.create_organisation(form.data))
        if result:
            org, user, password = result
            return _secret_page(
                "admin/password_shown.html", user=user, password=password, created=True, organisation=org
            )
    return render_template("admin/org_form.html", form=form)


@bp.route("/orgs/<int:organisation_id>/active", methods=["POST"])
@platform_required
def org_set_active(organisation_id: int):
    """Suspend or restore a dealer group."""
    services.get_organisation_or_404(organisation_id)
    active = request.form.get("active") == "1"
    services.set_organisation_active(organisation_id, active)
    flash(_("集团已启用。") if active else _("集团已停用。"), "success")
    return redirect_to(url_for("admin.org_list"))


# --------------------------------------------------------------------------- audit log


@bp.route("/audit")
@permission_required("admin.audit")
def audit_list():
    """The audit log of the stores in view, newest first, with filters and keyset pages."""
    filters = {name: request.args.get(name, "") for name in services.AUDIT_FILTERS}
    period = request.args.get("period", "")
    if period in services.AUDIT_PERIODS and not (filters["date_from"] or filters["date_to"]):
        filters["date_from"] = (
            tenancy.store_today() - dt.timedelta(days=services.AUDIT_PERIODS[period][0])
        ).isoformat()
    # dates are read in the active store's zone (the default zone in the all-stores roll-up)
    tz = ZoneInfo(tenancy.store_timezone() or DEFAULT_TZ)
    page = services.list_audit(filters, request.args.get("after"), 50, tz=tz)
    args = {k: v for k, v in filters.items() if v}
    next_url = url_for("admin.audit_list", after=page.next_token, **args) if page.next_token else None
    return render_htmx(
        "admin/audit_list.html",
        "admin/_audit_list.html",
        result=page,
        filters=filters,
        next_url=next_url,
        users=services.audit_users(page.items),
        filter_users=services.org_users_for_filter(),
        changes=services.audit_changes,
        record_labels=registry.record_labels(),
        action_labels=audit.action_labels(),
        periods=services.AUDIT_PERIODS,
        period=period if period in services.AUDIT_PERIODS else "",
    )
