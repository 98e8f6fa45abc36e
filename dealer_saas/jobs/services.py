"""Reading job runs (the admin page) and starting a job kind on demand."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import audit, tenancy
from ..domain import DomainError
from ..extensions import db
from ..pagination import Page, Sort, keyset_page
from .models import OUTCOMES, JobRun
from .queue import enqueue_after_commit
from .registry import JOB_KINDS, JobKind

#: the run list's one sort: newest first (index ix_job_runs_store_*_started)
NEWEST = Sort("newest", (JobRun.started_at, JobRun.id), desc=True)


class JobError(DomainError):
    """A job request the rules refuse; the message is safe to show."""


def _visible_runs():
    """Runs of the viewer's stores; the organisation wall is applied by the core."""
    ctx = tenancy.current()
    return select(JobRun).where(JobRun.store_id.in_(ctx.store_ids or (-1,)))


def list_runs(
    *, kind: str | None = None, outcome: str | None = None, after: str | None = None, size: int = 25
) -> Page[JobRun]:
    """Recent runs of the viewer's stores, newest first; unknown filter values are ignored."""
    stmt = _visible_runs().options(joinedload(JobRun.store))
    if kind and kind in JOB_KINDS:
        stmt = stmt.where(JobRun.kind == kind)
    if outcome and outcome in OUTCOMES:
        stmt = stmt.where(JobRun.outcome == outcome)
    return keyset_page(stmt, NEWEST, after, size)


def get_run(job_run_id: int) -> JobRun:
    """One run of the viewer's stores, or 404 (another store's or organisation's run)."""
    run = db.session.execute(
        _visible_runs().where(JobRun.id == job_run_id).options(joinedload(JobRun.store))
    ).scalar_one_or_none()
    if run is None:
        abort(404)
    return run


def runnable_kinds() -> list[JobKind]:
    """Kinds an admin may start now for the active store."""
    return sorted((k for k in JOB_KINDS.values() if k.runnable_now), key=lambda k: k.name)


def run_now(kind_name: str) -> None:
    """Queue one run of a periodic (or manual) kind for the active store after the commit;
    raises JobError for a kind that cannot be started by hand."""
    kind = JOB_KINDS.get(kind_name)
    if kind is None or not kind.runnable_now:
        raise JobError(_("该任务不能手动运行。"))
    ctx = tenancy.current()
    audit.record(
        "enqueue", "job_runs", None, summary=f"run now {kind.name}", after={"kind": kind.name}, store_id=ctx.store_id
    )
    enqueue_after_commit(kind.name, ctx.store_id)
