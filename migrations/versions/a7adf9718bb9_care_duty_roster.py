"""care: the care agents' duty roster (a week pattern per agent, per-date exceptions)

Revision ID: a7adf9718bb9
Revises: 61cc9d925d4f
Create Date: 2026-12-01 16:21:18.725000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7adf9718bb9'
down_revision = '61cc9d925d4f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('care_duty_exceptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('on_duty', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_care_duty_exceptions_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_care_duty_exceptions_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_care_duty_exceptions_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_care_duty_exceptions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_duty_exceptions')),
    sa.UniqueConstraint('store_id', 'user_id', 'day', name='uq_care_duty_exceptions_store_user_day')
    )
    with op.batch_alter_table('care_duty_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_duty_exceptions_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_care_duty_exceptions_store_day', ['store_id', 'day', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_duty_exceptions_store_id'), ['store_id'], unique=False)

    op.create_table('care_duty_weeks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_care_duty_weeks_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_care_duty_weeks_store_id_stores')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_care_duty_weeks_updated_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_care_duty_weeks_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_duty_weeks')),
    sa.UniqueConstraint('store_id', 'user_id', name='uq_care_duty_weeks_store_user')
    )
    with op.batch_alter_table('care_duty_weeks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_duty_weeks_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_duty_weeks_store_id'), ['store_id'], unique=False)



def downgrade():
    with op.batch_alter_table('care_duty_weeks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_duty_weeks_store_id'))
        batch_op.drop_index(batch_op.f('ix_care_duty_weeks_org_id'))

    op.drop_table('care_duty_weeks')
    with op.batch_alter_table('care_duty_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_duty_exceptions_store_id'))
        batch_op.drop_index('ix_care_duty_exceptions_store_day')
        batch_op.drop_index(batch_op.f('ix_care_duty_exceptions_org_id'))

    op.drop_table('care_duty_exceptions')
