"""The organisation archive round trip: every row of a dealer group exported, loaded into
an empty installation (its own database, another encryption key), and read back equal,
table by table, with ids mapped; users without their passwords; ID numbers re-encrypted."""

from __future__ import annotations

import json
import os
import random
import uuid
import zipfile

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from dealer_saas import demo
from dealer_saas.datatools.services import archive
from dealer_saas.datatools.services.backup import code_version
from dealer_saas.extensions import db
from dealer_saas.tenancy import Role

from .. import factories
from ..core.test_isolation_sweep import _victim_staff


@pytest.fixture
def target_engine(database_url, tmp_path):
    """An empty installation: a fresh database of the same kind, schema from the models."""
    url = sa.make_url(database_url)
    drop = None
    if url.get_backend_name() == "postgresql":
        name = f"dealer_target_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = url.set(database=name)

        def drop():
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()

    else:
        url = sa.make_url(f"sqlite:///{tmp_path / 'target.db'}")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        db.metadata.create_all(connection)
    yield engine
    engine.dispose()
    if drop:
        drop()


def _group_with_everything():
    t = factories.two_tenants()
    for store, seed in ((t.a1, 7), (t.a2, 8)):
        demo.seed_store(_victim_staff(store), random.Random(seed))
    db.session.add(Role(org_id=t.a1.org_id, code="own_role", name="自定义角色", permissions=["customers.view"]))
    customer = factories.CustomerFactory(store=t.a1, name="带身份证的客户")
    customer.id_number = "110101199003074514"
    db.session.flush()
    return t, customer


def _canonical(connection, org_id: int, mapping: dict[str, dict[int, int]] | None) -> dict[str, list]:
    """Every archived row of the group, ids replaced by the target's (``mapping``) or kept
    (target side), references outside the group by their natural key; sorted."""
    rows = archive.read_org(connection, org_id)
    tables = {t.name: t for t in archive.archived_tables()}
    natural: dict[tuple[str, int], tuple] = {}
    result = {}
    for name, found in rows.items():
        table = tables[name]
        pk = archive._pk(table)
        fks = {fk.parent.name: fk.column.table for fk in table.foreign_keys}
        own_ids = {
            tn: {r[archive._pk(tables[tn]).name] for r in rs}
            for tn, rs in rows.items()
            if archive._pk(tables[tn]) is not None
        }
        canonical = []
        for row in found:
            out = {}
            for column, value in row.items():
                if (name, column) in archive.WITHHELD or (name, column) == ("users", "must_change_password"):
                    continue
                if pk is not None and column == pk.name:
                    value = mapping[name][value] if mapping is not None else value
                elif column in fks and value is not None:
                    target = fks[column]
                    if value in own_ids.get(target.name, ()):
                        value = mapping[target.name][value] if mapping is not None else value
                    else:
                        key = (target.name, value)
                        if key not in natural:
                            cols = archive._natural_key(target)
                            natural[key] = tuple(
                                connection.execute(
                                    sa.select(*(target.c[c] for c in cols)).where(archive._pk(target) == value)
                                ).one()
                            )
                        value = ("external",) + natural[key]
                out[column] = value.replace(tzinfo=None) if hasattr(value, "tzinfo") and value.tzinfo else value
            canonical.append(out)
        result[name] = sorted(canonical, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return result


def test_round_trip_gives_identical_content(app, db_session, target_engine, tmp_path, monkeypatch):
    original_key = app.config["FIELD_ENCRYPTION_KEY"]
    t, customer = _group_with_everything()
    source = db.session.connection()
    org_id = t.a1.org_id
    path = tmp_path / "org.zip"
    manifest = archive.export_org(source, org_id, path)
    before = _canonical(source, org_id, None)
    assert manifest["schema_version"] == code_version()
    assert before["customers"] and before["visits"] and before["repair_orders"] and before["memberships"]
    # the other organisation stays out
    assert all(row["org_id"] == org_id for row in before["customers"])
    with zipfile.ZipFile(path) as z:
        assert {"manifest.json", "README.md"} <= set(z.namelist())
        assert "password_hash" not in z.read("tables/users.csv").decode().splitlines()[0]
        assert "110101199003074514" in z.read("tables/customers.csv").decode()  # clear text, documented
    assert set(manifest["excluded"]) >= {"user_sessions", "job_runs"}

    new_key = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "FIELD_ENCRYPTION_KEY", new_key)
    with target_engine.begin() as target:
        result = archive.import_org(target, path)
    with target_engine.connect() as target:
        after = _canonical(target, result.org_id, None)
        users = target.execute(sa.text("SELECT password_hash, must_change_password FROM users")).all()
        token = target.execute(
            sa.text("SELECT id_number FROM customers WHERE name = :n"), {"n": "带身份证的客户"}
        ).scalar()
    # compare with the source's rows mapped to the target's ids (read under the old key)
    monkeypatch.setitem(app.config, "FIELD_ENCRYPTION_KEY", original_key)
    mapped = _canonical(source, org_id, result.mapping)
    assert set(after) == set(mapped)
    for name in mapped:
        assert after[name] == mapped[name], f"{name} differs after the round trip"
    assert users and all(h.startswith("!") and must for h, must in users)
    assert sum(len(rows) for rows in after.values()) == result.rows > 100
    # the ID number is encrypted under the target's key, not the source's
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == "110101199003074514"
    assert customer.id_number == "110101199003074514"


def test_import_refuses_another_schema_version_and_an_existing_organisation(app, db_session, tmp_path):
    t = factories.two_tenants()
    path = tmp_path / "org.zip"
    archive.export_org(db.session.connection(), t.b1.org_id, path)
    with pytest.raises(archive.ArchiveError, match="exists here already"):
        archive.import_org(db.session.connection(), path)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    manifest = json.loads(parts["manifest.json"])
    manifest["schema_version"] = "000000000000"
    parts["manifest.json"] = json.dumps(manifest).encode()
    other = tmp_path / "old.zip"
    with zipfile.ZipFile(other, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    with pytest.raises(archive.ArchiveError, match="schema version"):
        archive.import_org(db.session.connection(), other)
    # an edited table is refused by its checksum
    parts["manifest.json"] = json.dumps({**manifest, "schema_version": code_version()}).encode()
    parts["tables/customers.csv"] += b"1,2,3\n"
    with zipfile.ZipFile(other, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    with pytest.raises(archive.ArchiveError, match="checksum"):
        archive.import_org(db.session.connection(), other)


def test_new_tables_are_discovered_and_exclusions_documented():
    names = {t.name for t in archive.archived_tables()}
    assert {"organisations", "stores", "users", "memberships", "customers", "import_mappings"} <= names
    assert not names & set(archive.EXCLUDED)
    for table in db.metadata.sorted_tables:
        scoped = "org_id" in table.c or "store_id" in table.c
        assert table.name in names or table.name in archive.EXCLUDED or not scoped, table.name


def test_cli_export_org(app, db_session, tmp_path):
    t = factories.two_tenants()
    db.session.commit()
    runner = app.test_cli_runner()
    code = t.a1.organisation.code
    result = runner.invoke(args=["export-org", code, str(tmp_path / "a.zip")])
    assert result.exit_code == 0, result.output
    assert "tables" in result.output and (tmp_path / "a.zip").exists()
    result = runner.invoke(args=["import-org", str(tmp_path / "a.zip")])
    assert result.exit_code != 0 and "exists here already" in result.output
