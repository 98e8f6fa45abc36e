"""The job runs page (admins): recent runs with filters, one run's detail, "run now"."""

from __future__ import annotations

from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _

from .. import registry
from ..web import permission_required, redirect_to, render_htmx, rollback_only
from . import bp, services
from .models import OUTCOME_BADGES, OUTCOMES
from .registry import JOB_KINDS


@bp.app_template_global()
def job_label(kind: str) -> str:
    """A job kind as a person reads it (the module's declared label), else its code."""
    return str(registry.job_labels().get(kind, kind))


def _filters() -> dict[str, str]:
    return {
        "kind": request.args.get("kind", "") if request.args.get("kind", "") in JOB_KINDS else "",
        "outcome": request.args.get("outcome", "") if request.args.get("outcome", "") in OUTCOMES else "",
    }


def _render_list(run_now_error: str | None = None):
    filters = _filters()
    page = services.list_runs(
        kind=filters["kind"] or None,
        outcome=filters["outcome"] or None,
        after=request.args.get("after"),
        size=current_app.config.get("PAGE_SIZE", 25),
    )
    next_url = (
        url_for("jobs.run_list", after=page.next_token, **{k: v for k, v in filters.items() if v})
        if page.next_token
        else None
    )
    return render_htmx(
        "jobs/run_list.html",
        "jobs/_run_list.html",
        listing=page,
        next_url=next_url,
        filters=filters,
        kinds=sorted(JOB_KINDS),
        outcomes=OUTCOMES,
        badges=OUTCOME_BADGES,
        runnable=services.runnable_kinds(),
        run_now_error=run_now_error,
    )


@bp.route("/")
@permission_required("admin.jobs")
def run_list():
    """Recent job runs of the viewer's stores, filtered by kind and outcome."""
    return _render_list()


@bp.route("/<int:job_run_id>")
@permission_required("admin.jobs")
def run_detail(job_run_id: int):
    """One job run: arguments, outcome, error and result."""
    run = services.get_run(job_run_id)
    return render_template("jobs/run_detail.html", run=run, outcomes=OUTCOMES, badges=OUTCOME_BADGES)


@bp.route("/run-now", methods=["POST"])
@permission_required("admin.jobs", write=True)
def run_now():
    """Start a periodic job kind for the active store now (queued after the commit)."""
    try:
        services.run_now(request.form.get("kind", ""))
    except services.JobError as error:
        rollback_only()
        return _render_list(run_now_error=str(error))
    flash(_("任务已提交，稍后刷新查看运行结果。"), "success")
    return redirect_to(url_for("jobs.run_list"))
