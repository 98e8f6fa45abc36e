"""notifications and message policy

The in-app notification inbox; customers' consent to service and to marketing messages;
outbound messages get a purpose and a not-before time (quiet hours, throttle).

Revision ID: 9a4c2e7b1d63
Revises: 8d3f0a6c2e11
Create Date: 2026-12-01 10:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a4c2e7b1d63'
down_revision = '8d3f0a6c2e11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=60), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=False),
        sa.Column('key', sa.String(length=160), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_notifications_org_id_organisations')),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_notifications_store_id_stores')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'key', name='uq_notifications_user_key'),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'store_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(
            'ix_notifications_user_unread',
            ['user_id', 'store_id'],
            unique=False,
            postgresql_where=sa.text('read_at IS NULL'),
            sqlite_where=sa.text('read_at IS NULL'),
        )

    op.create_table(
        'customer_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=15), nullable=False),
        sa.Column('granted', sa.Boolean(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('store_id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_consents_customer_id_customers'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_customer_consents_org_id_organisations')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_customer_consents_recorded_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_customer_consents_store_id_stores')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_consents')),
        sa.UniqueConstraint('customer_id', 'purpose', name='uq_customer_consents_customer_purpose'),
    )
    with op.batch_alter_table('customer_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_consents_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_consents_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_customer_consents_store_purpose', ['store_id', 'purpose', 'granted', 'customer_id'], unique=False)

    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=15), server_default='transactional', nullable=False))
        batch_op.add_column(sa.Column('not_before', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            'ix_outbound_messages_store_due',
            ['store_id', 'not_before', 'id'],
            unique=False,
            postgresql_where=sa.text("status = 'deferred'"),
            sqlite_where=sa.text("status = 'deferred'"),
        )


def downgrade():
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_messages_store_due', postgresql_where=sa.text("status = 'deferred'"), sqlite_where=sa.text("status = 'deferred'"))
        batch_op.drop_column('not_before')
        batch_op.drop_column('purpose')
    with op.batch_alter_table('customer_consents', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_consents_store_purpose')
        batch_op.drop_index(batch_op.f('ix_customer_consents_store_id'))
        batch_op.drop_index(batch_op.f('ix_customer_consents_org_id'))
    op.drop_table('customer_consents')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_unread', postgresql_where=sa.text('read_at IS NULL'), sqlite_where=sa.text('read_at IS NULL'))
        batch_op.drop_index('ix_notifications_user_created')
        batch_op.drop_index(batch_op.f('ix_notifications_store_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_org_id'))
    op.drop_table('notifications')
