"""The JSON API under /api/v1. One module per resource; schemas are pydantic/SQLModel models
and the OpenAPI document at /api/v1/openapi.json is generated from them."""
from __future__ import annotations

import json

from flask import Flask, request

from broker.errors import ApiError
from broker.extensions import csrf

BODY_METHODS = {"POST", "PUT", "PATCH"}


def check_json_body() -> None:
    """Refuse non-JSON and malformed JSON bodies with a clear 415/400 before any view runs."""
    if not request.path.startswith("/api/") or request.method not in BODY_METHODS:
        return
    raw = request.get_data(cache=True)
    if not raw:
        return
    if not request.is_json:
        raise ApiError(f"Send the body as application/json (got {request.mimetype or 'no type'}).",
                       status=415, type_="unsupported-media-type")
    if request.get_json(silent=True) is not None:  # parsed once: Flask keeps it for the body's validation
        return
    try:
        json.loads(raw)  # a body of JSON null passes; otherwise the error, to name it
    except (ValueError, UnicodeDecodeError) as e:
        raise ApiError(f"The body is not valid JSON: {e}.", status=400, type_="malformed-json") from None


def register(app: Flask) -> None:
    from broker.api import docs, identity, offerings, orgs, vendors
    from broker.api import admin, notifications, orders, policy, requests, rounds
    from broker.api import receipts, reports
    from broker.api import payments
    from broker.api import providers
    from broker.api import labor

    app.before_request(check_json_body)
    for module in (identity, orgs, offerings, vendors, requests, policy, rounds, orders, admin, notifications,
                   payments, reports, providers, receipts, labor):
        csrf.exempt(module.api)  # bearer-token API: no browser session, no CSRF
        app.register_api(module.api)
    app.register_blueprint(docs.bp)
