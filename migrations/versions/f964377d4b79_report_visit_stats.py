"""reports at group scale (issue 18): the funnel's visits summarised per store and
store-local day (report_visit_stats: a customer once per day, in total and per source,
consultant and model, for the days before the summary's cut-off day; rebuilt hourly by
reports.refresh_visit_stats).

Revision ID: f964377d4b79
Revises: 827255df85e2
Create Date: 2026-12-01 19:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f964377d4b79"
down_revision = "827255df85e2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_visit_stats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("model_id", sa.Integer(), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["vehicle_models.id"], name=op.f("fk_report_visit_stats_model_id_vehicle_models")
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_report_visit_stats_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["users.id"], name=op.f("fk_report_visit_stats_person_id_users")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_report_visit_stats_store_id_stores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_visit_stats")),
    )
    with op.batch_alter_table("report_visit_stats", schema=None) as batch_op:
        batch_op.create_index("ix_report_visit_stats_store_kind_day", ["store_id", "kind", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_visit_stats_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_visit_stats_store_id"), ["store_id"], unique=False)


def downgrade():
    with op.batch_alter_table("report_visit_stats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_visit_stats_store_id"))
        batch_op.drop_index(batch_op.f("ix_report_visit_stats_org_id"))
        batch_op.drop_index("ix_report_visit_stats_store_kind_day")
    op.drop_table("report_visit_stats")
