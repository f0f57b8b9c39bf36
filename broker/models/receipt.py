"""Receipts of request events (issue 16): the signed statement a developer gets when its
request is submitted, edited, cancelled or expires. Append-only (migration 0014)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, json_field


class RequestReceipt(SQLModel, table=True):
    """Receipt ``seq`` of a request: its exact RFC 8785 payload (salt included, so only the
    request's org is ever shown it) and the commitment the transparency log holds."""

    __tablename__ = "request_receipt"
    __table_args__ = (
        sa.UniqueConstraint("request_id", "seq", name="uq_request_receipt_seq"),
        sa.Index("ix_request_receipt_org", "org_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="capacity_request.id")
    org_id: int = Field(foreign_key="org.id")
    seq: int
    event: str = Field(max_length=16)  # submitted | edited | cancelled | expired
    commitment: str = Field(max_length=80)  # sha256:<hex> of payload (not indexed: migration 0024)
    payload: str = Field(sa_type=sa.Text)  # the receipt's RFC 8785 bytes, exactly what is signed
    criteria: dict = json_field(dict)  # what the receipt's criteria_digest covers
    created_at: datetime = created_at_field()  # the event's time (the receipt's "at")
