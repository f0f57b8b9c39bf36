"""provider events: outbox of vendor messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 22:34:09.465678
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import broker.db

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('provider_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', broker.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('external_ref', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('delivered_at', broker.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', broker.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['provider_connection.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_order.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('connection_id', 'dedupe_key'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('provider_event', schema=None) as batch_op:
        batch_op.create_index('ix_provider_event_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_provider_event_order', ['order_id'], unique=False)




def downgrade() -> None:
    
    with op.batch_alter_table('provider_event', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_event_order')
        batch_op.drop_index('ix_provider_event_due')

    op.drop_table('provider_event')

