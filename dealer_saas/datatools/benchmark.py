"""``flask import-benchmark``: how long a customer file of N rows takes to check and to
commit, on PostgreSQL, in a scratch database of the configured server (recreated, dropped
afterwards unless ``--keep``): the figure behind "100 000 rows in under 2 minutes"."""

from __future__ import annotations

import csv
import os
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app


def _write_file(path: Path, rows: int) -> None:
    from ..demo import person_name

    rng = random.Random(18)
    sources = ("到店", "来电", "网络", "转介绍", "")
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["客户姓名", "手机号码", "性别", "客户来源", "生日", "地址", "标签"])
        for i in range(rows):
            writer.writerow(
                [
                    person_name(rng),
                    f"139{i:08d}",
                    rng.choice(("男", "女", "")),
                    rng.choice(sources),
                    f"{rng.randint(1960, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "广州市天河区",
                    rng.choice(("", "老客户", "VIP")),
                ]
            )


def run_benchmark(*, rows: int, database: str, keep: bool) -> Iterator[str]:
    from .. import create_app, tenancy
    from ..cli import setup_database
    from ..extensions import db
    from ..tenancy import Organisation, Store, User

    url = sa.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        raise click.ClickException("the import benchmark runs on PostgreSQL (set DATABASE_URL)")
    if database == url.database:
        raise click.ClickException("pick a scratch database, not the app's own")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    folder = Path(tempfile.mkdtemp(prefix="import-bench-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.set(database=database).render_as_string(hide_password=False),
            "REDIS_URL": None,
            "IMPORT_UPLOAD_DIR": str(folder),
            "IMPORT_MAX_ROWS": max(rows, 200_000),
            "IMPORT_MAX_BYTES": 512 * 1024 * 1024,
        }
    )
    try:
        with app.app_context():
            setup_database()
            with tenancy.system():
                org = Organisation(name="导入测试集团", code="IMPORTBENCH")
                db.session.add(org)
                db.session.flush()
                store = Store(org_id=org.id, name="导入测试门店", code="IB01")
                user = User(org_id=org.id, username="import.bench", name="导入", password_hash="!")
                db.session.add_all([store, user])
                db.session.commit()
                store_id, user_id = store.id, user.id
            path = folder / "customers.csv"
            started = time.monotonic()
            _write_file(path, rows)
            size = path.stat().st_size / 1e6
            yield f"file: {rows:,} rows, {size:.1f} MB written in {time.monotonic() - started:.1f} s"
            from .services.imports import run_import, upload_file

            with tenancy.enter(store_id, user_id=user_id):
                started = time.monotonic()
                with path.open("rb") as stream:
                    batch = upload_file("customers", "customers.csv", stream)
                batch.status = "checking"
                db.session.commit()
                batch_id = batch.id
                yield f"upload (read and count): {time.monotonic() - started:.1f} s"
                started, cpu = time.monotonic(), time.process_time()
                checked = run_import(batch_id, commit=False)
                db.session.commit()
                yield (
                    f"dry run: {time.monotonic() - started:.1f} s "
                    f"(this process's CPU {time.process_time() - cpu:.1f} s) {checked}"
                )
                started, cpu = time.monotonic(), time.process_time()
                committed = run_import(batch_id, commit=True)
                db.session.commit()
                seconds = time.monotonic() - started
                yield f"commit: {seconds:.1f} s (this process's CPU {time.process_time() - cpu:.1f} s) {committed}"
                count = db.session.execute(sa.text("SELECT count(*) FROM customers")).scalar()
                yield f"customers in the database: {count:,}; commit rate {rows / seconds:,.0f} rows/s"
                yield f"load average {' '.join(f'{v:.1f}' for v in os.getloadavg())} on {os.cpu_count()} cores"
            db.session.remove()
            db.engine.dispose()
    finally:
        admin_done = keep
        if not admin_done:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()
