"""reports: monthly sales targets per consultant; cards and test drives by creation time

The reports attribute a follow-up card and a test drive to the period of its creation, so
both get a (store_id, created_at) index like the visits and orders already have.

Revision ID: 7c1e5a2b9d40
Revises: 7c1e2a9d4b10
Create Date: 2026-12-01 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e5a2b9d40'
down_revision = '7c1e2a9d4b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sales_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('deliveries', sa.Integer(), nullable=False),
    sa.Column('gross_margin', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultant_id'], ['users.id'], name=op.f('fk_sales_targets_consultant_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sales_targets_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_sales_targets_store_id_stores')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_sales_targets_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_targets')),
    sa.UniqueConstraint('store_id', 'consultant_id', 'month', name='uq_sales_targets_store_consultant_month')
    )
    with op.batch_alter_table('sales_targets', schema=None) as batch_op:
        batch_op.create_index('ix_sales_targets_store_month', ['store_id', 'month'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_targets_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_targets_store_id'), ['store_id'], unique=False)
    with op.batch_alter_table('follow_up_cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_store_created', ['store_id', 'created_at'], unique=False)
    with op.batch_alter_table('test_drives', schema=None) as batch_op:
        batch_op.create_index('ix_test_drives_store_created', ['store_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('test_drives', schema=None) as batch_op:
        batch_op.drop_index('ix_test_drives_store_created')
    with op.batch_alter_table('follow_up_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_cards_store_created')
    with op.batch_alter_table('sales_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_targets_store_id'))
        batch_op.drop_index(batch_op.f('ix_sales_targets_org_id'))
        batch_op.drop_index('ix_sales_targets_store_month')
    op.drop_table('sales_targets')
