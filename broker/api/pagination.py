"""Keyset pagination, the one way every list endpoint pages.

A cursor is opaque to clients: base64url of ``{"l": <list>, "k": [<key of the last row>]}``.
``l`` names the list it was issued for (and, for the catalog, its sort order), so a cursor
given to another list is refused rather than silently read as a position there. Anything that
is not a cursor this API issued for this list — forged, truncated, another list's — answers
400 ``bad-cursor`` (problem+json), never a 500.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Callable, Generic, Sequence, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from broker.api.schemas import CachedSchema
from broker.errors import ApiError

Row = TypeVar("Row")
Item = TypeVar("Item")

ID = "id"  # a row id: an integer from 1 to 2**31 - 1
INT = "int"  # any integer a sort key may hold (money in minor units, days)
TEXT = "text"  # a short string sort key (a currency code)
_MAX_ID, _MAX_INT, _MAX_TEXT = 2**31 - 1, 2**53, 64


class PageQuery(CachedSchema):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=50, ge=1, le=200, description="page size (1–200)")
    cursor: str | None = Field(default=None, max_length=200, description="opaque cursor from next_cursor")


class Page(BaseModel, Generic[Item]):
    """The answer of every list: a page of items and the cursor of the next page."""

    items: list[Item]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on the last page")


def bad_cursor(why: str) -> ApiError:
    return ApiError(f"cursor: {why}", status=400, type_="bad-cursor",
                    errors=[{"field": "cursor", "message": "invalid cursor"}])


def encode(list_name: str, key: Sequence) -> str:
    raw = json.dumps({"l": list_name, "k": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fits(value, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str) and len(value) <= _MAX_TEXT
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return 1 <= value <= _MAX_ID if kind == ID else -_MAX_INT <= value <= _MAX_INT


def decode(cursor: str | None, list_name: str, shape: Sequence[str] = (ID,)) -> list | None:
    """The key a cursor carries, checked against the list's key ``shape``; None for no cursor."""
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise bad_cursor("not a cursor this API issued.") from None
    if not isinstance(value, dict) or set(value) != {"l", "k"}:
        raise bad_cursor("not a cursor this API issued.")
    if value["l"] != list_name:
        raise bad_cursor("issued for another list (or sort order); start again without it.")
    key = value["k"]
    if not isinstance(key, list) or len(key) != len(shape) or not all(map(_fits, key, shape)):
        raise bad_cursor("not a cursor this API issued.")
    return key


def by_id(query: PageQuery, list_name: str, fetch: Callable[[int | None, int], list[Row]],
          *, id_of: Callable[[Row], int] = lambda row: row.id) -> tuple[list[Row], str | None]:
    """One page of a list ordered by row id: ``fetch(after_id, limit)`` returns up to
    ``limit`` rows past ``after_id`` (None: from the start), in the list's order. Returns the
    page and the cursor of the next one (None on the last page)."""
    after = decode(query.cursor, list_name)
    rows = fetch(after[0] if after else None, query.limit + 1)
    if len(rows) <= query.limit:
        return rows, None
    rows = rows[: query.limit]
    return rows, encode(list_name, [id_of(rows[-1])])
