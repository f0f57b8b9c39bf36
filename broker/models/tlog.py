"""The transparency log: append-only entries and the checkpoints signed over them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field


class LogEntry(SQLModel, table=True):
    """Entry ``idx`` (0-based, gapless) of the log: the manifest of one published thing.
    The database refuses UPDATE and DELETE (migration 0010)."""

    __tablename__ = "tlog_entry"
    __table_args__ = (sa.UniqueConstraint("kind", "ref", name="uq_tlog_entry_kind_ref"),)

    idx: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    kind: str = Field(max_length=16)  # report | round | policy | price_file | receipt
    ref: str = Field(max_length=40)  # report id, round id, policy version, UTC date or request.seq
    body: str = Field(sa_type=sa.Text)  # the RFC 8785 manifest, exactly the logged bytes
    leaf_hash: str = Field(max_length=64)  # hex SHA-256(0x00 ‖ body)
    created_at: datetime = created_at_field()


class LogCheckpoint(SQLModel, table=True):
    """Every checkpoint ever signed, as served (a signed note). Append-only too."""

    __tablename__ = "tlog_checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    size: int = Field(index=True)
    root_hash: str = Field(max_length=64)  # hex
    note: str = Field(sa_type=sa.Text)
    kid: str = Field(max_length=64)
    signed_at: datetime = created_at_field()
