"""reports: the customers report's summary rows (report_customer_stats)

Revision ID: 5f3836adf1b1
Revises: 37cfcff5998d
Create Date: 2026-12-01 13:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5f3836adf1b1"
down_revision = "37cfcff5998d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_customer_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("m", sa.Integer(), nullable=False),
        sa.Column("v", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_report_customer_stats_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["users.id"], name=op.f("fk_report_customer_stats_person_id_users")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_report_customer_stats_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_customer_stats")),
    )
    with op.batch_alter_table("report_customer_stats", schema=None) as batch_op:
        batch_op.create_index("ix_report_customer_stats_store_kind_day", ["store_id", "kind", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_customer_stats_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_customer_stats_store_id"), ["store_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_customer_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_customer_stats_store_id"))
        batch_op.drop_index(batch_op.f("ix_report_customer_stats_org_id"))
        batch_op.drop_index("ix_report_customer_stats_store_kind_day")
    op.drop_table("report_customer_stats")
