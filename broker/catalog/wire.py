"""How catalog values look on the wire (JSON, CSV, price files): one spelling everywhere."""
from __future__ import annotations

from datetime import datetime, timezone


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with a ``Z``, as pydantic writes it for the rest of the API. A naive value
    is UTC already (SQLite hands them back; everything stored is UTC)."""
    if dt is None:
        return None
    dt = dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    return dt.isoformat().replace("+00:00", "Z")
