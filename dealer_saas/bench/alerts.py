"""``flask bench stock-alerts``: time the stock alert scan (issue 17: 50 stores x 20 000
parts in under 10 seconds) over every store of the benchmark data set, twice: the first pass
reports every part that is low (a crossing each), the second finds them all still low and
tells nobody (once per crossing)."""

from __future__ import annotations

import datetime as dt
import time

import click
import sqlalchemy as sa

from . import bench
from .common import loaded_app
from .data import DEFAULT_DATABASE, ORG_CODE


def scan_all(period: str) -> dict[str, float]:
    """One alert pass in every store of the benchmark organisation; the figures."""
    from .. import tenancy
    from ..alerts import services
    from ..extensions import db
    from ..tenancy import Organisation, Store

    with tenancy.system():
        org_id = db.session.execute(sa.select(Organisation.id).where(Organisation.code == ORG_CODE)).scalar_one()
        stores = list(
            db.session.execute(sa.select(Store.id).where(Store.org_id == org_id).order_by(Store.id)).scalars()
        )
        parts = db.session.execute(
            sa.text("SELECT count(*) FROM part_stocks WHERE org_id = :o"), {"o": org_id}
        ).scalar()
        db.session.commit()
    totals = {"low": 0, "crossed": 0, "told": 0}
    started = time.perf_counter()
    for store_id in stores:
        with tenancy.enter(store_id):
            result = services.scan(period)
            db.session.commit()
        for figures in result.values():
            for key in totals:
                totals[key] += figures[key]
    seconds = time.perf_counter() - started
    return {"stores": len(stores), "parts": parts, **totals, "seconds": round(seconds, 2)}


@bench.command("stock-alerts")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, help="the loaded benchmark database")
def stock_alerts_command(database: str) -> None:
    """Time the stock alert scan over every store of the benchmark data set, twice."""
    from ..extensions import db

    app = loaded_app(database)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    with app.app_context(), app.test_request_context():
        for n, label in enumerate(("first pass", "second pass (still low: nobody told again)")):
            figures = scan_all(f"bench-{stamp}-{n}")
            click.echo(
                f"Stock alerts, {label}: {figures['parts']} parts in {figures['stores']} stores, "
                f"{figures['low']} low, {figures['crossed']} crossings, {figures['told']} notifications "
                f"in {figures['seconds']} s"
            )
        db.session.remove()
        db.engine.dispose()
