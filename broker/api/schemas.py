"""Shared API schema pieces: strict input models, problem documents, pagination."""
from __future__ import annotations

import base64
import json

from pydantic import BaseModel, ConfigDict, Field

from broker.errors import ApiError


class StrictInput(BaseModel):
    """Base of every request body and query: unknown fields are refused, JSON ``false`` is
    not an integer, a string is not a number."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None


class CachedSchema(BaseModel):
    """flask-openapi3 calls ``model_json_schema()`` on every request to parse a query string
    or headers; building it costs more than most queries, so the plain call is cached per
    class (calls with arguments, from the OpenAPI document, are computed as before)."""

    @classmethod
    def model_json_schema(cls, *args, **kwargs):
        if args or kwargs:
            return super().model_json_schema(*args, **kwargs)
        cached = cls.__dict__.get("_plain_schema")
        if cached is None:
            cached = super().model_json_schema()
            setattr(cls, "_plain_schema", cached)
        return cached


class PageQuery(CachedSchema):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=50, ge=1, le=200, description="page size (1–200)")
    cursor: str | None = Field(default=None, max_length=200, description="opaque cursor from next_cursor")


def encode_cursor(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        pad = "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(cursor + pad))
        if not isinstance(value, dict):
            raise ValueError
        return value
    except ValueError:
        raise ApiError("cursor: not a cursor this API issued.", status=400, type_="bad-cursor",
                       errors=[{"field": "cursor", "message": "invalid cursor"}]) from None


def _problem(description: str) -> dict:
    # Documented as application/problem+json (what errors.problem sends), inline so the
    # document needs no extra component.
    return {"description": description,
            "content": {"application/problem+json": {"schema": Problem.model_json_schema()}}}


# Every API operation may answer these (authentication runs before validation; the body
# size, rate and database limits apply everywhere).
PROBLEM_RESPONSES = {
    "400": _problem("Bad request"), "401": _problem("Missing, invalid or expired token"),
    "403": _problem("The token lacks a scope, or the caller's role may not do this"),
    "404": _problem("Not found, or not visible to the caller"),
    "413": _problem("Request body too large"), "415": _problem("Body is not JSON"),
    "422": _problem("Validation failed; errors[] names each field"),
    "429": _problem("Rate limit reached; see Retry-After"),
    "503": _problem("The database is briefly unavailable; see Retry-After"),
}
