"""The organisation archive: every row of one dealer group, as a zip that loads into an
empty installation with identical content (``flask export-org`` / ``flask import-org``).

Which tables: discovered from the models' metadata, never listed by hand, so a new
module's tables are in without a change here: ``organisations`` (the group's row), every
table with an ``org_id`` or ``store_id`` column, and every table whose foreign key points
at one of those (their children), except :data:`EXCLUDED` (each with its reason).

The zip holds ``README.md`` (the format, written below in :data:`README`), ``manifest.json``
and ``tables/<table>.csv`` per table. A CSV has a header of column names and one line per
row: ``\\N`` is NULL, a text value starting with a backslash gets one more; dates and times
are ISO 8601 (times in UTC with their offset), booleans ``true``/``false``, JSON columns
JSON text, numbers as written by the database. Encrypted columns (``crypto.EncryptedString``:
ID numbers) are in clear text in the archive: the importing installation encrypts them
under its own key. Password hashes are not exported: every user of the archive gets an
unusable password and must have it reset (``must_change_password``).

On import every id is new (the target's sequences), and every foreign key is mapped: to a
row of the archive (``mapping[table][old id]``), to a row of the target found by its
natural key for references outside the group (the built-in roles, by ``code``; a platform
admin in the audit log, by ``username``: the manifest's ``external`` section), else NULL
when the column allows it. Foreign keys of a cycle (a card's won order, an order's card)
are filled in a second pass.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import json
import secrets
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ...crypto import EncryptedString
from ...extensions import db
from ...timeutil import utcnow

FORMAT = "dealer_saas-org-archive/1"
NULL = "\\N"

#: tables left out of the archive, and why (they are in the manifest too)
EXCLUDED: dict[str, str] = {
    "user_sessions": "sign-in sessions: a session must never move to another installation",
    "login_attempts": "sign-in throttling counters of this installation",
    "login_captchas": "one-time sign-in captchas of this installation",
    "signed_link_hits": "rate-limit counters of public links",
    "job_runs": "the job log of this installation (outcomes of past runs, not data)",
    "job_schedules": "the scheduler's bookkeeping; the target schedules its own jobs",
    "import_batches": "uploads in progress reference files of this installation only",
}
#: columns never exported: the target sets its own value
WITHHELD = {("users", "password_hash")}

README = """# dealer_saas organisation archive

All data of one dealer group (organisation), written by `flask export-org CODE FILE` and
loaded by `flask import-org FILE` into another installation at the same schema version.

- `manifest.json`: `format`, `schema_version` (the alembic revision of the database that
  wrote it: import-org refuses another), `created_at`, `organisation` (id, code, name),
  `tables` (per table: file, columns, rows, sha256 of the CSV file), `order` (the order
  the tables are loaded in: parents first), `excluded` (tables left out, with the reason),
  `external` (rows outside the group that rows of the group refer to, by natural key:
  the built-in roles by code, platform admins by username).
- `tables/<table>.csv`: UTF-8, a header of column names, one line per row. `\\N` is NULL;
  a text starting with a backslash has one more in front. Dates and times ISO 8601 (times
  UTC with offset), booleans `true`/`false`, JSON columns as JSON, numbers as stored.
- Ids are the source installation's; the importer gives every row a new id and rewrites
  every foreign key.
- Encrypted columns (ID numbers) are in CLEAR TEXT here: keep the archive as secret as the
  database. The importer encrypts them under the target installation's key.
- Password hashes are not in the archive: imported users must have their password reset.
- The CSV files are a machine format: cells are not neutralised for spreadsheets (a cell
  may start with `=`). Do not open them in Excel; use the app's exports for that.
"""


class ArchiveError(RuntimeError):
    """The archive cannot be loaded here (another schema version, a bad checksum, the
    organisation exists already ...)."""


# --------------------------------------------------------------------------- tables


def archived_tables(metadata: sa.MetaData | None = None) -> list[sa.Table]:
    """The tables of an organisation archive, parents first (see the module docstring)."""
    metadata = metadata or db.metadata
    chosen: set[str] = {"organisations"}
    for table in metadata.sorted_tables:
        if "org_id" in table.c or "store_id" in table.c:
            chosen.add(table.name)
    grown = True
    while grown:
        grown = False
        for table in metadata.sorted_tables:
            if table.name in chosen or table.name in EXCLUDED:
                continue
            if any(fk.column.table.name in chosen for fk in table.foreign_keys):
                chosen.add(table.name)
                grown = True
    return [t for t in metadata.sorted_tables if t.name in chosen and t.name not in EXCLUDED]


def _pk(table: sa.Table) -> sa.Column | None:
    columns = list(table.primary_key.columns)
    return columns[0] if len(columns) == 1 and isinstance(columns[0].type, sa.Integer) else None


def _natural_key(table: sa.Table) -> list[str] | None:
    """The columns of the table's first unique constraint (or unique column) besides its id."""
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and constraint.columns:
            return [c.name for c in constraint.columns]
    for column in table.columns:
        if column.unique and not column.primary_key:
            return [column.name]
    return None


# --------------------------------------------------------------------------- values


def _encode(value: Any, column: sa.Column) -> str:
    if value is None:
        return NULL
    if isinstance(column.type, sa.JSON):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    text = str(value)
    return "\\" + text if text.startswith("\\") else text


def _decode(text: str, column: sa.Column) -> Any:
    if text == NULL:
        return None
    kind = column.type
    if isinstance(kind, sa.JSON):
        return json.loads(text)
    if isinstance(kind, sa.Boolean):
        return text == "true"
    if isinstance(kind, sa.DateTime):
        value = dt.datetime.fromisoformat(text)
        return value if kind.timezone else value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat(text)
    if isinstance(kind, sa.Time):
        return dt.time.fromisoformat(text)
    if isinstance(kind, sa.Integer):
        return int(text)
    if isinstance(kind, sa.Numeric) and not isinstance(kind, sa.Float):
        return decimal.Decimal(text)
    if isinstance(kind, sa.Float):
        return float(text)
    if isinstance(kind, sa.LargeBinary):
        return bytes.fromhex(text[2:])
    return text[1:] if text.startswith("\\\\") else text


# --------------------------------------------------------------------------- export


def _selected(table: sa.Table, org_id: int, ids: dict[str, set[int]]) -> sa.Select:
    if table.name == "organisations":
        return sa.select(table).where(table.c.id == org_id)
    if "org_id" in table.c:
        return sa.select(table).where(table.c.org_id == org_id)
    if "store_id" in table.c:
        return sa.select(table).where(table.c.store_id.in_(sorted(ids.get("stores", ()))))
    conditions = [
        fk.parent.in_(sorted(ids.get(fk.column.table.name, ())))
        for fk in table.foreign_keys
        if fk.column.table.name in ids
    ]
    return sa.select(table).where(sa.or_(*conditions) if conditions else sa.false())


def read_org(connection: sa.Connection, org_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every archived row of the organisation, table by table (values as Python reads them:
    encrypted columns decrypted), ordered by primary key."""
    rows: dict[str, list[dict[str, Any]]] = {}
    ids: dict[str, set[int]] = {}
    for table in archived_tables():
        stmt = _selected(table, org_id, ids)
        pk = _pk(table)
        if pk is not None:
            stmt = stmt.order_by(pk)
        found = [dict(r._mapping) for r in connection.execute(stmt)]
        rows[table.name] = found
        if pk is not None:
            ids[table.name] = {r[pk.name] for r in found}
    return rows


def export_org(connection: sa.Connection, org_id: int, path: Path) -> dict[str, Any]:
    """Write the organisation's archive to ``path``; returns the manifest."""
    from .backup import database_version

    data = read_org(connection, org_id)
    tables = {t.name: t for t in archived_tables()}
    exported_ids = {
        name: {r[_pk(tables[name]).name] for r in rows} for name, rows in data.items() if _pk(tables[name]) is not None
    }
    external: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    manifest_tables: dict[str, Any] = {}
    org = data["organisations"][0] if data["organisations"] else None
    if org is None:
        raise ArchiveError(f"no organisation {org_id}")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, rows in data.items():
            table = tables[name]
            columns = [c for c in table.columns if (name, c.name) not in WITHHELD]
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow([c.name for c in columns])
            for row in rows:
                writer.writerow([_encode(row[c.name], c) for c in columns])
                for fk in table.foreign_keys:
                    target = fk.column.table
                    value = row[fk.parent.name]
                    if value is None or value in exported_ids.get(target.name, ()):
                        continue
                    key = str(value)
                    if key not in external[target.name]:
                        natural = _natural_key(target)
                        found = None
                        if natural:
                            found = connection.execute(
                                sa.select(*(target.c[n] for n in natural)).where(fk.column == value)
                            ).first()
                        external[target.name][key] = (
                            {n: _encode(v, target.c[n]) for n, v in zip(natural, found, strict=True)} if found else None
                        )
            content = buffer.getvalue().encode("utf-8")
            archive.writestr(f"tables/{name}.csv", content)
            manifest_tables[name] = {
                "file": f"tables/{name}.csv",
                "columns": [c.name for c in columns],
                "rows": len(rows),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        manifest = {
            "format": FORMAT,
            "schema_version": database_version(connection),
            "created_at": utcnow().isoformat(),
            "organisation": {"id": org["id"], "code": org["code"], "name": org["name"]},
            "order": list(manifest_tables),
            "tables": manifest_tables,
            "excluded": EXCLUDED,
            "withheld_columns": sorted(f"{t}.{c}" for t, c in WITHHELD),
            "external": external,
        }
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        archive.writestr("README.md", README)
    return manifest


# --------------------------------------------------------------------------- import


@dataclass
class ImportResult:
    org_id: int
    org_code: str
    rows: int
    #: table -> {old id: new id}
    mapping: dict[str, dict[int, int]]


def _read_archive(path: Path) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]]]:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ArchiveError(f"{path.name} is not a zip archive") from None
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError):
            raise ArchiveError("the archive has no readable manifest.json") from None
        if manifest.get("format") != FORMAT:
            raise ArchiveError(f"unknown archive format {manifest.get('format')!r}")
        tables: dict[str, list[dict[str, str]]] = {}
        for name, entry in manifest["tables"].items():
            content = archive.read(entry["file"])
            if hashlib.sha256(content).hexdigest() != entry["sha256"]:
                raise ArchiveError(f"{entry['file']}: checksum mismatch (the archive is damaged or was edited)")
            reader = csv.DictReader(io.StringIO(content.decode("utf-8"), newline=""))
            tables[name] = list(reader)
            if len(tables[name]) != entry["rows"]:
                raise ArchiveError(f"{entry['file']}: {len(tables[name])} rows, the manifest says {entry['rows']}")
    return manifest, tables


def _resolve_external(connection: sa.Connection, table: sa.Table, key: dict[str, str] | None) -> int | None:
    if not key:
        return None
    pk = _pk(table)
    conditions = []
    for name, text in key.items():
        value = _decode(text, table.c[name])
        conditions.append(table.c[name].is_(None) if value is None else table.c[name] == value)
    return connection.execute(sa.select(pk).where(*conditions).limit(1)).scalar()


def import_org(connection: sa.Connection, path: Path) -> ImportResult:
    """Load an archive (see the module docstring) in the caller's transaction. Raises
    ArchiveError; the caller rolls back."""
    from .backup import code_version, database_version

    manifest, data = _read_archive(path)
    here = database_version(connection)
    if here == "none":
        here = code_version()
    if manifest["schema_version"] != here:
        raise ArchiveError(
            f"the archive is at schema version {manifest['schema_version']}, this installation at {here}"
        )
    tables = {t.name: t for t in archived_tables()}
    unknown = set(data) - set(tables)
    if unknown:
        raise ArchiveError(f"tables this installation does not have: {sorted(unknown)}")
    organisations = tables["organisations"]
    code = manifest["organisation"]["code"]
    if connection.execute(sa.select(organisations.c.id).where(organisations.c.code == code)).first():
        raise ArchiveError(f"an organisation with code {code} exists here already")
    _ensure_builtin_roles(connection)
    archived_ids: dict[str, set[int]] = {}
    for name, rows in data.items():
        pk = _pk(tables[name])
        if pk is not None:
            archived_ids[name] = {int(r[pk.name]) for r in rows}
    mapping: dict[str, dict[int, int]] = defaultdict(dict)
    external_ids: dict[tuple[str, str], int | None] = {}
    deferred: list[tuple[sa.Table, int, str, str, int]] = []  # table, new id, column, target, old value
    total = 0
    for table in (t for t in archived_tables() if t.name in data):
        rows = data[table.name]
        if not rows:
            continue
        pk = _pk(table)
        fks = {fk.parent.name: fk.column.table for fk in table.foreign_keys}
        records = []
        later: list[list[tuple[str, str, int]]] = []
        for raw in rows:
            record: dict[str, Any] = {}
            pending: list[tuple[str, str, int]] = []
            for name, text in raw.items():
                if name not in table.c:
                    raise ArchiveError(f"{table.name}: no column {name} here")
                column = table.c[name]
                if pk is not None and name == pk.name:
                    continue
                value = _decode(text, column)
                if name in fks and value is not None:
                    target = fks[name]
                    if value in archived_ids.get(target.name, ()):
                        new = mapping[target.name].get(value)
                        if new is None:  # a row loaded later (a cycle, or the table itself)
                            pending.append((name, target.name, value))
                        value = new
                    else:  # a row outside the group: found here by its natural key, or NULL
                        key = (target.name, str(value))
                        if key not in external_ids:
                            entry = manifest.get("external", {}).get(target.name, {}).get(str(value))
                            external_ids[key] = _resolve_external(connection, target, entry)
                        value = external_ids[key]
                        if value is None and not column.nullable:
                            raise ArchiveError(f"{table.name}.{name}: no row here for {target.name} {text}")
                record[name] = value
            if table.name == "users":
                record["password_hash"] = "!" + secrets.token_hex(16)  # no password verifies against it
                record["must_change_password"] = True
            records.append(record)
            later.append(pending)
        columns = sorted({k for r in records for k in r})
        records = [{c: r.get(c) for c in columns} for r in records]
        if pk is not None:
            new_ids = (
                connection.execute(sa.insert(table).returning(pk, sort_by_parameter_order=True), records)
                .scalars()
                .all()
            )
            for raw, new_id, pending in zip(rows, new_ids, later, strict=True):
                mapping[table.name][int(raw[pk.name])] = new_id
                for name, target, old in pending:
                    deferred.append((table, new_id, name, target, old))
        else:
            connection.execute(sa.insert(table), records)
        total += len(records)
    for table, new_id, name, target, old in deferred:
        connection.execute(sa.update(table).where(_pk(table) == new_id).values({name: mapping[target][old]}))
    org_id = mapping["organisations"][manifest["organisation"]["id"]]
    return ImportResult(org_id=org_id, org_code=code, rows=total, mapping=dict(mapping))


def _ensure_builtin_roles(connection: sa.Connection) -> None:
    """The built-in roles exist in every installation (memberships point at them by code)."""
    from ...permissions import builtin_roles

    roles = db.metadata.tables["roles"]
    have = set(connection.execute(sa.select(roles.c.code).where(roles.c.org_id.is_(None))).scalars())
    for code, spec in builtin_roles().items():
        if code not in have:
            connection.execute(
                sa.insert(roles).values(
                    org_id=None,
                    code=code,
                    name=spec.name,
                    is_builtin=True,
                    is_group_role=spec.is_group_role,
                    permissions=[],
                )
            )


def encrypted_column_names() -> set[tuple[str, str]]:
    return {(t.name, c.name) for t in archived_tables() for c in t.columns if isinstance(c.type, EncryptedString)}
