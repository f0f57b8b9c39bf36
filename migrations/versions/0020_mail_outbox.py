"""mail outbox: one row per email, notifications marked when mailed, invoice reminder marks,
people's email choices

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03 08:30:00

- ``outbound_mail``: the outbox (unique per notification and recipient; unique Message-ID).
- ``notification.mailed_at``: when the outbox looked at it. Rows that exist before this
  migration are marked as already looked at, so upgrading does not email the past.
- ``payment.due_notice_at`` / ``overdue_notice_at``: the invoice reminders written, once each.
- ``user_account.mail_enabled`` (default on), ``mail_findings`` (auditors opt in, default off),
  ``findings_seen_at`` (the auditor's "since your last visit").
"""
from alembic import op
import sqlalchemy as sa
import broker.models.types

revision = '0020'
down_revision = '0018'
branch_labels = None
depends_on = None

UTC = broker.models.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'outbound_mail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notification_id', sa.Integer(), nullable=True),
        sa.Column('org_id', sa.Integer(), nullable=True),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=2000), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.String(length=2000), nullable=False),
        sa.Column('next_attempt_at', UTC(), nullable=True),
        sa.Column('claimed_at', UTC(), nullable=True),
        sa.Column('claimed_by', sa.String(length=120), nullable=False),
        sa.Column('sent_at', UTC(), nullable=True),
        sa.Column('created_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['notification.id']),
        sa.ForeignKeyConstraint(['org_id'], ['org.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('notification_id', 'recipient'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_outbound_mail_org_id', 'outbound_mail', ['org_id'])
    op.create_index('ix_outbound_mail_status_next', 'outbound_mail', ['status', 'next_attempt_at'])
    with op.batch_alter_table('notification') as b:
        b.add_column(sa.Column('mailed_at', UTC(), nullable=True))
    op.execute("UPDATE notification SET mailed_at = created_at")
    op.create_index('ix_notification_mailed_at', 'notification', ['mailed_at'])
    with op.batch_alter_table('payment') as b:
        b.add_column(sa.Column('due_notice_at', UTC(), nullable=True))
        b.add_column(sa.Column('overdue_notice_at', UTC(), nullable=True))
    with op.batch_alter_table('user_account') as b:
        b.add_column(sa.Column('mail_enabled', sa.Boolean(), server_default=sa.true(), nullable=False))
        b.add_column(sa.Column('mail_findings', sa.Boolean(), server_default=sa.false(), nullable=False))
        b.add_column(sa.Column('findings_seen_at', UTC(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user_account') as b:
        b.drop_column('findings_seen_at')
        b.drop_column('mail_findings')
        b.drop_column('mail_enabled')
    with op.batch_alter_table('payment') as b:
        b.drop_column('overdue_notice_at')
        b.drop_column('due_notice_at')
    op.drop_index('ix_notification_mailed_at', table_name='notification')
    with op.batch_alter_table('notification') as b:
        b.drop_column('mailed_at')
    op.drop_index('ix_outbound_mail_status_next', table_name='outbound_mail')
    op.drop_index('ix_outbound_mail_org_id', table_name='outbound_mail')
    op.drop_table('outbound_mail')
