"""Applications to join Parity: a developer or vendor org asks, an operator decides.

Applying creates the org (status ``pending``), its applicant's account and this row, in one
transaction. The applicant cannot sign in until an operator approves; the decision (and its
reason) is kept here and told to the applicant through a ``Notification`` row. The applicant's
email is kept on the row too, so mail can reach them even when no user of the org can receive
notifications (a rejected org's, or a pending org created without users).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, utc_field


class OrgApplication(SQLModel, table=True):
    __tablename__ = "org_application"
    __table_args__ = (sa.Index("ix_org_application_status", "status", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="org.id", unique=True)
    kind: str = Field(max_length=16)  # developer | vendor
    org_name: str = Field(max_length=200)
    applicant_name: str = Field(max_length=200)
    applicant_email: str = Field(max_length=254)
    website: str = Field(default="", max_length=300)
    headcount: int | None = Field(default=None, ge=0)
    description: str = Field(default="", max_length=2000)  # what they want to do on Parity
    status: str = Field(default="pending", max_length=16)  # pending | approved | rejected
    decision_reason: str = Field(default="", max_length=2000)
    decided_at: datetime | None = utc_field()
    decided_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = created_at_field()
