"""pinyin search indexes that answer alone: the four pinyin prefix indexes (store and
organisation; initials and full pinyin) become partial (live customers) and carry what the
search reads of a match (created_at, id, owner_id; store_id in the organisation's; the
initials in the full pinyin's), so each of the search's two alternatives is an index-only
scan. PostgreSQL only: SQLite keeps the plain two-column indexes (issue 15).

Revision ID: 7b04b813e4bf
Revises: f964377d4b79
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7b04b813e4bf'
down_revision = 'f964377d4b79'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_customers_store_initials_prefix', 'store_id', 'name_initials'),
    ('ix_customers_store_pinyin_prefix', 'store_id', 'name_pinyin'),
    ('ix_customers_org_initials_prefix', 'org_id', 'name_initials'),
    ('ix_customers_org_pinyin_prefix', 'org_id', 'name_pinyin'),
)


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, scope, column in INDEXES:
        carried = ['created_at', 'id', 'owner_id'] + (['store_id'] if scope == 'org_id' else [])
        if column == 'name_pinyin':
            carried.append('name_initials')
        op.drop_index(name, table_name='customers')
        op.execute(
            f'CREATE INDEX {name} ON customers ({scope}, {column} varchar_pattern_ops) '
            f'INCLUDE ({", ".join(carried)}) WHERE deleted_at IS NULL'
        )


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name, scope, column in INDEXES:
        op.drop_index(name, table_name='customers')
        op.create_index(name, 'customers', [scope, column], postgresql_ops={column: 'varchar_pattern_ops'})
