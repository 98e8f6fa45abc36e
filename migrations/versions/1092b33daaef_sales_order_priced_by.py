"""sales order priced by

Who last set an order's price (its discount) may not approve it, like its consultant.
Existing orders were priced by their consultant (orders are made from the consultant's quote).

Revision ID: 1092b33daaef
Revises: 40153afb9588
Create Date: 2026-11-23 11:28:34.427500

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1092b33daaef'
down_revision = '40153afb9588'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_sales_orders_priced_by_id_users'), 'users', ['priced_by_id'], ['id'])
    op.execute("UPDATE sales_orders SET priced_by_id = consultant_id WHERE priced_by_id IS NULL")


def downgrade():
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sales_orders_priced_by_id_users'), type_='foreignkey')
        batch_op.drop_column('priced_by_id')
