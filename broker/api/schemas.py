"""Shared API schema pieces: strict input models, problem documents (pagination: ``pagination``)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict



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
