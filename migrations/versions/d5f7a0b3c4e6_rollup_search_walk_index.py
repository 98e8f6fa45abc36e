"""the group's order of live customers, carrying what a search tests: a dense search over
the group (a two-letter pinyin prefix, thousands of matches) walks the list's order by ids
first, reading this index alone, and only the page's rows come from the table (4 400 rows
read from the table for one page, 6 ms; 1.2 ms from this index). About 100 MB for the
benchmark's 1 200 000 customers (issue 15).

Revision ID: d5f7a0b3c4e6
Revises: c4e6f9a2b3d5
Create Date: 2026-12-03 10:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd5f7a0b3c4e6'
down_revision = 'c4e6f9a2b3d5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_customers_org_created_search',
        'customers',
        ['org_id', 'created_at', 'id'],
        unique=False,
        postgresql_include=['store_id', 'owner_id', 'name_initials', 'name_pinyin', 'name'],
        postgresql_where=sa.text('deleted_at IS NULL'),
        sqlite_where=sa.text('deleted_at IS NULL'),
    )


def downgrade():
    op.drop_index('ix_customers_org_created_search', table_name='customers')
