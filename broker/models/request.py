"""A developer's capacity request: units of work wanted, and what may serve them."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.types import UTCDateTime
from broker.models.base import created_at_field, enum_type, json_field, utc_field


class RequestStatus(str, enum.Enum):
    pending = "pending"  # nothing allocated yet
    partial = "partial"  # some units allocated, more wanted
    allocated = "allocated"  # every unit allocated
    cancelled = "cancelled"
    expired = "expired"


# Requests a round may still allocate to.
OPEN_REQUEST_STATUSES = (RequestStatus.pending, RequestStatus.partial)


class CapacityRequest(SQLModel, table=True):
    __tablename__ = "capacity_request"
    __table_args__ = (
        sa.Index("ix_request_org_status", "org_id", "status"),
        sa.Index("ix_request_status_submitted", "status", "submitted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id")
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    task_type: str = Field(max_length=40)
    language: str | None = Field(default=None, max_length=16)
    expertise: str | None = Field(default=None, max_length=40)
    modality: str | None = Field(default=None, max_length=40)
    units: int = Field(gt=0)
    max_unit_price_minor: int = Field(gt=0)
    currency: str = Field(max_length=3)
    deadline: datetime | None = utc_field()
    earliest_start: datetime | None = utc_field()
    preferred_vendor_ids: list = json_field(list)
    excluded_vendor_ids: list = json_field(list)
    instructions_ref: str = Field(default="", max_length=500)
    status: RequestStatus = Field(default=RequestStatus.pending, sa_type=enum_type(RequestStatus))
    units_allocated: int = Field(default=0, ge=0)
    # Latest "why am I waiting" reason: {"code": "...", ...numbers}.
    reason: dict = json_field(dict)
    submitted_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = created_at_field()
