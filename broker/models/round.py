"""Allocation rounds: the engine's exact input and output, stored and published."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field


class Round(SQLModel, table=True):
    __tablename__ = "allocation_round"
    __table_args__ = (sa.Index("ix_round_period_kind", "period", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    # Unique key of the scheduled run ("2026-W48/main", "2026-W48/spot/2026-11-25T10:00Z"):
    # the database refuses a second round for the same slot, whoever runs it.
    run_key: str = Field(max_length=80, unique=True)
    period: str = Field(max_length=10)
    kind: str = Field(max_length=8)  # main | spot
    policy_version: int
    # Canonical JSON text, byte for byte what the engine read and wrote.
    input_json: str = Field(sa_type=sa.Text)
    output_json: str = Field(sa_type=sa.Text)
    input_digest: str = Field(max_length=80)
    output_digest: str = Field(max_length=80)
    # Pseudonym salt per period stays private; only pseudonyms are published.
    ran_at: datetime = created_at_field()
