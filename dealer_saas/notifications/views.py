"""The inbox page, the bell's count fragment, opening and marking notifications read."""

from __future__ import annotations

from flask import current_app, request, url_for

from ..web import permission_required, redirect_to, render_htmx, safe_next, trigger
from . import bp, services


@bp.route("/")
@permission_required("dashboard.view")
def inbox():
    """The signed-in user's notifications in the active store (all stores in the roll-up)."""
    unread_only = request.args.get("unread") == "1"
    page = services.inbox(
        unread_only=unread_only, after=request.args.get("after"), size=current_app.config.get("PAGE_SIZE", 25)
    )
    next_url = (
        url_for("notifications.inbox", after=page.next_token, unread="1" if unread_only else None)
        if page.next_token
        else None
    )
    return render_htmx(
        "notifications/inbox.html",
        "notifications/_list.html",
        listing=page,
        next_url=next_url,
        unread_only=unread_only,
    )


@bp.route("/bell")
@permission_required("dashboard.view")
def bell():
    """The header bell with the unread count (polled by htmx; a page of its own without JS)."""
    return render_htmx("notifications/bell_page.html", "notifications/_bell.html", unread=services.unread_count())


@bp.route("/<int:notification_id>/open", methods=["POST"])
@permission_required("dashboard.view", reads_only=True)
def open_notification(notification_id: int):
    """Mark one notification read and go to the record it is about."""
    row = services.get(notification_id)
    services.mark_read([row.id])
    return redirect_to(safe_next(row.link, url_for("notifications.inbox")))


@bp.route("/read", methods=["POST"])
@permission_required("dashboard.view", reads_only=True)
def mark_all_read():
    """Mark every unread notification of the user read (the inbox's one button)."""
    services.mark_read()
    return redirect_to(url_for("notifications.inbox"), trigger=trigger("notifications-changed"))
