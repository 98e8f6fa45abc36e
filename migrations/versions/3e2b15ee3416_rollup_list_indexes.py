"""roll-up list indexes: the group roll-up's repair order list (newest first) and its low
and over stock lists walk an organisation-wide index in order instead of sorting every
store's rows (the RO list sorted 3 600 000 rows on disk: 7 s on the benchmark data; the low
stock page 0.2-0.7 s a list). ``IF NOT EXISTS``: the benchmark database got them by hand
before this revision (issue 16).

Revision ID: 3e2b15ee3416
Revises: 5f3836adf1b1
Create Date: 2026-12-01 13:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3e2b15ee3416'
down_revision = '5f3836adf1b1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_repair_orders_org_opened', 'repair_orders', ['org_id', 'opened_at', 'id'], unique=False, if_not_exists=True)
    op.create_index('ix_part_stocks_org_low', 'part_stocks', ['org_id', 'is_low', 'part_id', 'id'], unique=False, if_not_exists=True)
    op.create_index('ix_part_stocks_org_over', 'part_stocks', ['org_id', 'is_over', 'part_id'], unique=False, if_not_exists=True)
    op.create_index('ix_part_stocks_org_moved', 'part_stocks', ['org_id', 'last_moved_at'], unique=False, if_not_exists=True)


def downgrade():
    op.drop_index('ix_part_stocks_org_moved', table_name='part_stocks')
    op.drop_index('ix_part_stocks_org_over', table_name='part_stocks')
    op.drop_index('ix_part_stocks_org_low', table_name='part_stocks')
    op.drop_index('ix_repair_orders_org_opened', table_name='repair_orders')
