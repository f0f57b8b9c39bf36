"""How catalog values look on the wire (JSON, CSV, price files): one spelling everywhere."""
from __future__ import annotations

from datetime import datetime, timezone


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with a ``Z``, as pydantic writes it for the rest of the API."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
