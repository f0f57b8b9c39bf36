"""Paged lists on pages: the API's keyset pagination (``broker.api.pagination``, the one helper
every list uses) read from ``?cursor=`` and ``?limit=``; a cursor that is not ours is a 400."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import abort, request

from broker.api import pagination
from broker.errors import ApiError

Row = TypeVar("Row")
PAGE = 25


def page_of(list_name: str, fetch: Callable[[int | None, int], list[Row]], *, limit: int = PAGE,
            id_of: Callable[[Row], int] = lambda row: row.id) -> tuple[list[Row], str | None]:
    """One page: ``fetch(after_id, limit)`` as for ``pagination.by_id``; returns the rows and
    the next page's cursor (None on the last page)."""
    try:
        q = pagination.PageQuery(limit=request.args.get("limit", limit, type=int) or limit,
                                 cursor=request.args.get("cursor") or None)
    except ValueError:
        abort(400, "limit: a number from 1 to 200.")
    try:
        return pagination.by_id(q, list_name, fetch, id_of=id_of)
    except ApiError as e:
        abort(400, e.detail)
