"""the workshop board by state: its two partial indexes (store and organisation) lead with
the RO's state, so each state's column is a walk of its soonest promised ROs and the
states' counts come from the index alone (the board shows at most 40 ROs a state, 15 in the
roll-up, and counts them all; it showed the 300 soonest promised of any state and counted
only the cards it showed) (issue 16).

Revision ID: b3d5e8f1a2c4
Revises: 7b04b813e4bf
Create Date: 2026-12-03 09:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3d5e8f1a2c4'
down_revision = '7b04b813e4bf'
branch_labels = None
depends_on = None

BOARD_WHERE = "status IN ('open', 'in_progress', 'quality_check', 'ready')"
SCOPES = (('ix_repair_orders_store_board', 'store_id'), ('ix_repair_orders_org_board', 'org_id'))


def _rebuild(columns_after_scope, org_include):
    for name, scope in SCOPES:
        op.drop_index(name, table_name='repair_orders')
        op.create_index(
            name,
            'repair_orders',
            [scope, *columns_after_scope],
            unique=False,
            postgresql_where=sa.text(BOARD_WHERE),
            postgresql_include=org_include if scope == 'org_id' else [],
            sqlite_where=sa.text(BOARD_WHERE),
        )


def upgrade():
    # the organisation's carries store_id: the roll-up's stores are a condition too, and
    # the states' counts stay index-only
    _rebuild(['status', 'promised_at', 'id'], ['store_id'])


def downgrade():
    _rebuild(['promised_at', 'id'], [])
