"""vehicle model new energy

A catalogue model can be a new-energy vehicle (新能源): its purchase tax is computed at the
store's reduced new-energy rate (sales settings). Existing models are not.

Revision ID: 5c1e7a9d2b40
Revises: 5c1d2e7a9b31
Create Date: 2026-12-01 08:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1e7a9d2b40'
down_revision = '5c1d2e7a9b31'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vehicle_models', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_new_energy', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('vehicle_models', schema=None) as batch_op:
        batch_op.drop_column('is_new_energy')
