"""People who log in to the web pages. Each belongs to exactly one org."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import OrgKind, created_at_field, enum_type, utc_field


class User(SQLModel, table=True):
    __tablename__ = "user_account"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(default="", max_length=200)
    org_id: int = Field(foreign_key="org.id", index=True)
    role: OrgKind = Field(sa_type=enum_type(OrgKind))
    # werkzeug scrypt hash; None for accounts that only sign in through OIDC.
    password_hash: str | None = Field(default=None, max_length=255)
    oidc_subject: str | None = Field(default=None, max_length=255, unique=True)
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = utc_field()
    # "What changed since your last visit" compares against this.
    notifications_seen_at: datetime | None = utc_field()
    # Email: False stops every notification email to this person.
    mail_enabled: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # Auditors opt in to an email when a newly published report has a finding.
    mail_findings: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # The auditor's dashboard marks findings published since this moment.
    findings_seen_at: datetime | None = utc_field()
    created_at: datetime = created_at_field()
