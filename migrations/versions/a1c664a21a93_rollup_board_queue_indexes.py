"""roll-up board, day, complaints and care queue indexes: the group roll-up's workshop
board, appointment day, complaints list and call-back queue walk an organisation-wide
index in order instead of reading and sorting every store's rows (the complaints list read
30 000 complaints and their customers for 26 rows: 330 ms on the benchmark data), the board
walks a partial index of the ROs still in the workshop (store or group) in promised order,
and its technicians come from the lines of 300 ROs by ``(org_id, repair_order_id)``
(70 ms: 256 probes of the technician index before). ``IF NOT EXISTS``: the benchmark
database got them by hand (``CREATE INDEX CONCURRENTLY``) before this revision (issue 16).

Revision ID: a1c664a21a93
Revises: a7adf9718bb9
Create Date: 2026-12-01 16:20:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1c664a21a93'
down_revision = 'a7adf9718bb9'
branch_labels = None
depends_on = None

BOARD_WHERE = "status IN ('open', 'in_progress', 'quality_check', 'ready')"


def upgrade():
    op.create_index('ix_repair_orders_store_board', 'repair_orders', ['store_id', 'promised_at', 'id'], unique=False, if_not_exists=True, postgresql_where=sa.text(BOARD_WHERE), sqlite_where=sa.text(BOARD_WHERE))
    op.create_index('ix_repair_orders_org_board', 'repair_orders', ['org_id', 'promised_at', 'id'], unique=False, if_not_exists=True, postgresql_where=sa.text(BOARD_WHERE), sqlite_where=sa.text(BOARD_WHERE))
    op.create_index('ix_repair_order_lines_org_order', 'repair_order_lines', ['org_id', 'repair_order_id'], unique=False, if_not_exists=True)
    op.create_index('ix_service_appointments_org_starts', 'service_appointments', ['org_id', 'starts_at', 'id'], unique=False, if_not_exists=True)
    op.create_index('ix_complaints_org_received', 'complaints', ['org_id', 'received_at', 'id'], unique=False, if_not_exists=True)
    op.create_index('ix_complaints_org_status_received', 'complaints', ['org_id', 'status', 'received_at', 'id'], unique=False, if_not_exists=True)
    op.create_index('ix_care_callbacks_org_status_due', 'care_callbacks', ['org_id', 'status', 'due_on', 'id'], unique=False, if_not_exists=True)


def downgrade():
    op.drop_index('ix_care_callbacks_org_status_due', table_name='care_callbacks')
    op.drop_index('ix_complaints_org_status_received', table_name='complaints')
    op.drop_index('ix_complaints_org_received', table_name='complaints')
    op.drop_index('ix_service_appointments_org_starts', table_name='service_appointments')
    op.drop_index('ix_repair_order_lines_org_order', table_name='repair_order_lines')
    op.drop_index('ix_repair_orders_org_board', table_name='repair_orders')
    op.drop_index('ix_repair_orders_store_board', table_name='repair_orders')
