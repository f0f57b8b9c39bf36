"""Every list route of the API refuses a cursor it did not issue for that list with a 400
problem+json: forged, truncated, foreign (another list's, another sort's), or out of range.

The routes come from the app's own OpenAPI document (every GET that takes ``cursor``), so a
list added later is walked too."""
from __future__ import annotations

import base64
import json

import pytest

from broker.api import pagination
from tests.helpers import auth


def b64(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def list_routes(app) -> list[str]:
    doc = app.api_doc
    routes = []
    for path, ops in doc["paths"].items():
        op = ops.get("get")
        if op and any(p["name"] == "cursor" and p["in"] == "query" for p in op.get("parameters", [])):
            routes.append(path)
    return sorted(routes)


def paged_responses(app) -> list[str]:
    """GET routes whose answer carries a ``next_cursor``: each must take a cursor."""
    doc = app.api_doc
    schemas = doc.get("components", {}).get("schemas", {})
    out = []
    for path, ops in doc["paths"].items():
        op = ops.get("get")
        ref = (((op or {}).get("responses", {}).get("200", {}).get("content", {})
                .get("application/json", {}).get("schema", {})).get("$ref", ""))
        if "next_cursor" in schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}):
            out.append(path)
    return sorted(out)


FORGED = {
    "the issue's forgery": b64({"id": "abc"}),
    "an old-style id cursor": b64({"id": 5}),
    "another list's cursor": pagination.encode("no-such-list", [5]),
    "not JSON": "bm90IGpzb24",
    "not base64": "!!@@",
    "a list, not an object": b64([1]),
    "an id out of range": None,  # filled per route: the route's own list name, a huge id
    "a key of the wrong type": None,  # the route's own list name, a text id
    "truncated": None,  # the route's own valid cursor, cut short
}


@pytest.fixture
def tokens(make):
    orgs = {kind: make.org(kind) for kind in ("developer", "vendor", "auditor", "operator")}
    return {kind: make.token(org) for kind, org in orgs.items()}


def test_every_list_route_is_walked(app):
    routes = list_routes(app)
    assert len(routes) >= 9, routes  # orgs, offerings, requests, rounds, orders, notifications, …
    # Every answer with a next_cursor takes a cursor, but compare: a handful of ids chosen by
    # the caller, always one page (it shares the catalog page's shape).
    assert set(paged_responses(app)) - set(routes) == {"/api/v1/offerings/compare"}


def test_forged_truncated_and_foreign_cursors_answer_400_on_every_list(app, client, tokens):
    for path in list_routes(app):
        url = path.replace("{", "<").replace("}", ">")
        # A token that may read the list (public lists need none).
        headers = next((h for h in [{}] + [auth(t) for t in tokens.values()]
                        if client.get(url, headers=h).status_code == 200), None)
        assert headers is not None, f"no caller may read {url}"
        name = "offerings:id" if url.endswith("/offerings") else url.rsplit("/", 1)[-1]
        own = pagination.encode(name, [7])
        cases = {**FORGED, "an id out of range": pagination.encode(name, [2**40]),
                 "a key of the wrong type": pagination.encode(name, ["7"]), "truncated": own[:-4]}
        assert client.get(url, query_string={"cursor": own}, headers=headers).status_code == 200, url
        for what, cursor in cases.items():
            r = client.get(url, query_string={"cursor": cursor}, headers=headers)
            assert r.status_code == 400, (url, what, r.status_code, r.get_data(as_text=True)[:300])
            assert r.mimetype == "application/problem+json", (url, what)
            assert r.json["errors"][0]["field"] == "cursor", (url, what)
