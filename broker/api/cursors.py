"""Keyset cursors of the broker's lists: "rows with an id below this one" (newest first)."""
from __future__ import annotations

from broker.api.schemas import decode_cursor
from broker.errors import ApiError


def cursor_id(cursor: str | None) -> int | None:
    pos = decode_cursor(cursor)
    if pos is None:
        return None
    value = pos.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= 2**31):
        raise ApiError("cursor: not a cursor this API issued.", status=400, type_="bad-cursor",
                       errors=[{"field": "cursor", "message": "invalid cursor"}])
    return value
