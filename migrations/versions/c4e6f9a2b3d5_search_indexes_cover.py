"""a store's pinyin search indexes carry the organisation: the tenancy core states the
organisation and the store, and without ``org_id`` in the store's index a store's pinyin
search read the group's index (which carries the store) and skipped the other stores'
entries: 16 000 of them for a window of 3 000 matches in the large store. The name prefix
indexes (store and organisation) carry what the search reads of a match too, and the
deletion mark: a dense prefix is an index-only scan (2 100 matches of "王丽" over the group
were read from the table, 3.3 ms). PostgreSQL only, like ``7b04b813e4bf`` which made the
pinyin indexes covering (issue 15).

Revision ID: c4e6f9a2b3d5
Revises: b3d5e8f1a2c4
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e6f9a2b3d5'
down_revision = 'b3d5e8f1a2c4'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_customers_store_initials_prefix', 'name_initials'),
    ('ix_customers_store_pinyin_prefix', 'name_pinyin'),
)


def _rebuild(scope_carried):
    for name, column in INDEXES:
        carried = ['created_at', 'id', 'owner_id', *scope_carried]
        if column == 'name_pinyin':
            carried.append('name_initials')
        op.drop_index(name, table_name='customers')
        op.execute(
            f'CREATE INDEX {name} ON customers (store_id, {column} varchar_pattern_ops) '
            f'INCLUDE ({", ".join(carried)}) WHERE deleted_at IS NULL'
        )


NAME_PREFIX = (('ix_customers_store_name_prefix', 'store_id', 'org_id'), ('ix_customers_org_name_prefix', 'org_id', 'store_id'))


def _name_prefix(covering):
    for name, scope, other_scope in NAME_PREFIX:
        op.drop_index(name, table_name='customers')
        include = f' INCLUDE (created_at, id, owner_id, deleted_at, {other_scope})' if covering else ''
        op.execute(f'CREATE INDEX {name} ON customers ({scope}, name varchar_pattern_ops){include}')


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _rebuild(['org_id'])
    _name_prefix(covering=True)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    _name_prefix(covering=False)
    _rebuild([])
