"""labor disclosure: a developer's signed account of the labor behind its purchases per quarter

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 08:12:00

Append-only, like ``report``: each row is logged in the transparency log (kind
``labor_disclosure``) in the transaction that creates it.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import broker.db
from broker.migrate import append_only_down, append_only_up

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

TABLE = "labor_disclosure"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('developer_org_id', sa.Integer(), nullable=False),
        sa.Column('quarter', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('provisional', sa.Boolean(), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('digest', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('jws', sa.Text(), nullable=False),
        sa.Column('kid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', broker.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['developer_org_id'], ['org.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('digest'),
    )
    op.create_index('ix_labor_disclosure_org_quarter', TABLE, ['developer_org_id', 'quarter'])
    append_only_up(op, TABLE)


def downgrade() -> None:
    append_only_down(op, TABLE)
    op.drop_index('ix_labor_disclosure_org_quarter', table_name=TABLE)
    op.drop_table(TABLE)
