"""reports: indexes for the period aggregation; published reports immutable in the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 23:40:00

- ``purchase_order(period, allocation_id, units, units_delivered)``: the reports read a
  period's orders joined to their allocations; the columns they sum ride in the index.
- ``delivery(order_id, delivered_at, units)`` replaces ``(order_id, delivered_at)``: the last
  delivery of an order and its units come from the index alone.
- ``report`` refuses UPDATE and DELETE, as ``audit_entry`` does (migration 0001): a
  published report is corrected by a new one, never rewritten.
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _report_immutable_up() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION report_immutable() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'published reports are immutable: publish a correction instead'; END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""CREATE TRIGGER report_no_change BEFORE UPDATE OR DELETE ON report
                      FOR EACH ROW EXECUTE FUNCTION report_immutable()""")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER report_no_{verb.lower()} BEFORE {verb} ON report
                           BEGIN SELECT RAISE(ABORT, 'published reports are immutable: publish a correction instead'); END""")


def _report_immutable_down() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_no_change ON report")
        op.execute("DROP FUNCTION IF EXISTS report_immutable()")
    else:
        op.execute("DROP TRIGGER IF EXISTS report_no_update")
        op.execute("DROP TRIGGER IF EXISTS report_no_delete")


def upgrade() -> None:
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.create_index('ix_order_period_allocation',
                              ['period', 'allocation_id', 'units', 'units_delivered'], unique=False)
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_order')
        batch_op.create_index('ix_delivery_order', ['order_id', 'delivered_at', 'units'], unique=False)
    _report_immutable_up()


def downgrade() -> None:
    _report_immutable_down()
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_order')
        batch_op.create_index('ix_delivery_order', ['order_id', 'delivered_at'], unique=False)
    with op.batch_alter_table('purchase_order', schema=None) as batch_op:
        batch_op.drop_index('ix_order_period_allocation')
