"""service: walk-around photos of a repair order, extra work proposed to the customer, and
the index of the RO list (newest first over every state)

Revision ID: 1511086f6be5
Revises: 89826c8bf65e
Create Date: 2026-12-01 10:10:00.000000

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "1511086f6be5"
down_revision = '89826c8bf65e'
branch_labels = None
depends_on = None


def _tenant_columns(table: str) -> list:
    return [
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], name=op.f(f"fk_{table}_store_id_stores")),
        sa.ForeignKeyConstraint(["org_id"], ["organisations.id"], name=op.f(f"fk_{table}_org_id_organisations")),
    ]


def upgrade():
    with op.batch_alter_table("repair_orders", schema=None) as batch_op:
        batch_op.create_index("ix_repair_orders_store_opened", ["store_id", "opened_at", "id"], unique=False)
    op.create_table(
        "repair_order_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repair_order_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant_columns("repair_order_photos"),
        sa.ForeignKeyConstraint(
            ["repair_order_id"], ["repair_orders.id"], name=op.f("fk_repair_order_photos_repair_order_id_repair_orders")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_repair_order_photos_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_order_photos")),
        sa.UniqueConstraint("file_name", name=op.f("uq_repair_order_photos_file_name")),
    )
    with op.batch_alter_table("repair_order_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_order_photos_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_order_photos_store_id"), ["store_id"], unique=False)
        batch_op.create_index("ix_repair_order_photos_store_order", ["store_id", "repair_order_id"], unique=False)

    op.create_table(
        "repair_order_proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repair_order_id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("rate", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_ip", sa.String(length=64), nullable=False),
        sa.Column("line_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_tenant_columns("repair_order_proposals"),
        sa.ForeignKeyConstraint(
            ["repair_order_id"],
            ["repair_orders.id"],
            name=op.f("fk_repair_order_proposals_repair_order_id_repair_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["labour_operations.id"],
            name=op.f("fk_repair_order_proposals_operation_id_labour_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_repair_order_proposals_proposed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["line_id"], ["repair_order_lines.id"], name=op.f("fk_repair_order_proposals_line_id_repair_order_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repair_order_proposals")),
    )
    with op.batch_alter_table("repair_order_proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_order_proposals_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_order_proposals_store_id"), ["store_id"], unique=False)
        batch_op.create_index("ix_repair_order_proposals_store_order", ["store_id", "repair_order_id"], unique=False)


def downgrade():
    with op.batch_alter_table("repair_order_proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_order_proposals_store_order")
        batch_op.drop_index(batch_op.f("ix_repair_order_proposals_store_id"))
        batch_op.drop_index(batch_op.f("ix_repair_order_proposals_org_id"))
    op.drop_table("repair_order_proposals")
    with op.batch_alter_table("repair_order_photos", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_order_photos_store_order")
        batch_op.drop_index(batch_op.f("ix_repair_order_photos_store_id"))
        batch_op.drop_index(batch_op.f("ix_repair_order_photos_org_id"))
    op.drop_table("repair_order_photos")
    with op.batch_alter_table("repair_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_repair_orders_store_opened")
