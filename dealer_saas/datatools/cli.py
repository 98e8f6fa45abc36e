"""The platform admin's commands: ``flask backup``, ``flask restore``, ``flask export-org``
and ``flask import-org`` (they act on the whole installation, so no web route does)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("backup")
    @click.option("--output", type=click.Path(file_okay=False, path_type=Path), help="Directory (default BACKUP_DIR).")
    @click.option("--prune/--no-prune", default=False, help="Also delete backups past BACKUP_RETENTION_DAYS.")
    def backup_command(output: Path | None, prune: bool) -> None:
        """Back up the whole database (pg_dump -Fc, or SQLite's backup API)."""
        from .services import backup

        try:
            path = backup.backup(output)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"{path} ({path.stat().st_size:,} bytes)")
        if prune:
            for name in backup.prune(output):
                click.echo(f"removed {name}")

    @app.cli.command("restore")
    @click.argument("backup_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    @click.option("--yes", is_flag=True, help="Confirm: the live database is replaced by the backup.")
    def restore_command(backup_file: Path, yes: bool) -> None:
        """Replace the database with BACKUP_FILE (same schema version only). Needs --yes."""
        from .services import backup

        if not yes:
            raise click.ClickException(
                "restore replaces every row of the live database with the backup's: run it again with --yes"
            )
        try:
            version = backup.restore(backup_file)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Restored {backup_file.name} (schema version {version}).")

    @app.cli.command("export-org")
    @click.argument("org_code")
    @click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
    def export_org_command(org_code: str, archive: Path) -> None:
        """Write every row of one dealer group to ARCHIVE (a documented zip)."""
        from sqlalchemy import select

        from .. import tenancy
        from ..extensions import db
        from ..tenancy import Organisation
        from .services import archive as org_archive

        with tenancy.system():
            org_id = db.session.execute(select(Organisation.id).where(Organisation.code == org_code)).scalar()
            if org_id is None:
                raise click.ClickException(f"no organisation with code {org_code}")
            manifest = org_archive.export_org(db.session.connection(), org_id, archive)
        rows = sum(t["rows"] for t in manifest["tables"].values())
        click.echo(f"{archive}: {len(manifest['tables'])} tables, {rows:,} rows")

    @app.cli.command("import-org")
    @click.argument("archive", type=click.Path(dir_okay=False, exists=True, path_type=Path))
    def import_org_command(archive: Path) -> None:
        """Load an organisation archive into this installation (one transaction); users get
        no password and must set a new one."""
        from .. import tenancy
        from ..extensions import db
        from .services import archive as org_archive

        with tenancy.system():
            try:
                result = org_archive.import_org(db.session.connection(), archive)
            except org_archive.ArchiveError as error:
                db.session.rollback()
                raise click.ClickException(str(error)) from None
            db.session.commit()
        click.echo(f"Imported organisation {result.org_code} (id {result.org_id}): {result.rows:,} rows")

    @app.cli.command("import-benchmark")
    @click.option("--rows", default=100_000, show_default=True, type=click.IntRange(1, 1_000_000))
    @click.option("--database", default="dealer_import_bench", show_default=True, help="Scratch database (recreated).")
    @click.option("--keep", is_flag=True, help="Keep the scratch database afterwards.")
    def import_benchmark_command(rows: int, database: str, keep: bool) -> None:
        """Time the import of a ROWS-customer CSV file (dry run, then commit) on PostgreSQL,
        in a scratch database of the DATABASE_URL server (never the app's own database)."""
        from .benchmark import run_benchmark

        for line in run_benchmark(rows=rows, database=database, keep=keep):
            click.echo(line)
