"""Sealed price files: a past UTC day's public price file, kept byte for byte once the day ended."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field


class PriceFile(SQLModel, table=True):
    """Written once when the day is over (and logged in the same transaction); never changed,
    so a later rename of an offering or vendor cannot alter what was published for that day."""

    __tablename__ = "price_file"

    day: date = Field(primary_key=True)
    document: str = Field(sa_type=sa.Text)  # RFC 8785 bytes as served
    digest: str = Field(max_length=80)
    sealed_at: datetime = created_at_field()
