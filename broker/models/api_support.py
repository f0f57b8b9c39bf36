"""Rows that support the API conventions: idempotent creates and change notifications."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, json_field, utc_field


class IdempotencyRecord(SQLModel, table=True):
    """First result of a create, replayed for a retry with the same Idempotency-Key."""

    __tablename__ = "idempotency_record"
    __table_args__ = (sa.UniqueConstraint("org_id", "route", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id")
    route: str = Field(max_length=120)
    key: str = Field(max_length=200)
    request_hash: str = Field(max_length=64)
    status: int
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = created_at_field()


class Notification(SQLModel, table=True):
    """Something that changed for an org: a new allocation, order or delivery."""

    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_org_created", "org_id", "created_at"),
                      sa.Index("ix_notification_mailed_at", "mailed_at"))

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id")
    kind: str = Field(max_length=40)
    message: str = Field(max_length=500)
    data: dict = json_field(dict)
    created_at: datetime = created_at_field()
    # When the outbox turned it into emails (or found no one to mail); None: not yet.
    mailed_at: datetime | None = utc_field()
