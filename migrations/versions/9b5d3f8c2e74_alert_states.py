"""alert states

The kept state (low / recovered) of every stock alert subject, so an alert fires once per
crossing.

Revision ID: 9b5d3f8c2e74
Revises: 9a4c2e7b1d63
Create Date: 2026-12-01 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b5d3f8c2e74'
down_revision = '9a4c2e7b1d63'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alert_states',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('subject_key', sa.String(length=60), nullable=False),
        sa.Column('is_low', sa.Boolean(), nullable=False),
        sa.Column('crossed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recovered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('crossings', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_alert_states_org_id_organisations')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_alert_states_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_states')),
        sa.UniqueConstraint('store_id', 'kind', 'subject_key', name='uq_alert_states_store_kind_subject'),
    )
    with op.batch_alter_table('alert_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_states_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_states_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_alert_states_store_kind_low', ['store_id', 'kind', 'is_low'], unique=False)


def downgrade():
    with op.batch_alter_table('alert_states', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_states_store_kind_low')
        batch_op.drop_index(batch_op.f('ix_alert_states_store_id'))
        batch_op.drop_index(batch_op.f('ix_alert_states_org_id'))
    op.drop_table('alert_states')
