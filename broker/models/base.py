"""Shared column helpers: UTC timestamps, JSON columns, money and enumerations."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from broker.clock import now
from broker.models.types import UTCDateTime


def created_at_field() -> Any:
    return Field(default_factory=now, sa_type=UTCDateTime, nullable=False)


def utc_field(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def json_field(default_factory=dict) -> Any:
    return Field(default_factory=default_factory, sa_type=sa.JSON, nullable=False)


def currency_field() -> Any:
    # ISO 4217 alphabetic code; the services check it with broker.catalog.iso.is_currency.
    return Field(max_length=3, min_length=3)


class OrgKind(str, enum.Enum):
    developer = "developer"
    vendor = "vendor"
    auditor = "auditor"
    operator = "operator"


class OrgStatus(str, enum.Enum):
    pending = "pending"
    approved = "approved"
    suspended = "suspended"


class SizeClass(str, enum.Enum):
    small = "small"
    medium = "medium"
    large = "large"


def size_class_of(headcount: int | None) -> SizeClass | None:
    """DESIGN.md: small < 50, medium 50–999, large ≥ 1 000 (by declared headcount)."""
    if headcount is None:
        return None
    if headcount < 50:
        return SizeClass.small
    if headcount < 1000:
        return SizeClass.medium
    return SizeClass.large


def enum_type(e: type[enum.Enum]) -> sa.types.TypeEngine:
    # Stored as plain strings (no native enum) so migrations stay simple on both backends.
    return sa.Enum(e, native_enum=False, length=32, validate_strings=True)


__all__ = ["datetime"]
