from __future__ import annotations

from flask import abort, redirect, render_template, url_for

from .. import tenancy
from ..web import login_only, permission_required, render_htmx
from . import bp
from .tiles import TILES, visible_tiles


@bp.route("/")
@login_only
def index():
    """The signed-in user's dashboard: the tiles their role may see, loaded lazily. The
    platform admin, who runs no store, starts at the organisations instead."""
    ctx = tenancy.current()
    if not ctx.can("dashboard.view"):
        if ctx.can("platform.orgs"):
            return redirect(url_for("admin.org_list"))
        abort(403)
    return render_template("dashboard/index.html", tiles=visible_tiles(ctx.can))


@bp.route("/tiles/<name>")
@permission_required("dashboard.view")
def tile(name: str):
    """One tile's number, as a fragment (also a page, for links and no-JS)."""
    ctx = tenancy.current()
    spec = TILES.get(name)
    if spec is None or not ctx.can(spec.permission):
        abort(404)
    return render_htmx("dashboard/tile_page.html", "dashboard/_tile.html", tile=spec, result=spec.compute())
