"""parts: part master, per-store stock, stock movements, suppliers, purchase orders,
counter sales, stocktakes, transfers between stores and the parts lines of repair orders
(issue 16). ``part_stocks.is_low`` / ``is_over`` are kept by the stock service and indexed
with the store, so the low-stock query is an index range read.

Revision ID: 89826c8bf65e
Revises: 9b5d3f8c2e74
Create Date: 2026-12-01 10:13:57.372049

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '89826c8bf65e'
down_revision = '9b5d3f8c2e74'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('compatible_models', sa.String(length=200), nullable=False),
    sa.Column('barcode', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_parts_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parts')),
    sa.UniqueConstraint('org_id', 'code', name='uq_parts_org_code')
    )
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.create_index('ix_parts_org_barcode', ['org_id', 'barcode'], unique=False)
        batch_op.create_index('ix_parts_org_code_prefix', ['org_id', 'code'], unique=False, postgresql_ops={'code': 'varchar_pattern_ops'})
        batch_op.create_index(batch_op.f('ix_parts_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_parts_org_name_prefix', ['org_id', 'name'], unique=False, postgresql_ops={'name': 'varchar_pattern_ops'})

    op.create_table('part_suppliers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('contact', sa.String(length=60), nullable=False),
    sa.Column('phone', sa.String(length=30), nullable=False),
    sa.Column('lead_days', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_part_suppliers_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_part_suppliers_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_suppliers')),
    sa.UniqueConstraint('store_id', 'name', name='uq_part_suppliers_store_name')
    )
    with op.batch_alter_table('part_suppliers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_part_suppliers_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_suppliers_store_id'), ['store_id'], unique=False)

    op.create_table('part_transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=30), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('other_store_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_part_transfers_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_part_transfers_org_id_organisations')),
    sa.ForeignKeyConstraint(['other_store_id'], ['stores.id'], name=op.f('fk_part_transfers_other_store_id_stores')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_part_transfers_part_id_parts')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_part_transfers_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_transfers')),
    sa.UniqueConstraint('reference', 'direction', name='uq_part_transfers_reference_direction')
    )
    with op.batch_alter_table('part_transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_part_transfers_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_part_transfers_store_created', ['store_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_transfers_store_id'), ['store_id'], unique=False)

    op.create_table('stocktakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('scope_value', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_stocktakes_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stocktakes_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stocktakes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktakes')),
    sa.UniqueConstraint('store_id', 'number', name='uq_stocktakes_store_number')
    )
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktakes_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_stocktakes_store_created', ['store_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktakes_store_id'), ['store_id'], unique=False)

    op.create_table('counter_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('walk_in_name', sa.String(length=60), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('paid', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('sold_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_counter_sales_by_user_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_counter_sales_customer_id_customers')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_counter_sales_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_counter_sales_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_sales')),
    sa.UniqueConstraint('store_id', 'number', name='uq_counter_sales_store_number')
    )
    with op.batch_alter_table('counter_sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_sales_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_sales_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_counter_sales_store_sold', ['store_id', 'sold_at', 'id'], unique=False)

    op.create_table('part_stocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('on_hand', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('reserved', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('reorder_point', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('maximum', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('bin', sa.String(length=20), nullable=False),
    sa.Column('average_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('sale_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('is_low', sa.Boolean(), nullable=False),
    sa.Column('is_over', sa.Boolean(), nullable=False),
    sa.Column('last_moved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_part_stocks_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_part_stocks_part_id_parts')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_part_stocks_store_id_stores')),
    sa.ForeignKeyConstraint(['supplier_id'], ['part_suppliers.id'], name=op.f('fk_part_stocks_supplier_id_part_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_stocks')),
    sa.UniqueConstraint('store_id', 'part_id', name='uq_part_stocks_store_part')
    )
    with op.batch_alter_table('part_stocks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_part_stocks_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_part_stocks_store_bin', ['store_id', 'bin'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_stocks_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_part_stocks_store_low', ['store_id', 'is_low', 'part_id'], unique=False)
        batch_op.create_index('ix_part_stocks_store_moved', ['store_id', 'last_moved_at'], unique=False)
        batch_op.create_index('ix_part_stocks_store_over', ['store_id', 'is_over', 'part_id'], unique=False)
        batch_op.create_index('ix_part_stocks_store_supplier', ['store_id', 'supplier_id'], unique=False)

    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_purchase_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_purchase_orders_org_id_organisations')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_purchase_orders_store_id_stores')),
    sa.ForeignKeyConstraint(['supplier_id'], ['part_suppliers.id'], name=op.f('fk_purchase_orders_supplier_id_part_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('store_id', 'number', name='uq_purchase_orders_store_number')
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_orders_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_purchase_orders_store_created', ['store_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_purchase_orders_store_status', ['store_id', 'status'], unique=False)

    op.create_table('counter_sale_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter_sale_id', sa.Integer(), nullable=False),
    sa.Column('part_stock_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['counter_sale_id'], ['counter_sales.id'], name=op.f('fk_counter_sale_lines_counter_sale_id_counter_sales')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_counter_sale_lines_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_stock_id'], ['part_stocks.id'], name=op.f('fk_counter_sale_lines_part_stock_id_part_stocks')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_counter_sale_lines_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_sale_lines'))
    )
    with op.batch_alter_table('counter_sale_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_sale_lines_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_sale_lines_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_counter_sale_lines_store_sale', ['store_id', 'counter_sale_id'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('part_stock_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('received', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_purchase_order_lines_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_stock_id'], ['part_stocks.id'], name=op.f('fk_purchase_order_lines_part_stock_id_part_stocks')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_purchase_order_id_purchase_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_purchase_order_lines_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines'))
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_lines_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_order_lines_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_purchase_order_lines_store_order', ['store_id', 'purchase_order_id'], unique=False)

    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('part_stock_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_cost', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('on_hand_after', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_stock_movements_by_user_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stock_movements_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_stock_movements_part_id_parts')),
    sa.ForeignKeyConstraint(['part_stock_id'], ['part_stocks.id'], name=op.f('fk_stock_movements_part_stock_id_part_stocks')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stock_movements_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_movements_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_movements_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_stock_movements_store_stock_at', ['store_id', 'part_stock_id', 'created_at', 'id'], unique=False)

    op.create_table('stocktake_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('part_stock_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counted', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_stocktake_lines_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_stock_id'], ['part_stocks.id'], name=op.f('fk_stocktake_lines_part_stock_id_part_stocks')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stocktake_lines_stocktake_id_stocktakes')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stocktake_lines_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_lines')),
    sa.UniqueConstraint('stocktake_id', 'part_stock_id', name='uq_stocktake_lines_sheet_stock')
    )
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_lines_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stocktake_lines_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_stocktake_lines_store_sheet', ['store_id', 'stocktake_id'], unique=False)

    op.create_table('repair_order_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('repair_order_id', sa.Integer(), nullable=False),
    sa.Column('part_stock_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=12, scale=3), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('discount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payer', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_repair_order_parts_org_id_organisations')),
    sa.ForeignKeyConstraint(['part_stock_id'], ['part_stocks.id'], name=op.f('fk_repair_order_parts_part_stock_id_part_stocks')),
    sa.ForeignKeyConstraint(['repair_order_id'], ['repair_orders.id'], name=op.f('fk_repair_order_parts_repair_order_id_repair_orders')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_repair_order_parts_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repair_order_parts'))
    )
    with op.batch_alter_table('repair_order_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_order_parts_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_order_parts_store_id'), ['store_id'], unique=False)
        batch_op.create_index('ix_repair_order_parts_store_order', ['store_id', 'repair_order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('repair_order_parts', schema=None) as batch_op:
        batch_op.drop_index('ix_repair_order_parts_store_order')
        batch_op.drop_index(batch_op.f('ix_repair_order_parts_store_id'))
        batch_op.drop_index(batch_op.f('ix_repair_order_parts_org_id'))

    op.drop_table('repair_order_parts')
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_stocktake_lines_store_sheet')
        batch_op.drop_index(batch_op.f('ix_stocktake_lines_store_id'))
        batch_op.drop_index(batch_op.f('ix_stocktake_lines_org_id'))

    op.drop_table('stocktake_lines')
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movements_store_stock_at')
        batch_op.drop_index(batch_op.f('ix_stock_movements_store_id'))
        batch_op.drop_index(batch_op.f('ix_stock_movements_org_id'))

    op.drop_table('stock_movements')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_order_lines_store_order')
        batch_op.drop_index(batch_op.f('ix_purchase_order_lines_store_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_order_lines_org_id'))

    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('counter_sale_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_counter_sale_lines_store_sale')
        batch_op.drop_index(batch_op.f('ix_counter_sale_lines_store_id'))
        batch_op.drop_index(batch_op.f('ix_counter_sale_lines_org_id'))

    op.drop_table('counter_sale_lines')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_orders_store_status')
        batch_op.drop_index(batch_op.f('ix_purchase_orders_store_id'))
        batch_op.drop_index('ix_purchase_orders_store_created')
        batch_op.drop_index(batch_op.f('ix_purchase_orders_org_id'))

    op.drop_table('purchase_orders')
    with op.batch_alter_table('part_stocks', schema=None) as batch_op:
        batch_op.drop_index('ix_part_stocks_store_supplier')
        batch_op.drop_index('ix_part_stocks_store_over')
        batch_op.drop_index('ix_part_stocks_store_moved')
        batch_op.drop_index('ix_part_stocks_store_low')
        batch_op.drop_index(batch_op.f('ix_part_stocks_store_id'))
        batch_op.drop_index('ix_part_stocks_store_bin')
        batch_op.drop_index(batch_op.f('ix_part_stocks_org_id'))

    op.drop_table('part_stocks')
    with op.batch_alter_table('counter_sales', schema=None) as batch_op:
        batch_op.drop_index('ix_counter_sales_store_sold')
        batch_op.drop_index(batch_op.f('ix_counter_sales_store_id'))
        batch_op.drop_index(batch_op.f('ix_counter_sales_org_id'))

    op.drop_table('counter_sales')
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktakes_store_id'))
        batch_op.drop_index('ix_stocktakes_store_created')
        batch_op.drop_index(batch_op.f('ix_stocktakes_org_id'))

    op.drop_table('stocktakes')
    with op.batch_alter_table('part_transfers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_part_transfers_store_id'))
        batch_op.drop_index('ix_part_transfers_store_created')
        batch_op.drop_index(batch_op.f('ix_part_transfers_org_id'))

    op.drop_table('part_transfers')
    with op.batch_alter_table('part_suppliers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_part_suppliers_store_id'))
        batch_op.drop_index(batch_op.f('ix_part_suppliers_org_id'))

    op.drop_table('part_suppliers')
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.drop_index('ix_parts_org_name_prefix', postgresql_ops={'name': 'varchar_pattern_ops'})
        batch_op.drop_index(batch_op.f('ix_parts_org_id'))
        batch_op.drop_index('ix_parts_org_code_prefix', postgresql_ops={'code': 'varchar_pattern_ops'})
        batch_op.drop_index('ix_parts_org_barcode')

    op.drop_table('parts')
