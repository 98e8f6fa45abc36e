"""Data tools screens: import (upload, mapping, dry run report, commit, progress) and
export. Thin: parse, call one service, render."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, request, url_for
from flask_babel import gettext as _

from .. import tenancy, xlsx
from ..domain import attempt
from ..jobs.queue import enqueue_after_commit
from ..web import permission_required, redirect_to, render_htmx, rollback_only
from . import bp
from .forms import ConfirmForm, ExportForm, MappingForm, UploadForm
from .importers import IMPORTERS
from .models import BATCH_BADGES, BATCH_STATUSES, OUTCOMES, ImportBatch
from .services import exports, imports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _importable() -> list[tuple[str, str]]:
    return [(key, str(IMPORTERS[key].label)) for key in imports.importable()]


def _download(content: bytes, name: str) -> Response:
    return Response(
        content,
        mimetype=XLSX,
        headers={"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"},
    )


@bp.route("/import", methods=["GET", "POST"])
@permission_required("admin.import")
def import_start():
    """Upload a file of one kind; the recent imports of the store below."""
    form = UploadForm()
    form.entity.choices = _importable()
    if form.validate_on_submit():
        batch = attempt(
            form, lambda: imports.upload_file(form.entity.data, form.file.data.filename, form.file.data.stream)
        )
        if batch:
            return redirect_to(url_for("datatools.import_batch", import_batch_id=batch.id))
    return render_template(
        "datatools/import_start.html",
        form=form,
        batches=imports.recent_batches(),
        statuses=BATCH_STATUSES,
        badges=BATCH_BADGES,
        importers=IMPORTERS,
        read_only=tenancy.current().is_rollup,
    )


@bp.route("/import/template")
@permission_required("admin.import")
def import_template():
    """An empty template of one kind (header and an example row) as .xlsx."""
    importer = IMPORTERS.get(request.args.get("entity", ""))
    if importer is None:
        abort(404)
    rows = [[str(c.label) for c in importer.columns], [c.example for c in importer.columns]]
    return _download(xlsx.xlsx_bytes(rows, title=str(importer.label)), f"import-{importer.entity}.xlsx")


def _mapping_form(batch: ImportBatch) -> MappingForm:
    importer = IMPORTERS[batch.entity]
    headers = batch.headers or []
    if request.method == "POST":
        form = MappingForm()
    else:
        form = MappingForm(
            data={
                "columns": [(batch.mapping or {}).get(str(i), "") for i in range(len(headers))],
                "skip_rejected": batch.skip_rejected,
            }
        )
    while len(form.columns.entries) < len(headers):
        form.columns.append_entry("")
    while len(form.columns.entries) > len(headers):
        form.columns.pop_entry()
    choices = [("", _("（不导入）"))] + [(c.key, f"{c.label}{' *' if c.required else ''}") for c in importer.columns]
    for entry in form.columns.entries:
        entry.choices = choices
    return form


def _batch_page(batch: ImportBatch, form: MappingForm | None = None):
    importer = IMPORTERS[batch.entity]
    editable = batch.status in ("uploaded", "checked", "failed") and bool(batch.stored_name)
    return render_htmx(
        "datatools/import_batch.html",
        "datatools/_batch_status.html",
        batch=batch,
        importer=importer,
        form=form or (_mapping_form(batch) if editable else None),
        confirm=ConfirmForm(),
        editable=editable and not tenancy.current().is_rollup,
        statuses=BATCH_STATUSES,
        badges=BATCH_BADGES,
        outcomes=OUTCOMES,
        done=imports.progress(batch) if batch.status in ("checking", "committing") else 0,
    )


@bp.route("/import/<int:import_batch_id>", methods=["GET", "POST"])
@permission_required("admin.import")
def import_batch(import_batch_id: int):
    """One import: the column mapping (POST saves it and starts the dry run), the progress
    while a job runs (a self-polling fragment), the row-by-row report."""
    batch = imports.batch_or_404(import_batch_id)
    if request.method == "GET":
        return _batch_page(batch)
    form = _mapping_form(batch)
    if form.validate_on_submit():
        mapping = {str(i): entry.data for i, entry in enumerate(form.columns.entries) if entry.data}
        saved = attempt(form, lambda: imports.save_mapping(batch.id, mapping, form.skip_rejected.data))
        if saved:
            enqueue_after_commit("datatools.import", saved.store_id, import_batch_id=saved.id, commit=False)
            return redirect_to(url_for("datatools.import_batch", import_batch_id=saved.id))
    else:
        rollback_only()
    return _batch_page(batch, form)


@bp.route("/import/<int:import_batch_id>/commit", methods=["POST"])
@permission_required("admin.import")
def import_commit(import_batch_id: int):
    """Commit a checked import (a job: one transaction, all or nothing)."""
    batch = imports.batch_or_404(import_batch_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        queued = attempt(form, lambda: imports.request_commit(batch.id))
        if queued:
            enqueue_after_commit("datatools.import", queued.store_id, import_batch_id=queued.id, commit=True)
            return redirect_to(url_for("datatools.import_batch", import_batch_id=queued.id))
        flash(form.form_errors[0] if form.form_errors else _("无法提交。"), "error")
    return redirect_to(url_for("datatools.import_batch", import_batch_id=batch.id))


@bp.route("/import/<int:import_batch_id>/discard", methods=["POST"])
@permission_required("admin.import")
def import_discard(import_batch_id: int):
    """Cancel an import that is not committed: its file is deleted."""
    batch = imports.batch_or_404(import_batch_id)
    form = ConfirmForm()
    if form.validate_on_submit() and attempt(form, lambda: imports.discard_batch(batch.id)):
        flash(_("已取消该导入，文件已删除。"), "success")
        return redirect_to(url_for("datatools.import_start"))
    return redirect_to(url_for("datatools.import_batch", import_batch_id=batch.id))


@bp.route("/export", methods=["GET", "POST"])
@permission_required("admin.export", reads_only=True)
def export_page():
    """Export cars, visits, cards or stock with the lists' filters (an Excel file)."""
    form = ExportForm()
    available = [e for e in exports.EXPORTERS.values() if exports.may_export(e)]
    form.entity.choices = [(e.entity, str(e.label)) for e in available]
    form.status.choices = [("", _("全部"))] + [
        (key, f"{e.label}：{label}") for e in available for key, label in e.statuses().items()
    ]
    if form.validate_on_submit():
        try:
            content, _count = exports.export(form.entity.data, request.form, tz=tenancy.store_timezone())
        except exports.ExportError as error:
            rollback_only()
            form.form_errors.append(str(error))
        else:
            return _download(content, exports.file_name(form.entity.data, tenancy.store_today()))
    return render_template(
        "datatools/export.html", form=form, customers_export=tenancy.current().can("customers.export")
    )
