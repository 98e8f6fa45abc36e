"""Backup and restore of the whole installation (the platform admin's commands).

PostgreSQL goes through ``pg_dump -Fc`` / ``pg_restore`` (Debian's postgresql-client),
SQLite through its online backup API (a consistent copy while the app runs). Every backup
file is named ``dealer_saas-<schema version>-<UTC time>.<dump|sqlite3>``: the schema
version (the alembic revision the database is at) is in the name and, for a check that
does not trust names, read back from the file itself before a restore. A restore refuses
a backup of another schema version (restore into the code that wrote it, then upgrade).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...timeutil import utcnow

NAME = re.compile(r"^dealer_saas-(?P<version>[0-9a-f]+|none)-(?P<at>\d{8}T\d{6}Z)\.(?P<ext>dump|sqlite3)$")


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says why."""


def backup_dir() -> Path:
    path = Path(current_app.config.get("BACKUP_DIR") or Path(current_app.instance_path) / "backups")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _url() -> sa.URL:
    return db.engine.url


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for pg_dump/pg_restore (the password in PGPASSWORD, not argv)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def database_version(connection: sa.Connection | None = None) -> str:
    """The alembic revision the live database is at ("none" before the first migration)."""
    conn = connection or db.session.connection()
    if not sa.inspect(conn).has_table("alembic_version"):
        return "none"
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() or "none"


def code_version() -> str:
    """The head revision of the migrations this code carries."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from ...config import ROOT

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    return heads[0] if len(heads) == 1 else "+".join(sorted(heads))


def backup(directory: Path | None = None) -> Path:
    """Write one backup of the whole database; returns its path."""
    directory = directory or backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    url = _url()
    version = database_version()
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    if url.get_backend_name() == "postgresql":
        target = directory / f"dealer_saas-{version}-{stamp}.dump"
        conninfo, env = _libpq(url)
        if shutil.which("pg_dump") is None:
            raise BackupError("pg_dump is not installed (Debian: apt-get install postgresql-client)")
        result = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", "-f", str(target), "-d", conninfo],
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
        return target
    if url.get_backend_name() == "sqlite":
        target = directory / f"dealer_saas-{version}-{stamp}.sqlite3"
        source = sqlite3.connect(url.database)
        try:
            destination = sqlite3.connect(target)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
        return target
    raise BackupError(f"backups of {url.get_backend_name()} are not supported")


def backup_version(path: Path) -> str:
    """The schema version inside a backup file (read from the file, not its name)."""
    if path.suffix == ".sqlite3":
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path.name} is not a SQLite backup: {error}") from None
        finally:
            connection.close()
        return row[0] if row else "none"
    if path.suffix == ".dump":
        if shutil.which("pg_restore") is None:
            raise BackupError("pg_restore is not installed (Debian: apt-get install postgresql-client)")
        result = subprocess.run(
            ["pg_restore", "--data-only", "--table=alembic_version", "-f", "-", str(path)],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            raise BackupError(f"{path.name} is not a pg_dump archive: {result.stderr.strip()[:300]}")
        lines = result.stdout.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
                value = lines[index + 1].strip()
                return value if value and value != "\\." else "none"
        return "none"
    raise BackupError(f"{path.name}: not a backup file (.dump or .sqlite3)")


def restore(path: Path) -> str:
    """Replace the live database with a backup of the same schema version. Returns the
    version. Raises BackupError (another version, another kind of database, a tool failed)."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    url = _url()
    backend = url.get_backend_name()
    if (backend == "postgresql") != (path.suffix == ".dump") or backend not in ("postgresql", "sqlite"):
        raise BackupError(f"{path.name} is not a backup of a {backend} database")
    version = backup_version(path)
    expected = code_version()
    if version != expected:
        raise BackupError(
            f"{path.name} is at schema version {version}, this code is at {expected}: "
            "restore it with the code of that version (then upgrade), or pick another backup"
        )
    db.session.remove()
    db.engine.dispose()
    if backend == "postgresql":
        conninfo, env = _libpq(url)
        result = subprocess.run(
            ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", conninfo, str(path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
    else:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            destination = sqlite3.connect(url.database)
            with destination:
                source.backup(destination)
            destination.close()
        finally:
            source.close()
    return version


def prune(directory: Path | None = None, *, now: dt.datetime | None = None) -> list[str]:
    """Delete the backups older than BACKUP_RETENTION_DAYS (by the time in their name);
    the newest backup is always kept. Returns the names removed."""
    directory = directory or backup_dir()
    days = int(current_app.config.get("BACKUP_RETENTION_DAYS") or 14)
    cutoff = (now or utcnow()) - dt.timedelta(days=days)
    found = []
    for path in directory.iterdir():
        match = NAME.match(path.name)
        if match:
            at = dt.datetime.strptime(match["at"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            found.append((at, path))
    found.sort()
    removed = []
    for at, path in found[:-1]:
        if at < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed
