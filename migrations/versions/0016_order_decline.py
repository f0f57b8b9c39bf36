"""order decline: a vendor may decline an order with a reason (issue 17)

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-03 08:30:00

- ``purchase_order.declined_at`` and ``purchase_order.decline_reason``. The new status value
  ``declined`` needs no DDL: statuses are stored as plain strings (``enum_type``).
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import broker.db

revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('purchase_order') as batch:
        batch.add_column(sa.Column('declined_at', broker.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('decline_reason', sqlmodel.sql.sqltypes.AutoString(length=1000),
                                   nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('purchase_order') as batch:
        batch.drop_column('decline_reason')
        batch.drop_column('declined_at')
