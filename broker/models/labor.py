"""Labor disclosures: the signed account of the human labor behind a developer's purchases in
one quarter (broker.reports.labor). Append-only: a newer one for the same quarter supersedes."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field


class LaborDisclosure(SQLModel, table=True):
    __tablename__ = "labor_disclosure"
    __table_args__ = (sa.Index("ix_labor_disclosure_org_quarter", "developer_org_id", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    developer_org_id: int = Field(foreign_key="org.id")
    quarter: str = Field(max_length=7)  # "2026-Q4"
    provisional: bool = True  # the quarter had not ended when it was made
    document: str = Field(sa_type=sa.Text)  # RFC 8785 canonical JSON, exactly the signed bytes
    digest: str = Field(max_length=80, unique=True)
    jws: str = Field(sa_type=sa.Text)
    kid: str = Field(max_length=64)
    created_at: datetime = created_at_field()
