"""Outbound messages to vendor systems (the outbox), with their retries and dead letters."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, json_field, utc_field


class ProviderEvent(SQLModel, table=True):
    """One event for one vendor system (``order.placed``, ``order.cancelled``).

    ``event_id`` is sent with every attempt so the vendor de-duplicates; ``dedupe_key`` (kind
    and order) is unique per connection, so an order is enqueued once however often the push
    job runs. ``status``: pending (due at ``next_attempt_at``) → delivered, or dead after
    ``max_attempts`` failures (the operator may replay it: back to pending).
    """

    __tablename__ = "provider_event"
    __table_args__ = (
        sa.UniqueConstraint("connection_id", "dedupe_key"),
        sa.Index("ix_provider_event_due", "status", "next_attempt_at"),
        sa.Index("ix_provider_event_order", "order_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    connection_id: int = Field(foreign_key="provider_connection.id")
    event_id: str = Field(max_length=64, unique=True)
    dedupe_key: str = Field(max_length=80)
    kind: str = Field(max_length=32)
    order_id: int = Field(foreign_key="purchase_order.id")
    payload: dict = json_field(dict)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | dead
    attempts: int = Field(default=0, ge=0)
    next_attempt_at: datetime | None = utc_field()
    last_error: str = Field(default="", max_length=2000)
    external_ref: str = Field(default="", max_length=120)
    delivered_at: datetime | None = utc_field()
    created_at: datetime = created_at_field()
