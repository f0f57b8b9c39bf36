"""Published reports (immutable, hash-chained, signed) and the keys that sign them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, json_field, utc_field


class Report(SQLModel, table=True):
    __tablename__ = "report"
    __table_args__ = (sa.Index("ix_report_series_published", "series", "published_at"),)

    id: int | None = Field(default=None, primary_key=True)
    series: str = Field(max_length=16)  # access | pricing | workforce
    period: str = Field(max_length=10)
    schema_version: str = Field(max_length=16)
    policy_version: int
    provisional: bool = False
    # The report this one supersedes (provisional → final) or corrects.
    supersedes_id: int | None = Field(default=None, foreign_key="report.id")
    document: str = Field(sa_type=sa.Text)  # canonical JSON
    digest: str = Field(max_length=80, unique=True)
    previous_digest: str | None = Field(default=None, max_length=80)
    jws: str = Field(sa_type=sa.Text)
    kid: str = Field(max_length=64)
    published_at: datetime = created_at_field()


class SigningKey(SQLModel, table=True):
    """Public half of each Ed25519 report-signing key; the private half stays in the instance folder."""

    __tablename__ = "signing_key"
    kid: str = Field(max_length=64, primary_key=True)
    public_jwk: dict = json_field(dict)
    # "report" signs report JWS; "log" signs the transparency log's checkpoints (signed notes).
    purpose: str = Field(default="report", max_length=16)
    created_at: datetime = created_at_field()
    retired_at: datetime | None = utc_field()
