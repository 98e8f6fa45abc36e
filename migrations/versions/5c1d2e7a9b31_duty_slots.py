"""duty slots: the day's consultant rotation (顾问轮岗) of the reception queue

Revision ID: 5c1d2e7a9b31
Revises: 5c1e7a9d3b20
Create Date: 2026-12-01 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1d2e7a9b31'
down_revision = '5c1e7a9d3b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('duty_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_duty_slots_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_duty_slots_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_duty_slots_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_duty_slots_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_slots')),
    sa.UniqueConstraint('store_id', 'day', 'user_id', name='uq_duty_slots_store_day_user')
    )
    with op.batch_alter_table('duty_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_slots_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_duty_slots_store_day_position', ['store_id', 'day', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_duty_slots_store_id'), ['store_id'], unique=False)


def downgrade():
    with op.batch_alter_table('duty_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_slots_store_id'))
        batch_op.drop_index('ix_duty_slots_store_day_position')
        batch_op.drop_index(batch_op.f('ix_duty_slots_org_id'))

    op.drop_table('duty_slots')
