"""The public fairness policy: every version kept, each applying from a period on."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, json_field


class PolicyVersion(SQLModel, table=True):
    __tablename__ = "policy_version"
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    # Full parameter set (see broker.policy.DEFAULTS for names and defaults).
    params: dict = json_field(dict)
    effective_period: str = Field(max_length=10)  # first ISO week it applies to
    reason: str = Field(default="", max_length=2000)
    created_by_user_id: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: datetime = created_at_field()
