"""initial schema

The whole schema of the first release. Reviewed by hand after autogenerate: the
PostgreSQL trigram extension comes first (the name/mobile/plate/VIN search indexes need
it), encrypted columns are plain Text in the database, and the follow_up_cards ->
sales_orders foreign key (the two tables point at each other) is added once both exist.

Revision ID: 40153afb9588
Revises: 
Create Date: 2026-11-23 10:32:48.586716

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '40153afb9588'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_ip_at', ['ip', 'at'], unique=False)
        batch_op.create_index('ix_login_attempts_username_at', ['username', 'at'], unique=False)

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('code', name=op.f('uq_organisations_code'))
    )
    op.create_table('roles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('is_group_role', sa.Boolean(), nullable=False),
    sa.Column('is_builtin', sa.Boolean(), nullable=False),
    sa.Column('permissions', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_roles_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roles')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_roles_org_id_code'))
    )
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roles_org_id'), ['org_id'], unique=False)

    op.create_table('stores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('city', sa.String(length=60), nullable=False),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.Column('brands', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stores_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_stores_org_id_code'))
    )
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stores_org_id'), ['org_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('is_platform_admin', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_users_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_org_id'), ['org_id'], unique=False)

    op.create_table('vehicle_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('brand', sa.String(length=40), nullable=False),
    sa.Column('series', sa.String(length=60), nullable=False),
    sa.Column('trim', sa.String(length=80), nullable=False),
    sa.Column('model_year', sa.Integer(), nullable=True),
    sa.Column('list_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('colours', sa.String(length=300), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_vehicle_models_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_models')),
    sa.UniqueConstraint('org_id', 'code', name=op.f('uq_vehicle_models_org_id_code'))
    )
    with op.batch_alter_table('vehicle_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_models_org_id'), ['org_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_audit_log_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_audit_log_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_entity', ['entity', 'entity_id'], unique=False)
        batch_op.create_index('ix_audit_log_org_at', ['org_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_log_store_at', ['store_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_user_id'), ['user_id'], unique=False)

    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('name_pinyin', sa.String(length=240), nullable=False),
    sa.Column('name_initials', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('mobile_last4', sa.String(length=4), nullable=True),
    sa.Column('other_phones', sa.String(length=200), nullable=False),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('id_number', sa.Text(), nullable=True),
    sa.Column('email', sa.String(length=120), nullable=False),
    sa.Column('wechat', sa.String(length=60), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_customers_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_customers_org_id_organisations')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_customers_owner_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_customers_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('store_id', 'mobile', name='uq_customers_store_mobile')
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_mobile', ['mobile'], unique=False)
        batch_op.create_index('ix_customers_mobile_trgm', ['mobile'], unique=False, postgresql_using='gin', postgresql_ops={'mobile': 'gin_trgm_ops'})
        batch_op.create_index('ix_customers_name_trgm', ['name'], unique=False, postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
        batch_op.create_index('ix_customers_org_created', ['org_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_customers_org_initials', ['org_id', 'name_initials'], unique=False)
        batch_op.create_index('ix_customers_org_last4', ['org_id', 'mobile_last4'], unique=False)
        batch_op.create_index('ix_customers_org_name_pinyin', ['org_id', 'name_pinyin', 'id'], unique=False)
        batch_op.create_index('ix_customers_store_created', ['store_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customers_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_customers_store_initials', ['store_id', 'name_initials'], unique=False)
        batch_op.create_index('ix_customers_store_last4', ['store_id', 'mobile_last4'], unique=False)
        batch_op.create_index('ix_customers_store_level_created', ['store_id', 'level', 'created_at'], unique=False)
        batch_op.create_index('ix_customers_store_name_pinyin', ['store_id', 'name_pinyin', 'id'], unique=False)
        batch_op.create_index('ix_customers_store_owner_created', ['store_id', 'owner_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_customers_store_source_created', ['store_id', 'source', 'created_at'], unique=False)
        batch_op.create_index('ix_customers_store_updated', ['store_id', 'updated_at', 'id'], unique=False)

    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('period', sa.String(length=40), nullable=False),
    sa.Column('job_id', sa.String(length=200), nullable=False),
    sa.Column('queue', sa.String(length=20), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('arguments', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_job_runs_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_job_runs_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_id', ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_runs_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_job_runs_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_job_runs_store_kind_started', ['store_id', 'kind', 'started_at', 'id'], unique=False)
        batch_op.create_index('ix_job_runs_store_outcome_started', ['store_id', 'outcome', 'started_at', 'id'], unique=False)
        batch_op.create_index('ix_job_runs_store_started', ['store_id', 'started_at', 'id'], unique=False)

    op.create_table('job_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('cadence', sa.String(length=10), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_enqueued_period', sa.String(length=40), nullable=True),
    sa.Column('last_enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_job_schedules_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_schedules')),
    sa.UniqueConstraint('key', name=op.f('uq_job_schedules_key'))
    )
    with op.batch_alter_table('job_schedules', schema=None) as batch_op:
        batch_op.create_index('ix_job_schedules_due', ['enabled', 'next_due_at'], unique=False)
        batch_op.create_index('ix_job_schedules_kind_store', ['kind', 'store_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_memberships_org_id_organisations')),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_memberships_role_id_roles')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_memberships_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('user_id', 'store_id', 'role_id', name=op.f('uq_memberships_user_id_store_id_role_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_role_id'), ['role_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_store_id'), ['store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('model_stock_minimums',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('min_quantity', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['vehicle_models.id'], name=op.f('fk_model_stock_minimums_model_id_vehicle_models')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_model_stock_minimums_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_model_stock_minimums_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_model_stock_minimums')),
    sa.UniqueConstraint('store_id', 'model_id', name=op.f('uq_model_stock_minimums_store_id_model_id'))
    )
    with op.batch_alter_table('model_stock_minimums', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_stock_minimums_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_model_stock_minimums_store_id'), ['store_id'], unique=False)

    op.create_table('stock_vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('colour', sa.String(length=30), nullable=False),
    sa.Column('interior_colour', sa.String(length=30), nullable=False),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('arrival_date', sa.Date(), nullable=True),
    sa.Column('cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('location', sa.String(length=60), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('plate', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['vehicle_models.id'], name=op.f('fk_stock_vehicles_model_id_vehicle_models')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_vehicles_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stock_vehicles_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_vehicles')),
    sa.UniqueConstraint('org_id', 'vin', name='uq_stock_vehicles_org_vin')
    )
    with op.batch_alter_table('stock_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_vehicles_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_stock_vehicles_store_arrival', ['store_id', 'arrival_date'], unique=False)
        batch_op.create_index('ix_stock_vehicles_store_demo', ['store_id', 'is_demo'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_vehicles_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_stock_vehicles_store_state_model', ['store_id', 'state', 'model_id'], unique=False)
        batch_op.create_index('ix_stock_vehicles_store_vin', ['store_id', 'vin'], unique=False)

    op.create_table('customer_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_contacts_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_customer_contacts_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_customer_contacts_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_contacts'))
    )
    with op.batch_alter_table('customer_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_contacts_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_customer_contacts_store_customer', ['store_id', 'customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_contacts_store_id'), ['store_id'], unique=False)

    op.create_table('customer_tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=30), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_tags_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_customer_tags_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_customer_tags_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_tags')),
    sa.UniqueConstraint('customer_id', 'tag', name=op.f('uq_customer_tags_customer_id_tag'))
    )
    with op.batch_alter_table('customer_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_tags_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_tags_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_customer_tags_store_tag', ['store_id', 'tag', 'customer_id'], unique=False)

    op.create_table('follow_up_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=True),
    sa.Column('intended_model', sa.String(length=80), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('intended_trim', sa.String(length=80), nullable=False),
    sa.Column('intended_colour', sa.String(length=30), nullable=False),
    sa.Column('budget', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('competitor_models', sa.String(length=200), nullable=False),
    sa.Column('level', sa.String(length=1), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('next_contact_on', sa.Date(), nullable=True),
    sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('lost_reason', sa.String(length=200), nullable=False),
    sa.Column('lost_competitor', sa.String(length=80), nullable=False),
    sa.Column('lost_requested_by_id', sa.Integer(), nullable=True),
    sa.Column('lost_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lost_reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('lost_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lost_review_note', sa.String(length=200), nullable=False),
    sa.Column('won_order_id', sa.Integer(), nullable=True),
    sa.Column('won_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dormant_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultant_id'], ['users.id'], name=op.f('fk_follow_up_cards_consultant_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_follow_up_cards_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_follow_up_cards_customer_id_customers')),
    sa.ForeignKeyConstraint(['lost_requested_by_id'], ['users.id'], name=op.f('fk_follow_up_cards_lost_requested_by_id_users')),
    sa.ForeignKeyConstraint(['lost_reviewed_by_id'], ['users.id'], name=op.f('fk_follow_up_cards_lost_reviewed_by_id_users')),
    sa.ForeignKeyConstraint(['model_id'], ['vehicle_models.id'], name=op.f('fk_follow_up_cards_model_id_vehicle_models')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_follow_up_cards_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_follow_up_cards_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_cards'))
    )
    with op.batch_alter_table('follow_up_cards', schema=None) as batch_op:
        batch_op.create_index('ix_cards_store_consultant_status_next', ['store_id', 'consultant_id', 'status', 'next_contact_on'], unique=False)
        batch_op.create_index('ix_cards_store_customer', ['store_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_cards_store_level_status', ['store_id', 'level', 'status'], unique=False)
        batch_op.create_index('ix_cards_store_level_status_next', ['store_id', 'level', 'status', 'next_contact_on'], unique=False)
        batch_op.create_index('ix_cards_store_status_level_updated', ['store_id', 'status', 'level', 'updated_at'], unique=False)
        batch_op.create_index('ix_cards_store_status_lost_requested', ['store_id', 'status', 'lost_requested_at'], unique=False)
        batch_op.create_index('ix_cards_store_status_next', ['store_id', 'status', 'next_contact_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_cards_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_cards_store_id'), ['store_id'], unique=False)

    op.create_table('outbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient', sa.String(length=120), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('idempotency_key', sa.String(length=160), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_reference', sa.String(length=120), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_outbound_messages_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_outbound_messages_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_outbound_messages_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_messages')),
    sa.UniqueConstraint('store_id', 'idempotency_key', name='uq_outbound_messages_store_key')
    )
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_messages_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_outbound_messages_store_channel_created', ['store_id', 'channel', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_outbound_messages_store_created', ['store_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_outbound_messages_store_customer', ['store_id', 'customer_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_messages_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_outbound_messages_store_recipient', ['store_id', 'recipient'], unique=False, postgresql_ops={'recipient': 'varchar_pattern_ops'})
        batch_op.create_index('ix_outbound_messages_store_status_created', ['store_id', 'status', 'created_at', 'id'], unique=False)

    op.create_table('stock_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('other_store_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_transfers_org_id_organisations')),
    sa.ForeignKeyConstraint(['other_store_id'], ['stores.id'], name=op.f('fk_stock_transfers_other_store_id_stores')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_stock_transfers_requested_by_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stock_transfers_store_id_stores')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['stock_vehicles.id'], name=op.f('fk_stock_transfers_vehicle_id_stock_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_transfers'))
    )
    with op.batch_alter_table('stock_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_transfers_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_transfers_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_stock_transfers_store_state', ['store_id', 'state'], unique=False)

    op.create_table('card_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('objections', sa.String(length=300), nullable=False),
    sa.Column('next_step', sa.String(length=300), nullable=False),
    sa.Column('level_before', sa.String(length=1), nullable=False),
    sa.Column('level_after', sa.String(length=1), nullable=False),
    sa.Column('next_contact_on', sa.Date(), nullable=True),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_card_contacts_by_user_id_users')),
    sa.ForeignKeyConstraint(['card_id'], ['follow_up_cards.id'], name=op.f('fk_card_contacts_card_id_follow_up_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_card_contacts_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_card_contacts_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_contacts'))
    )
    with op.batch_alter_table('card_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_contacts_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_card_contacts_store_card_at', ['store_id', 'card_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_contacts_store_id'), ['store_id'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('consultant_id', sa.Integer(), nullable=True),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('colour', sa.String(length=30), nullable=False),
    sa.Column('list_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('discount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('accessories', sa.JSON(), nullable=False),
    sa.Column('accessories_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('insurance_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('purchase_tax', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('registration_fee', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('other_fees', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('share_token', sa.String(length=43), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['follow_up_cards.id'], name=op.f('fk_quotes_card_id_follow_up_cards')),
    sa.ForeignKeyConstraint(['consultant_id'], ['users.id'], name=op.f('fk_quotes_consultant_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_quotes_customer_id_customers')),
    sa.ForeignKeyConstraint(['model_id'], ['vehicle_models.id'], name=op.f('fk_quotes_model_id_vehicle_models')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_quotes_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quotes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('share_token', name=op.f('uq_quotes_share_token')),
    sa.UniqueConstraint('store_id', 'number', name='uq_quotes_store_number')
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_quotes_store_consultant_created', ['store_id', 'consultant_id', 'created_at'], unique=False)
        batch_op.create_index('ix_quotes_store_created', ['store_id', 'created_at'], unique=False)
        batch_op.create_index('ix_quotes_store_customer', ['store_id', 'customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quotes_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_quotes_store_status_created', ['store_id', 'status', 'created_at'], unique=False)

    op.create_table('test_drives',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('licence_number', sa.String(length=30), nullable=False),
    sa.Column('licence_checked', sa.Boolean(), nullable=False),
    sa.Column('waiver_signed', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('feedback', sa.Text(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['follow_up_cards.id'], name=op.f('fk_test_drives_card_id_follow_up_cards')),
    sa.ForeignKeyConstraint(['consultant_id'], ['users.id'], name=op.f('fk_test_drives_consultant_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_test_drives_customer_id_customers')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_test_drives_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_test_drives_store_id_stores')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['stock_vehicles.id'], name=op.f('fk_test_drives_vehicle_id_stock_vehicles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_drives'))
    )
    with op.batch_alter_table('test_drives', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_test_drives_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_test_drives_store_consultant_start', ['store_id', 'consultant_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_test_drives_store_customer', ['store_id', 'customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_test_drives_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_test_drives_store_start', ['store_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_test_drives_store_vehicle_start', ['store_id', 'vehicle_id', 'starts_at'], unique=False)

    op.create_table('visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('visitor_name', sa.String(length=80), nullable=False),
    sa.Column('time_in', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_out', sa.DateTime(timezone=True), nullable=True),
    sa.Column('party_size', sa.Integer(), nullable=False),
    sa.Column('intended_model', sa.String(length=80), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=True),
    sa.Column('wants_test_drive', sa.Boolean(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['follow_up_cards.id'], name=op.f('fk_visits_card_id_follow_up_cards')),
    sa.ForeignKeyConstraint(['consultant_id'], ['users.id'], name=op.f('fk_visits_consultant_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_visits_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_visits_customer_id_customers')),
    sa.ForeignKeyConstraint(['model_id'], ['vehicle_models.id'], name=op.f('fk_visits_model_id_vehicle_models')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_visits_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_visits_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_visits_store_consultant_time_in', ['store_id', 'consultant_id', 'time_in'], unique=False)
        batch_op.create_index('ix_visits_store_customer', ['store_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_visits_store_customer_time_in', ['store_id', 'customer_id', 'time_in'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_visits_store_kind_time_in', ['store_id', 'kind', 'time_in'], unique=False)
        batch_op.create_index('ix_visits_store_time_in', ['store_id', 'time_in'], unique=False)

    op.create_table('sales_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=True),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('consultant_id', sa.Integer(), nullable=True),
    sa.Column('model_id', sa.Integer(), nullable=False),
    sa.Column('colour', sa.String(length=30), nullable=False),
    sa.Column('list_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('discount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('accessories', sa.JSON(), nullable=False),
    sa.Column('accessories_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('insurance_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('fees_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('deposit_required', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('paid_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('approval_levels_required', sa.Integer(), nullable=False),
    sa.Column('approval_levels_done', sa.Integer(), nullable=False),
    sa.Column('stock_vehicle_id', sa.Integer(), nullable=True),
    sa.Column('invoice_number', sa.String(length=40), nullable=False),
    sa.Column('invoiced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['follow_up_cards.id'], name=op.f('fk_sales_orders_card_id_follow_up_cards')),
    sa.ForeignKeyConstraint(['consultant_id'], ['users.id'], name=op.f('fk_sales_orders_consultant_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_sales_orders_customer_id_customers')),
    sa.ForeignKeyConstraint(['model_id'], ['vehicle_models.id'], name=op.f('fk_sales_orders_model_id_vehicle_models')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_sales_orders_org_id_organisations')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_sales_orders_quote_id_quotes')),
    sa.ForeignKeyConstraint(['stock_vehicle_id'], ['stock_vehicles.id'], name=op.f('fk_sales_orders_stock_vehicle_id_stock_vehicles')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_sales_orders_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_orders')),
    sa.UniqueConstraint('stock_vehicle_id', name='uq_sales_orders_stock_vehicle'),
    sa.UniqueConstraint('store_id', 'number', name=op.f('uq_sales_orders_store_id_number'))
    )
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_orders_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_sales_orders_store_consultant', ['store_id', 'consultant_id', 'created_at'], unique=False)
        batch_op.create_index('ix_sales_orders_store_customer', ['store_id', 'customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_orders_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_sales_orders_store_quote', ['store_id', 'quote_id'], unique=False)
        batch_op.create_index('ix_sales_orders_store_status_created', ['store_id', 'status', 'created_at'], unique=False)
        batch_op.create_index('ix_sales_orders_store_status_delivered', ['store_id', 'status', 'delivered_at'], unique=False)

    with op.batch_alter_table('follow_up_cards', schema=None) as batch_op:
        batch_op.create_foreign_key(op.f('fk_follow_up_cards_won_order_id_sales_orders'), 'sales_orders',
                                    ['won_order_id'], ['id'])

    op.create_table('customer_vehicles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('plate', sa.String(length=12), nullable=False),
    sa.Column('brand', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=60), nullable=False),
    sa.Column('trim', sa.String(length=80), nullable=False),
    sa.Column('colour', sa.String(length=30), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('purchase_date', sa.Date(), nullable=True),
    sa.Column('mileage', sa.Integer(), nullable=True),
    sa.Column('insurance_expiry', sa.Date(), nullable=True),
    sa.Column('next_service_date', sa.Date(), nullable=True),
    sa.Column('next_service_mileage', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('sales_order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['vehicle_models.id'], name=op.f('fk_customer_vehicles_model_id_vehicle_models')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_customer_vehicles_org_id_organisations')),
    sa.ForeignKeyConstraint(['owner_id'], ['customers.id'], name=op.f('fk_customer_vehicles_owner_id_customers')),
    sa.ForeignKeyConstraint(['sales_order_id'], ['sales_orders.id'], name=op.f('fk_customer_vehicles_sales_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_customer_vehicles_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_vehicles')),
    sa.UniqueConstraint('store_id', 'vin', name='uq_customer_vehicles_store_vin')
    )
    with op.batch_alter_table('customer_vehicles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_vehicles_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_customer_vehicles_plate_trgm', ['plate'], unique=False, postgresql_using='gin', postgresql_ops={'plate': 'gin_trgm_ops'})
        batch_op.create_index(batch_op.f('ix_customer_vehicles_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_customer_vehicles_store_insurance', ['store_id', 'insurance_expiry'], unique=False)
        batch_op.create_index('ix_customer_vehicles_store_owner', ['store_id', 'owner_id'], unique=False)
        batch_op.create_index('ix_customer_vehicles_store_plate', ['store_id', 'plate'], unique=False)
        batch_op.create_index('ix_customer_vehicles_store_service_due', ['store_id', 'next_service_date'], unique=False)
        batch_op.create_index('ix_customer_vehicles_vin_trgm', ['vin'], unique=False, postgresql_using='gin', postgresql_ops={'vin': 'gin_trgm_ops'})

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('received_by_name', sa.String(length=80), nullable=False),
    sa.Column('mileage', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_by_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delivered_by_id'], ['users.id'], name=op.f('fk_deliveries_delivered_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_deliveries_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_deliveries_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_deliveries_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('order_id', name=op.f('uq_deliveries_order_id'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveries_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_store_id'), ['store_id'], unique=False)

    op.create_table('insurance_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('vin', sa.String(length=17), nullable=False),
    sa.Column('insurer', sa.String(length=80), nullable=False),
    sa.Column('policy_number', sa.String(length=60), nullable=False),
    sa.Column('premium', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('commission', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_insurance_policies_customer_id_customers')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_insurance_policies_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_insurance_policies_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_insurance_policies_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurance_policies'))
    )
    with op.batch_alter_table('insurance_policies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_insurance_policies_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_insurance_policies_store_expires', ['store_id', 'expires_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_insurance_policies_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_insurance_policies_store_order', ['store_id', 'order_id'], unique=False)

    op.create_table('loan_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('lender', sa.String(length=80), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('down_payment', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('term_months', sa.Integer(), nullable=False),
    sa.Column('annual_rate', sa.Numeric(precision=6, scale=3), nullable=True),
    sa.Column('commission', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_loan_applications_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_loan_applications_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_loan_applications_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_applications'))
    )
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_applications_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_loan_applications_store_order', ['store_id', 'order_id'], unique=False)

    op.create_table('order_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_order_approvals_by_user_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_order_approvals_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_order_approvals_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_order_approvals_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_approvals'))
    )
    with op.batch_alter_table('order_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_approvals_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_order_approvals_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_order_approvals_store_order', ['store_id', 'order_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_payments_by_user_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_payments_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_payments_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_payments_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_payments_store_order', ['store_id', 'order_id'], unique=False)
        batch_op.create_index('ix_payments_store_received', ['store_id', 'received_at'], unique=False)

    op.create_table('vehicle_ownerships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_vehicle_ownerships_customer_id_customers')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_vehicle_ownerships_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_vehicle_ownerships_store_id_stores')),
    sa.ForeignKeyConstraint(['vehicle_id'], ['customer_vehicles.id'], name=op.f('fk_vehicle_ownerships_vehicle_id_customer_vehicles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vehicle_ownerships'))
    )
    with op.batch_alter_table('vehicle_ownerships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vehicle_ownerships_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_vehicle_ownerships_store_customer', ['store_id', 'customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vehicle_ownerships_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_vehicle_ownerships_store_vehicle', ['store_id', 'vehicle_id'], unique=False)



def downgrade():
    with op.batch_alter_table('follow_up_cards', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_follow_up_cards_won_order_id_sales_orders'), type_='foreignkey')
    with op.batch_alter_table('vehicle_ownerships', schema=None) as batch_op:
        batch_op.drop_index('ix_vehicle_ownerships_store_vehicle')
        batch_op.drop_index(batch_op.f('ix_vehicle_ownerships_store_id'))
        batch_op.drop_index('ix_vehicle_ownerships_store_customer')
        batch_op.drop_index(batch_op.f('ix_vehicle_ownerships_org_id'))

    op.drop_table('vehicle_ownerships')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_store_received')
        batch_op.drop_index('ix_payments_store_order')
        batch_op.drop_index(batch_op.f('ix_payments_store_id'))
        batch_op.drop_index(batch_op.f('ix_payments_org_id'))

    op.drop_table('payments')
    with op.batch_alter_table('order_approvals', schema=None) as batch_op:
        batch_op.drop_index('ix_order_approvals_store_order')
        batch_op.drop_index(batch_op.f('ix_order_approvals_store_id'))
        batch_op.drop_index(batch_op.f('ix_order_approvals_org_id'))

    op.drop_table('order_approvals')
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_applications_store_order')
        batch_op.drop_index(batch_op.f('ix_loan_applications_store_id'))
        batch_op.drop_index(batch_op.f('ix_loan_applications_org_id'))

    op.drop_table('loan_applications')
    with op.batch_alter_table('insurance_policies', schema=None) as batch_op:
        batch_op.drop_index('ix_insurance_policies_store_order')
        batch_op.drop_index(batch_op.f('ix_insurance_policies_store_id'))
        batch_op.drop_index('ix_insurance_policies_store_expires')
        batch_op.drop_index(batch_op.f('ix_insurance_policies_org_id'))

    op.drop_table('insurance_policies')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_store_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_org_id'))

    op.drop_table('deliveries')
    with op.batch_alter_table('customer_vehicles', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_vehicles_vin_trgm', postgresql_using='gin', postgresql_ops={'vin': 'gin_trgm_ops'})
        batch_op.drop_index('ix_customer_vehicles_store_service_due')
        batch_op.drop_index('ix_customer_vehicles_store_plate')
        batch_op.drop_index('ix_customer_vehicles_store_owner')
        batch_op.drop_index('ix_customer_vehicles_store_insurance')
        batch_op.drop_index(batch_op.f('ix_customer_vehicles_store_id'))
        batch_op.drop_index('ix_customer_vehicles_plate_trgm', postgresql_using='gin', postgresql_ops={'plate': 'gin_trgm_ops'})
        batch_op.drop_index(batch_op.f('ix_customer_vehicles_org_id'))

    op.drop_table('customer_vehicles')
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_orders_store_status_delivered')
        batch_op.drop_index('ix_sales_orders_store_status_created')
        batch_op.drop_index('ix_sales_orders_store_quote')
        batch_op.drop_index(batch_op.f('ix_sales_orders_store_id'))
        batch_op.drop_index('ix_sales_orders_store_customer')
        batch_op.drop_index('ix_sales_orders_store_consultant')
        batch_op.drop_index(batch_op.f('ix_sales_orders_org_id'))

    op.drop_table('sales_orders')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_store_time_in')
        batch_op.drop_index('ix_visits_store_kind_time_in')
        batch_op.drop_index(batch_op.f('ix_visits_store_id'))
        batch_op.drop_index('ix_visits_store_customer_time_in')
        batch_op.drop_index('ix_visits_store_customer')
        batch_op.drop_index('ix_visits_store_consultant_time_in')
        batch_op.drop_index(batch_op.f('ix_visits_org_id'))

    op.drop_table('visits')
    with op.batch_alter_table('test_drives', schema=None) as batch_op:
        batch_op.drop_index('ix_test_drives_store_vehicle_start')
        batch_op.drop_index('ix_test_drives_store_start')
        batch_op.drop_index(batch_op.f('ix_test_drives_store_id'))
        batch_op.drop_index('ix_test_drives_store_customer')
        batch_op.drop_index('ix_test_drives_store_consultant_start')
        batch_op.drop_index(batch_op.f('ix_test_drives_org_id'))

    op.drop_table('test_drives')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index('ix_quotes_store_status_created')
        batch_op.drop_index(batch_op.f('ix_quotes_store_id'))
        batch_op.drop_index('ix_quotes_store_customer')
        batch_op.drop_index('ix_quotes_store_created')
        batch_op.drop_index('ix_quotes_store_consultant_created')
        batch_op.drop_index(batch_op.f('ix_quotes_org_id'))

    op.drop_table('quotes')
    with op.batch_alter_table('card_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_contacts_store_id'))
        batch_op.drop_index('ix_card_contacts_store_card_at')
        batch_op.drop_index(batch_op.f('ix_card_contacts_org_id'))

    op.drop_table('card_contacts')
    with op.batch_alter_table('stock_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_transfers_store_state')
        batch_op.drop_index(batch_op.f('ix_stock_transfers_store_id'))
        batch_op.drop_index(batch_op.f('ix_stock_transfers_org_id'))

    op.drop_table('stock_transfers')
    with op.batch_alter_table('outbound_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbound_messages_store_status_created')
        batch_op.drop_index('ix_outbound_messages_store_recipient', postgresql_ops={'recipient': 'varchar_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_outbound_messages_store_id'))
        batch_op.drop_index('ix_outbound_messages_store_customer')
        batch_op.drop_index('ix_outbound_messages_store_created')
        batch_op.drop_index('ix_outbound_messages_store_channel_created')
        batch_op.drop_index(batch_op.f('ix_outbound_messages_org_id'))

    op.drop_table('outbound_messages')
    with op.batch_alter_table('follow_up_cards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_cards_store_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_cards_org_id'))
        batch_op.drop_index('ix_cards_store_status_next')
        batch_op.drop_index('ix_cards_store_status_lost_requested')
        batch_op.drop_index('ix_cards_store_status_level_updated')
        batch_op.drop_index('ix_cards_store_level_status_next')
        batch_op.drop_index('ix_cards_store_level_status')
        batch_op.drop_index('ix_cards_store_customer')
        batch_op.drop_index('ix_cards_store_consultant_status_next')

    op.drop_table('follow_up_cards')
    with op.batch_alter_table('customer_tags', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_tags_store_tag')
        batch_op.drop_index(batch_op.f('ix_customer_tags_store_id'))
        batch_op.drop_index(batch_op.f('ix_customer_tags_org_id'))

    op.drop_table('customer_tags')
    with op.batch_alter_table('customer_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_contacts_store_id'))
        batch_op.drop_index('ix_customer_contacts_store_customer')
        batch_op.drop_index(batch_op.f('ix_customer_contacts_org_id'))

    op.drop_table('customer_contacts')
    with op.batch_alter_table('stock_vehicles', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_vehicles_store_vin')
        batch_op.drop_index('ix_stock_vehicles_store_state_model')
        batch_op.drop_index(batch_op.f('ix_stock_vehicles_store_id'))
        batch_op.drop_index('ix_stock_vehicles_store_demo')
        batch_op.drop_index('ix_stock_vehicles_store_arrival')
        batch_op.drop_index(batch_op.f('ix_stock_vehicles_org_id'))

    op.drop_table('stock_vehicles')
    with op.batch_alter_table('model_stock_minimums', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_stock_minimums_store_id'))
        batch_op.drop_index(batch_op.f('ix_model_stock_minimums_org_id'))

    op.drop_table('model_stock_minimums')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_store_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_role_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_org_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('job_schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_job_schedules_kind_store')
        batch_op.drop_index('ix_job_schedules_due')

    op.drop_table('job_schedules')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_store_started')
        batch_op.drop_index('ix_job_runs_store_outcome_started')
        batch_op.drop_index('ix_job_runs_store_kind_started')
        batch_op.drop_index(batch_op.f('ix_job_runs_store_id'))
        batch_op.drop_index(batch_op.f('ix_job_runs_org_id'))
        batch_op.drop_index('ix_job_runs_job_id')

    op.drop_table('job_runs')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_store_updated')
        batch_op.drop_index('ix_customers_store_source_created')
        batch_op.drop_index('ix_customers_store_owner_created')
        batch_op.drop_index('ix_customers_store_name_pinyin')
        batch_op.drop_index('ix_customers_store_level_created')
        batch_op.drop_index('ix_customers_store_last4')
        batch_op.drop_index('ix_customers_store_initials')
        batch_op.drop_index(batch_op.f('ix_customers_store_id'))
        batch_op.drop_index('ix_customers_store_created')
        batch_op.drop_index('ix_customers_org_name_pinyin')
        batch_op.drop_index('ix_customers_org_last4')
        batch_op.drop_index('ix_customers_org_initials')
        batch_op.drop_index(batch_op.f('ix_customers_org_id'))
        batch_op.drop_index('ix_customers_org_created')
        batch_op.drop_index('ix_customers_name_trgm', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
        batch_op.drop_index('ix_customers_mobile_trgm', postgresql_using='gin', postgresql_ops={'mobile': 'gin_trgm_ops'})
        batch_op.drop_index('ix_customers_mobile')

    op.drop_table('customers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_user_id'))
        batch_op.drop_index('ix_audit_log_store_at')
        batch_op.drop_index('ix_audit_log_org_at')
        batch_op.drop_index('ix_audit_log_entity')

    op.drop_table('audit_log')
    with op.batch_alter_table('vehicle_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vehicle_models_org_id'))

    op.drop_table('vehicle_models')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_org_id'))

    op.drop_table('users')
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stores_org_id'))

    op.drop_table('stores')
    with op.batch_alter_table('roles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roles_org_id'))

    op.drop_table('roles')
    op.drop_table('organisations')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_username_at')
        batch_op.drop_index('ix_login_attempts_ip_at')

    op.drop_table('login_attempts')
