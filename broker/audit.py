"""Writing the append-only audit log (who, what, when, before/after)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel

from broker import db, insert_at_commit
from broker.access.principal import Principal
from broker.clock import now
from broker.models import AuditEntry

_TABLE = AuditEntry.__table__
_NO_ACTOR = {"actor_user_id": None, "actor_client_id": None, "actor_org_id": None}


def snapshot(row: SQLModel | Mapping[str, Any] | None) -> dict | None:
    """A JSON-safe copy of a row's columns (a model, or its column values), for the
    before/after of an entry."""
    if row is None:
        return None
    values = row if isinstance(row, Mapping) else row.model_dump()
    return {k: _jsonable(v) for k, v in values.items()}


_PLAIN = frozenset({str, int, bool, float, type(None)})


def _jsonable(v: Any) -> Any:
    if type(v) in _PLAIN:  # most columns: no isinstance chain (every submission snapshots a row)
        return v
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
           before: dict | None = None, after: dict | None = None) -> None:
    """Add an entry to the current transaction (it commits or rolls back with the change).

    A staged row, not an ORM object: entries are never read back in the transaction that
    writes them, and every write request pays for one (see ``broker.insert_at_commit``)."""
    if not db.writing(s):
        raise RuntimeError("audit entries are written inside db.transaction()")
    insert_at_commit.add(s, _TABLE, {"at": now(), "action": action, "entity": entity, "entity_id": str(entity_id),
                           "before": before, "after": after, **(actor.audit_actor() if actor else _NO_ACTOR)})
