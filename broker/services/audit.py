"""Writing the append-only audit log (who, what, when, before/after)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel

from broker.auth.principal import Principal
from broker.models import AuditEntry


def snapshot(row: SQLModel | None) -> dict | None:
    """A JSON-safe copy of a row's columns, for the before/after of an entry."""
    if row is None:
        return None
    return {k: _jsonable(v) for k, v in row.model_dump().items()}


def _jsonable(v: Any) -> Any:
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return v


def record(s: Session, actor: Principal | None, action: str, entity: str, entity_id: Any,
           before: dict | None = None, after: dict | None = None) -> AuditEntry:
    """Add an entry to the current transaction (it commits or rolls back with the change)."""
    entry = AuditEntry(action=action, entity=entity, entity_id=str(entity_id), before=before,
                       after=after, **(actor.audit_actor() if actor else {}))
    s.add(entry)
    return entry
