"""The error a rule raises when it refuses a request. Pure: the edges render it
(``broker.http_errors``: problem+json under /api and /oauth, an HTML page elsewhere)."""
from __future__ import annotations


class ApiError(Exception):
    """A rule refused a request: raised by services, rendered as problem+json or a flash."""

    status = 400

    def __init__(self, detail: str, *, status: int | None = None, type_: str = "bad-request",
                 title: str | None = None, errors: list[dict] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.headers = headers or {}
        self.detail = detail
        self.status = status or self.status
        self.type_ = type_
        self.title = title
        self.errors = errors
