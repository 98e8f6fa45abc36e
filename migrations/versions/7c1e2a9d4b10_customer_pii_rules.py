"""customer information rules: soft delete, opens counted per hour, frozen accounts

Customers get ``deleted_at``/``deleted_by_id``/``delete_reason`` (soft delete, restorable
for 30 days) and ``purged_at`` (anonymised by the purge); the unique mobile per store becomes
a partial unique index over live customers, so a deleted customer's number can be reused.
``customer_opens`` counts customer 360 opens per user per rolling hour; users get
``frozen_at``/``frozen_reason``.

Revision ID: 7c1e2a9d4b10
Revises: 5c1e7a9d2b40
Create Date: 2026-12-01 08:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c1e2a9d4b10'
down_revision = '5c1e7a9d2b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('frozen_reason', sa.String(length=200), nullable=True))

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delete_reason', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_customers_deleted_by_id_users'), 'users', ['deleted_by_id'], ['id']
        )
        batch_op.drop_constraint('uq_customers_store_mobile', type_='unique')
        batch_op.create_index('ix_customers_store_deleted', ['store_id', 'deleted_at'], unique=False)
    op.create_index(
        'uq_customers_store_mobile',
        'customers',
        ['store_id', 'mobile'],
        unique=True,
        postgresql_where=sa.text('deleted_at IS NULL'),
        sqlite_where=sa.text('deleted_at IS NULL'),
    )

    op.create_table(
        'customer_opens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['customer_id'], ['customers.id'], name=op.f('fk_customer_opens_customer_id_customers'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_customer_opens_org_id_organisations')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_customer_opens_store_id_stores')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_customer_opens_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_opens')),
    )
    with op.batch_alter_table('customer_opens', schema=None) as batch_op:
        batch_op.create_index('ix_customer_opens_user_at', ['user_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_opens_customer_id'), ['customer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('customer_opens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_opens_customer_id'))
        batch_op.drop_index('ix_customer_opens_user_at')
    op.drop_table('customer_opens')

    op.drop_index('uq_customers_store_mobile', table_name='customers')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_store_deleted')
        batch_op.create_unique_constraint('uq_customers_store_mobile', ['store_id', 'mobile'])
        batch_op.drop_constraint(batch_op.f('fk_customers_deleted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('purged_at')
        batch_op.drop_column('delete_reason')
        batch_op.drop_column('deleted_by_id')
        batch_op.drop_column('deleted_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('frozen_reason')
        batch_op.drop_column('frozen_at')
