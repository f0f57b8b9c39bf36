"""Operational rows: scheduled job runs and vendor system connections."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.types import UTCDateTime
from broker.models.base import created_at_field, json_field, utc_field


class JobRun(SQLModel, table=True):
    """One run of a scheduled job. Unique (job, scheduled_for): a slot runs once, whoever leads."""

    __tablename__ = "job_run"
    __table_args__ = (sa.UniqueConstraint("job", "scheduled_for"),)

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=64)
    scheduled_for: datetime = Field(sa_type=UTCDateTime, nullable=False)
    started_at: datetime = created_at_field()
    finished_at: datetime | None = utc_field()
    status: str = Field(default="running", max_length=16)  # running | ok | failed
    detail: str = Field(default="", sa_type=sa.Text)
    host: str = Field(default="", max_length=120)


class ProviderConnection(SQLModel, table=True):
    """How Parity reaches one vendor's own system (adapter name and its settings)."""

    __tablename__ = "provider_connection"
    id: int | None = Field(default=None, primary_key=True)
    vendor_org_id: int = Field(foreign_key="org.id", unique=True)
    adapter: str = Field(default="manual", max_length=32)  # manual | webhook | labelstudio
    settings: dict = json_field(dict)  # no secrets: those come from the environment
    last_success_at: datetime | None = utc_field()
    last_error: str = Field(default="", max_length=2000)
    last_error_at: datetime | None = utc_field()
    created_at: datetime = created_at_field()
