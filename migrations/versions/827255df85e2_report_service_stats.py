"""reports at group scale (issue 18): the service figures' monthly summary
(report_service_stats: per store and month of opening, the ROs settled before its cut-off
and their totals; rebuilt hourly by reports.refresh_service_stats) and
``ix_repair_orders_store_settled``, through which its readers add live the ROs settled since
the cut-off (a few per store and hour). ``IF NOT EXISTS`` on the index: the shared benchmark
database got it with ``CREATE INDEX CONCURRENTLY`` before this revision.

Revision ID: 827255df85e2
Revises: a1c664a21a93
Create Date: 2026-12-01 16:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "827255df85e2"
down_revision = 'a1c664a21a93'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_service_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("ros", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_report_service_stats_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_report_service_stats_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_service_stats")),
    )
    with op.batch_alter_table("report_service_stats", schema=None) as batch_op:
        batch_op.create_index("ix_report_service_stats_store_kind_month", ["store_id", "kind", "month"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_service_stats_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_service_stats_store_id"), ["store_id"], unique=False)
    op.create_index(
        "ix_repair_orders_store_settled", "repair_orders", ["store_id", "settled_at"], unique=False, if_not_exists=True
    )


def downgrade():
    op.drop_index("ix_repair_orders_store_settled", table_name="repair_orders")
    with op.batch_alter_table("report_service_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_service_stats_store_id"))
        batch_op.drop_index(batch_op.f("ix_report_service_stats_org_id"))
        batch_op.drop_index("ix_report_service_stats_store_kind_month")
    op.drop_table("report_service_stats")
