"""The outbox: one row per email (a notification for one person), and who wants which mail.

A row is created once per (notification, recipient) — the unique constraint makes a second
scheduler's insert fail instead of queueing the same email twice — and is then claimed,
sent and marked by a conditional update, so two senders never send one row twice.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, utc_field

# pending: waiting for its first try or a retry (next_attempt_at) · sending: claimed by a
# sender · sent · failed: gave up (permanent refusal, too many tries, or interrupted while
# sending — not retried automatically, so that it is never sent twice).
MAIL_STATUSES = ("pending", "sending", "sent", "failed")


class OutboundMail(SQLModel, table=True):
    __tablename__ = "outbound_mail"
    __table_args__ = (sa.UniqueConstraint("notification_id", "recipient"),
                      sa.Index("ix_outbound_mail_status_next", "status", "next_attempt_at"))

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int | None = Field(default=None, foreign_key="notification.id")
    org_id: int | None = Field(default=None, foreign_key="org.id", index=True)
    recipient: str = Field(max_length=254)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_type=sa.Text)
    html_body: str = Field(sa_type=sa.Text)
    link: str = Field(default="", max_length=2000)
    message_id: str = Field(max_length=200, unique=True)  # deterministic: receivers can de-duplicate
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0, ge=0)
    last_error: str = Field(default="", max_length=2000)
    next_attempt_at: datetime | None = utc_field()
    claimed_at: datetime | None = utc_field()
    claimed_by: str = Field(default="", max_length=120)
    sent_at: datetime | None = utc_field()
    created_at: datetime = created_at_field()
