"""The caller of a request and the one place that scopes private data to its org.

Every query over private rows goes through ``owned`` or ``get_owned``: an operator sees
everything, anyone else only rows of their own org. A row of another org is reported as
missing (404), so its existence does not leak.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from sqlmodel import Session, select

from broker.errors import ApiError
from broker.models.base import OrgKind, OrgStatus

T = TypeVar("T")


@dataclass(frozen=True)
class OrgFacts:
    """The caller's org as read when the request was authenticated (same request, same data)."""

    id: int
    name: str
    kind: OrgKind
    status: OrgStatus


@dataclass(frozen=True)
class Principal:
    org_id: int
    role: OrgKind
    scopes: frozenset[str]
    user_id: int | None = None
    client_id: str | None = None
    name: str = field(default="", compare=False)
    org: OrgFacts | None = field(default=None, compare=False)  # saves re-reading it, when known

    @property
    def is_operator(self) -> bool:
        return self.role == OrgKind.operator

    def has(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes

    def require(self, scope: str) -> None:
        if not self.has(scope):
            raise ApiError(f"This action needs the '{scope}' scope.", status=403,
                           type_="insufficient-scope")

    def audit_actor(self) -> dict:
        return {"actor_user_id": self.user_id, "actor_client_id": self.client_id,
                "actor_org_id": self.org_id}


def owned(stmt, model, principal: Principal, column: str = "org_id"):
    """Restrict a SELECT over ``model`` to the principal's org (operators see all)."""
    if principal.is_operator:
        return stmt
    return stmt.where(getattr(model, column) == principal.org_id)


def get_owned(s: Session, model: type[T], row_id, principal: Principal,
              column: str = "org_id", what: str | None = None) -> T:
    pk = list(model.__table__.primary_key.columns)[0]
    row = s.exec(owned(select(model).where(pk == row_id), model, principal, column)).first()
    if row is None:
        raise ApiError(f"No {what or model.__name__.lower()} {row_id} is visible to you.",
                       status=404, type_="not-found")
    return row
