"""Organisations, groups under common control, and stakes in vendors."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import (
    OrgKind,
    OrgStatus,
    SizeClass,
    created_at_field,
    enum_type,
    size_class_of,
    utc_field,
)


class OrgGroup(SQLModel, table=True):
    """Orgs under common control: the fairness principal (declared by an operator)."""

    __tablename__ = "org_group"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    reason: str = Field(default="", max_length=2000)
    created_at: datetime = created_at_field()


class Org(SQLModel, table=True):
    __tablename__ = "org"
    __table_args__ = (sa.Index("ix_org_kind_status", "kind", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=200)
    kind: OrgKind = Field(sa_type=enum_type(OrgKind))
    status: OrgStatus = Field(default=OrgStatus.pending, sa_type=enum_type(OrgStatus))
    headcount: int | None = Field(default=None, ge=0)
    # Policy weight (DESIGN.md: default 1, set only by the public policy).
    weight: Decimal = Field(default=Decimal(1), sa_type=sa.Numeric(12, 4), gt=0)
    group_id: int | None = Field(default=None, foreign_key="org_group.id", index=True)
    # Invoice terms instead of up-front payment (approved by an operator).
    invoice_terms_days: int | None = Field(default=None, ge=0)
    # Single sign-on: people whose verified email is at this domain belong to this org.
    sso_domain: str | None = Field(default=None, max_length=253, unique=True)
    # The org's own OpenID provider (else the global OIDC_* settings apply). The client
    # secret is never stored: it is read from the environment variable named here.
    oidc_issuer: str | None = Field(default=None, max_length=500)
    oidc_client_id: str | None = Field(default=None, max_length=200)
    oidc_client_secret_env: str | None = Field(default=None, max_length=100)
    created_at: datetime = created_at_field()

    @property
    def size_class(self) -> SizeClass | None:
        return size_class_of(self.headcount)


class Stake(SQLModel, table=True):
    """A developer org's declared equity or control interest in a vendor org (public)."""

    __tablename__ = "stake"
    id: int | None = Field(default=None, primary_key=True)
    holder_org_id: int = Field(foreign_key="org.id", index=True)
    vendor_org_id: int = Field(foreign_key="org.id", index=True)
    percent: Decimal = Field(sa_type=sa.Numeric(7, 4), ge=0, le=100)
    kind: str = Field(max_length=32)  # equity | control | board_seat | other
    note: str = Field(default="", max_length=2000)
    declared_at: datetime = created_at_field()
    ended_at: datetime | None = utc_field()
