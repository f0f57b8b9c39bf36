"""Guarantees: units of one offering reserved for one org in one period (public)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field


class Guarantee(SQLModel, table=True):
    __tablename__ = "guarantee"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "offering_id", "period"),
        sa.Index("ix_guarantee_offering_period", "offering_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", index=True)
    offering_id: int = Field(foreign_key="offering.id")
    period: str = Field(max_length=10)
    units: int = Field(gt=0)
    reason: str = Field(default="", max_length=2000)
    created_at: datetime = created_at_field()
