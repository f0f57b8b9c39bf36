"""org applications: developer and vendor orgs apply; an operator approves or rejects

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03 09:00:00

- ``org_application``: one row per applying org (the org itself is created ``pending``), with
  the applicant's name and email (so mail can reach them whatever the org's users), what they
  want to do, and the operator's decision with its reason.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import broker.db

revision = '0018'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'org_application',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('org_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('applicant_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('applicant_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('website', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('headcount', sa.Integer(), nullable=True),
        sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('decision_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('decided_at', broker.db.UTCDateTime(), nullable=True),
        sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', broker.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['org.id'], ),
        sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('org_id'),
    )
    with op.batch_alter_table('org_application', schema=None) as batch_op:
        batch_op.create_index('ix_org_application_status', ['status', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('org_application', schema=None) as batch_op:
        batch_op.drop_index('ix_org_application_status')
    op.drop_table('org_application')
