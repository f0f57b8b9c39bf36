"""Idempotent creates: a retry with the same Idempotency-Key returns the first result.

The record is written in the same transaction as the thing it creates, so either both
exist or neither does. Two concurrent calls with one key race on the unique constraint:
the loser rolls back and replays the winner's stored response.
"""
from __future__ import annotations

import json
from typing import Callable

import orjson
import rfc8785
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from broker import canonical, db, insert_at_commit
from broker.access.principal import Principal
from broker.clock import now
from broker.errors import ApiError
from broker.models import IdempotencyRecord

MAX_KEY_LENGTH = 200
_T = IdempotencyRecord.__table__
_FIND = sa.select(_T.c.request_hash, _T.c.status, _T.c.body).where(
    _T.c.org_id == sa.bindparam("org_id"), _T.c.route == sa.bindparam("route"), _T.c.key == sa.bindparam("key"))


def _hash(payload) -> str:
    """The request's fingerprint: hex SHA-256 of its canonical JSON (RFC 8785); dates and
    decimals count by their text."""
    try:
        data = canonical.jcs(payload)  # a JSON-mode body (the usual case) as it is
    except (TypeError, ValueError, rfc8785.CanonicalizationError):
        data = canonical.jcs(json.loads(json.dumps(payload, default=str)))
    return canonical.digest(data).removeprefix(canonical.DIGEST_PREFIX)


_AS_JSON_DUMPS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _stored(body) -> str:
    """The body to replay, as ``json.dumps(body, default=str)`` reads back (orjson: a fifth of
    the time for a submission's answer; whitespace differs, the value does not)."""
    try:
        return orjson.dumps(body, default=str, option=_AS_JSON_DUMPS).decode()
    except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits
        return json.dumps(body, default=str)


def _find(s: Session, org_id: int, route: str, key: str):
    return s.connection().execute(_FIND, {"org_id": org_id, "route": route, "key": key}).first()


def _replay(rec, digest: str) -> tuple[dict, int]:
    if rec.request_hash != digest:
        raise ApiError("Idempotency-Key was already used with a different request body.",
                       status=422, type_="idempotency-key-reused",
                       errors=[{"field": "Idempotency-Key", "message": "reused with another body"}])
    return json.loads(rec.body), rec.status


def run(s: Session, principal: Principal, route: str, key: str | None, payload,
        create: Callable[[Session], tuple[dict, int]], *, look_first: bool = True) -> tuple[dict, int]:
    """Run ``create`` in a transaction, once per (org, route, key).

    With ``look_first=False`` a stored result is not looked up before trying: the unique
    constraint alone decides, and a retry costs an attempt that is rolled back. That saves a
    query on every first call, and is only for a ``create`` whose every effect is in this
    transaction (not one that calls a payment provider, say)."""
    if key is not None and not (0 < len(key) <= MAX_KEY_LENGTH):
        raise ApiError(f"Idempotency-Key must be 1–{MAX_KEY_LENGTH} characters.", status=400,
                       type_="bad-idempotency-key")
    if key is None:
        with db.transaction(s):
            return create(s)
    digest = _hash(payload)
    existing = _find(s, principal.org_id, route, key) if look_first else None
    if existing is not None:
        return _replay(existing, digest)
    try:
        with db.transaction(s):
            body, status = create(s)
            insert_at_commit.add(s, _T, {"org_id": principal.org_id, "route": route, "key": key, "request_hash": digest,
                               "status": status, "body": _stored(body), "created_at": now()})
        return body, status
    except IntegrityError:
        rec = _find(s, principal.org_id, route, key)
        if rec is None:
            raise
        return _replay(rec, digest)
