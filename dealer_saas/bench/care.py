"""The care module in the benchmark: its data in the load (``load``, called by
``data.load``), and ``flask bench care-callbacks``, which times the call-back generation
over every store of the benchmark data set (issue 17: 1 000 000 customers in under 2
minutes on PostgreSQL).

``load`` gives the customers what the rules read besides the visits the load already has:
birthdays, a next service date and mileage for every car, an issued insurance policy for
one car in four, and twelve months of call-back tasks (done, open, overdue) for the agent
queue page of the driver. All set-based (``insert_select`` and one UPDATE per table)."""

from __future__ import annotations

import datetime as dt
import time

import click
import sqlalchemy as sa

from . import bench
from .common import loaded_app
from .data import DEFAULT_DATABASE, ORG_CODE, _h, insert_select

OUTCOMES = ("reached", "satisfied", "satisfied", "reached", "no_answer", "wrong_number")


def load(connection, org_id: int, echo=click.echo) -> dict[str, int]:
    """Care's part of the benchmark data set (run before the indexes are built)."""
    from ..care.models import CallbackTask
    from ..sales.models import InsurancePolicy

    step = time.perf_counter()
    counts: dict[str, int] = {}
    connection.execute(
        sa.text(
            "UPDATE customers SET birthday = DATE '1960-01-01' + CAST((hashint8(id * 64 + 40) & 2147483647)"
            " % 14600 AS integer) WHERE org_id = :o"
        ),
        {"o": org_id},
    )
    connection.execute(
        sa.text(
            "UPDATE customer_vehicles SET next_service_date = current_date + CAST((hashint8(id * 64 + 41) & 2147483647)"
            " % 200 AS integer) - 20, next_service_mileage = COALESCE(mileage, 0) + 5000 WHERE org_id = :o"
        ),
        {"o": org_id},
    )
    counts["insurance_policies"] = insert_select(
        connection,
        InsurancePolicy.__table__,
        {
            "org_id": "v.org_id",
            "store_id": "v.store_id",
            "customer_id": "v.owner_id",
            "vin": "v.vin",
            "insurer": "'平安保险'",
            "premium": "4800",
            "starts_on": f"current_date - 365 + CAST({_h(42, 'v.id')} % 120 AS integer)",
            "expires_on": f"current_date + CAST({_h(42, 'v.id')} % 120 AS integer)",
            "status": "'issued'",
        },
        f"FROM customer_vehicles v WHERE v.org_id = :o AND v.owner_id IS NOT NULL AND {_h(43, 'v.id')} % 4 = 0",
        o=org_id,
    )
    # a year of call-backs for one customer in ten: done with their outcomes, and the open
    # ones of the last week (overdue) and of today
    counts["care_callbacks"] = insert_select(
        connection,
        CallbackTask.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "rule": f"(ARRAY['visit','delivery','birthday','insurance','maintenance'])[1 + {_h(44, 'c.id')} % 5]",
            "customer_id": "c.id",
            "occasion": "'bench' || c.id::text",
            "due_on": f"current_date - CAST({_h(45, 'c.id')} % 365 AS integer)",
            "assignee_id": "c.owner_id",
            "status": f"CASE WHEN {_h(45, 'c.id')} % 365 < 7 THEN 'open' ELSE 'done' END",
            "outcome": f"CASE WHEN {_h(45, 'c.id')} % 365 < 7 THEN NULL "
            f"ELSE (CAST(:outcomes AS text[]))[1 + {_h(46, 'c.id')} % {len(OUTCOMES)}] END",
            "attempts": f"CASE WHEN {_h(45, 'c.id')} % 365 < 7 THEN 0 ELSE 1 END",
            "created_at": f"now() - make_interval(days => CAST({_h(45, 'c.id')} % 365 AS integer) + 1)",
            "updated_at": "now()",
        },
        f"FROM customers c WHERE c.org_id = :o AND {_h(47, 'c.id')} % 10 = 0",
        o=org_id,
        outcomes=list(OUTCOMES),
    )
    echo(
        f"  care: birthdays, service due dates, {counts['insurance_policies']} policies, "
        f"{counts['care_callbacks']} call-backs in {time.perf_counter() - step:.1f} s"
    )
    return counts


def generate_all(echo=click.echo, batch_size: int | None = None) -> dict[str, float]:
    """Run the generation for every store of the benchmark organisation; the figures."""
    from .. import tenancy
    from ..care.services import generation
    from ..extensions import db
    from ..tenancy import Organisation, Store

    with tenancy.system():
        org_id = db.session.execute(sa.select(Organisation.id).where(Organisation.code == ORG_CODE)).scalar_one()
        stores = list(
            db.session.execute(sa.select(Store.id).where(Store.org_id == org_id).order_by(Store.id)).scalars()
        )
        customers = db.session.execute(
            sa.text("SELECT count(*) FROM customers WHERE org_id = :o"), {"o": org_id}
        ).scalar()
        db.session.commit()
    started = time.perf_counter()
    created = 0
    by_rule: dict[str, int] = {}
    for store_id in stores:
        with tenancy.enter(store_id):
            counts = generation.generate(store_id, None, batch_size=batch_size, commit=True)
            db.session.commit()
        for rule, n in counts.items():
            if rule != "batches":
                by_rule[rule] = by_rule.get(rule, 0) + n
                created += n
    seconds = time.perf_counter() - started
    echo(f"  by rule: {', '.join(f'{k} {v}' for k, v in sorted(by_rule.items()))}")
    return {"stores": len(stores), "customers": customers, "created": created, "seconds": round(seconds, 1)}


@bench.command("care-callbacks")
@click.option("--database", default=DEFAULT_DATABASE, show_default=True, help="the loaded benchmark database")
@click.option("--batch-size", default=None, type=int, help="customers per batch (default: CARE_BATCH_SIZE)")
def care_callbacks_command(database: str, batch_size: int | None) -> None:
    """Time the call-back generation over every store of the benchmark data set, twice
    (the second run finds every task made and creates none)."""
    from ..extensions import db

    app = loaded_app(database)
    with app.app_context():
        for label in ("first run", "second run (idempotent)"):
            click.echo(f"Call-back generation, {label}:")
            figures = generate_all(batch_size=batch_size)
            rate = figures["customers"] / figures["seconds"] if figures["seconds"] else 0
            click.echo(
                f"  {figures['customers']} customers in {figures['stores']} stores: {figures['created']} tasks "
                f"in {figures['seconds']} s ({rate:,.0f} customers/s) on {dt.date.today().isoformat()}"
            )
        db.session.remove()
        db.engine.dispose()
