"""Benchmark data and the survey dispatch benchmark of the surveys and complaints modules.

- :func:`load` (called by ``bench load``): one complaint per 40 customers (every state, grade
  and category), so the complaint list page has a store's worth of rows.
- ``flask bench surveys``: 100 000 survey invitations due now (one ``INSERT ... SELECT`` from
  the customers of the benchmark group), then the dispatch's send step store by store, in
  batches of the per-minute throttle's size but without waiting for the minute: every
  message signed, built and queued through ``queue_many`` (set-based) to the development
  sender's outbox. Prints the figure (target: under 5 minutes).
"""

from __future__ import annotations

import time
from typing import Any

import click
import sqlalchemy as sa

from . import bench
from . import data as bench_data  # data imports this module: names are read at call time

STATES = ("received", "accepted", "investigating", "resolved", "closed", "closed", "rejected", "investigating")


def load(connection, org_id: int, echo) -> dict[str, int]:
    """Complaints of the benchmark group, set-based (one per 40 customers)."""
    from ..complaints.models import CATEGORIES, PROBLEM_TYPES, Complaint

    started = time.perf_counter()
    categories, problems = list(CATEGORIES), list(PROBLEM_TYPES)
    count = bench_data.insert_select(
        connection,
        Complaint.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "number": "'TS-' || to_char(c.created_at, 'YYYYMMDD') || '-' || lpad(c.id::text, 8, '0')",
            "kind": f"(ARRAY['complaint','complaint','complaint','enquiry','feedback'])[1 + {bench_data._h(40, 'c.id')} % 5]",
            "channel": f"(ARRAY['phone','visit','survey','web','email'])[1 + {bench_data._h(41, 'c.id')} % 5]",
            "customer_id": "c.id",
            "contact_name": "c.name",
            "phone": "c.mobile",
            "subject": "'服务投诉 ' || c.id::text",
            "category": f"(CAST(:categories AS text[]))[1 + {bench_data._h(42, 'c.id')} % {len(categories)}]",
            "problem_type": f"(CAST(:problems AS text[]))[1 + {bench_data._h(43, 'c.id')} % {len(problems)}]",
            "grade": f"(ARRAY['A','B','C'])[1 + {bench_data._h(44, 'c.id')} % 3]",
            "status": f"(CAST(:states AS text[]))[1 + {bench_data._h(45, 'c.id')} % {len(STATES)}]",
            "owner_id": "c.owner_id",
            "received_at": f"now() - make_interval(secs => {bench_data._h(46, 'c.id')} % (365 * 86400))",
            "created_at": "now()",
        },
        f"FROM customers c WHERE c.org_id = :o AND {bench_data._h(47, 'c.id')} % 40 = 0",
        o=org_id,
        categories=categories,
        problems=problems,
        states=list(STATES),
    )
    echo(f"  {count} complaints (INSERT ... SELECT) in {time.perf_counter() - started:.1f} s")
    return {"complaints": count}


def dispatch_benchmark(total: int, echo=click.echo) -> dict[str, Any]:
    """Make ``total`` invitations due in the benchmark group and send them all; returns the
    figures. Runs in the current app's database (the benchmark's)."""
    from .. import tenancy
    from ..extensions import db
    from ..surveys.models import SurveyInvitation, SurveyTemplate
    from ..surveys.services import dispatch
    from ..surveys.services.templates import seed_starter_templates
    from ..tenancy import Organisation, Store

    with tenancy.system():
        org = db.session.execute(
            sa.select(Organisation).where(Organisation.code == bench_data.ORG_CODE)
        ).scalar_one_or_none()
        if org is None:
            raise click.ClickException("no benchmark group: run flask bench load first")
        stores = list(
            db.session.execute(sa.select(Store.id).where(Store.org_id == org.id).order_by(Store.id)).scalars()
        )
    with tenancy.enter(stores[0]):
        seed_starter_templates()
        template = db.session.execute(sa.select(SurveyTemplate).where(SurveyTemplate.code == "NPS")).scalar_one()
        template_id = template.id
        db.session.commit()
    started = time.perf_counter()
    connection = db.session.connection()
    made = bench_data.insert_select(
        connection,
        SurveyInvitation.__table__,
        {
            "org_id": "c.org_id",
            "store_id": "c.store_id",
            "template_id": ":t",
            "occasion": "'bench:' || c.id::text || ':' || :run",
            "customer_id": "c.id",
            "due_at": "now() - interval '1 minute'",
        },
        "FROM (SELECT id, org_id, store_id FROM customers WHERE org_id = :o ORDER BY id LIMIT :n) c",
        o=org.id,
        t=template_id,
        n=total,
        run=str(int(time.time())),
    )
    db.session.commit()
    created_s = time.perf_counter() - started
    echo(f"  {made} invitations due (INSERT ... SELECT) in {created_s:.1f} s")
    counts: dict[str, int] = {}
    send_started = time.perf_counter()
    for store_id in stores:
        with tenancy.enter(store_id):
            while True:
                result = dispatch.send_due(limit=5000)
                db.session.commit()
                for key, value in result.items():
                    counts[key] = counts.get(key, 0) + int(value)
                if not result["due"]:
                    break
    send_s = time.perf_counter() - send_started
    total_s = time.perf_counter() - started
    echo(f"  {counts.get('sent', 0)} messages queued ({counts}) in {send_s:.1f} s; total {total_s:.1f} s")
    return {"invitations": made, "seconds": round(total_s, 1), "send_seconds": round(send_s, 1), **counts}


@bench.command("surveys")
@click.option("--database", default="dealer_bench", show_default=True, help="the benchmark database (bench load)")
@click.option("--total", default=100_000, show_default=True, help="survey messages to send")
def surveys_command(database: str, total: int) -> None:
    """Send TOTAL survey messages to the development sender (the benchmark group's customers)."""
    from .common import loaded_app

    app = loaded_app(database, MESSAGE_SENDER="dev")
    with app.app_context():
        figures = dispatch_benchmark(total)
    click.echo(f"{figures['sent'] if 'sent' in figures else 0} survey messages in {figures['seconds']} s")
