"""The append-only audit log: who changed what, when, with before and after.

Append-only is enforced by the database too (triggers created in the migration refuse
UPDATE and DELETE), not just by convention.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entity", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = created_at_field()
    actor_user_id: int | None = Field(default=None)
    actor_client_id: str | None = Field(default=None, max_length=64)
    actor_org_id: int | None = Field(default=None)
    action: str = Field(max_length=64)  # e.g. "offering.create", "price.supersede"
    entity: str = Field(max_length=64)
    entity_id: str = Field(max_length=64)
    before: dict | None = Field(default=None, sa_type=sa.JSON)
    after: dict | None = Field(default=None, sa_type=sa.JSON)
