"""care: call-back tasks and their attempts

Revision ID: ab98d6d34abc
Revises: 1511086f6be5
Create Date: 2026-12-01 10:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "ab98d6d34abc"
down_revision = '1511086f6be5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "care_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("occasion", sa.String(length=60), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("call_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_care_callbacks_assignee_id_users")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_care_callbacks_closed_by_id_users")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_care_callbacks_customer_id_customers")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f("fk_care_callbacks_org_id_organisations")),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_care_callbacks_store_id_stores")),
        sa.ForeignKeyConstraint(
            ["vehicle_id"], ["customer_vehicles.id"], name=op.f("fk_care_callbacks_vehicle_id_customer_vehicles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_callbacks")),
        sa.UniqueConstraint("store_id", "rule", "customer_id", "occasion", name="uq_care_callbacks_key"),
    )
    with op.batch_alter_table("care_callbacks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_callbacks_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_callbacks_store_id"), ["store_id"], unique=False)
        batch_op.create_index("ix_care_callbacks_store_status_due", ["store_id", "status", "due_on", "id"], unique=False)
        batch_op.create_index(
            "ix_care_callbacks_store_assignee_status_due", ["store_id", "assignee_id", "status", "due_on", "id"], unique=False
        )
        batch_op.create_index(
            "ix_care_callbacks_store_rule_status_due", ["store_id", "rule", "status", "due_on", "id"], unique=False
        )
        batch_op.create_index("ix_care_callbacks_store_due", ["store_id", "due_on"], unique=False)
        batch_op.create_index(
            "ix_care_callbacks_store_customer_created", ["store_id", "customer_id", "created_at"], unique=False
        )

    op.create_table(
        "care_callback_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_care_callback_attempts_by_id_users")),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_care_callback_attempts_org_id_organisations")
        ),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f("fk_care_callback_attempts_store_id_stores")),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["care_callbacks.id"],
            name=op.f("fk_care_callback_attempts_task_id_care_callbacks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_callback_attempts")),
    )
    with op.batch_alter_table("care_callback_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_callback_attempts_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_care_callback_attempts_store_id"), ["store_id"], unique=False)
        batch_op.create_index("ix_care_callback_attempts_store_task", ["store_id", "task_id"], unique=False)


def downgrade():
    with op.batch_alter_table("care_callback_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_care_callback_attempts_store_task")
        batch_op.drop_index(batch_op.f("ix_care_callback_attempts_store_id"))
        batch_op.drop_index(batch_op.f("ix_care_callback_attempts_org_id"))
    op.drop_table("care_callback_attempts")
    with op.batch_alter_table("care_callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_care_callbacks_store_customer_created")
        batch_op.drop_index("ix_care_callbacks_store_due")
        batch_op.drop_index("ix_care_callbacks_store_rule_status_due")
        batch_op.drop_index("ix_care_callbacks_store_assignee_status_due")
        batch_op.drop_index("ix_care_callbacks_store_status_due")
        batch_op.drop_index(batch_op.f("ix_care_callbacks_store_id"))
        batch_op.drop_index(batch_op.f("ix_care_callbacks_org_id"))
    op.drop_table("care_callbacks")
