"""marketing: message templates, campaigns and their sign-ups, bulk sends

Revision ID: faa0b964b511
Revises: 73d92b8178e1
Create Date: 2026-12-01 10:17:23.383356

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'faa0b964b511'
down_revision = '73d92b8178e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme', sa.String(length=120), nullable=False),
    sa.Column('place', sa.String(length=120), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('segment', sa.JSON(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attribution_days', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_campaigns_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_campaigns_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_campaigns_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_campaigns_store_starts', ['store_id', 'starts_at', 'id'], unique=False)
        batch_op.create_index('ix_campaigns_store_status_starts', ['store_id', 'status', 'starts_at', 'id'], unique=False)

    op.create_table('message_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('occasion', sa.String(length=24), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_message_templates_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_message_templates_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_templates')),
    sa.UniqueConstraint('store_id', 'code', name='uq_message_templates_store_code')
    )
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_templates_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_templates_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_message_templates_store_occasion', ['store_id', 'occasion', 'is_active'], unique=False)

    op.create_table('bulk_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('deferred', sa.Integer(), nullable=False),
    sa.Column('suppressed', sa.Integer(), nullable=False),
    sa.Column('existing', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_bulk_sends_campaign_id_campaigns'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_bulk_sends_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_bulk_sends_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_bulk_sends_store_id_stores')),
    sa.ForeignKeyConstraint(['template_id'], ['message_templates.id'], name=op.f('fk_bulk_sends_template_id_message_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulk_sends'))
    )
    with op.batch_alter_table('bulk_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bulk_sends_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_bulk_sends_store_created', ['store_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bulk_sends_store_id'), ['store_id'], unique=False)

    op.create_table('campaign_signups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('party_size', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_signups_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['card_id'], ['follow_up_cards.id'], name=op.f('fk_campaign_signups_card_id_follow_up_cards'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'], name=op.f('fk_campaign_signups_checked_in_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_campaign_signups_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_campaign_signups_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_campaign_signups_store_id_stores')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_campaign_signups_visit_id_visits'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_signups')),
    sa.UniqueConstraint('store_id', 'campaign_id', 'mobile', name='uq_campaign_signups_store_campaign_mobile')
    )
    with op.batch_alter_table('campaign_signups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_signups_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_campaign_signups_store_campaign_at', ['store_id', 'campaign_id', 'signed_up_at', 'id'], unique=False)
        batch_op.create_index('ix_campaign_signups_store_customer', ['store_id', 'customer_id', 'signed_up_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_signups_store_id'), ['store_id'], unique=False)



def downgrade():
    with op.batch_alter_table('campaign_signups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_signups_store_id'))
        batch_op.drop_index('ix_campaign_signups_store_customer')
        batch_op.drop_index('ix_campaign_signups_store_campaign_at')
        batch_op.drop_index(batch_op.f('ix_campaign_signups_org_id'))

    op.drop_table('campaign_signups')
    with op.batch_alter_table('bulk_sends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bulk_sends_store_id'))
        batch_op.drop_index('ix_bulk_sends_store_created')
        batch_op.drop_index(batch_op.f('ix_bulk_sends_org_id'))

    op.drop_table('bulk_sends')
    with op.batch_alter_table('message_templates', schema=None) as batch_op:
        batch_op.drop_index('ix_message_templates_store_occasion')
        batch_op.drop_index(batch_op.f('ix_message_templates_store_id'))
        batch_op.drop_index(batch_op.f('ix_message_templates_org_id'))

    op.drop_table('message_templates')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_campaigns_store_status_starts')
        batch_op.drop_index('ix_campaigns_store_starts')
        batch_op.drop_index(batch_op.f('ix_campaigns_store_id'))
        batch_op.drop_index(batch_op.f('ix_campaigns_org_id'))

    op.drop_table('campaigns')
