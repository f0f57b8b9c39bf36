"""Request receipts: what Parity tells a developer about each event of its request, and the
salted commitment the public log holds for it. Pure: no database, no clock.

A receipt is a small RFC 8785 document: the request, the event (submitted, edited,
cancelled, expired), the terms the rounds will use (units, criteria digest, maximum price,
deadline, submitted_at), the request's status after the event, the commitment of the
request's previous receipt, and 32 random bytes of ``salt``. Its **commitment** is the
SHA-256 of those bytes: it binds every field, and without the salt (given only to the
developer) nobody can test a guess of what it commits to.

The log entry (``manifest``) carries the commitment, the previous one (so events of one
request form a chain the public can follow without learning whose it is), the event, whether
the request is still open, and ``submitted_at`` (public in every round input anyway), so
anyone can tell which commitments a round had to account for.
"""
from __future__ import annotations

import base64
import json

from broker.canonical import digest, jcs
from broker.catalog.wire import iso

TYPE = "parity.request-receipt"
VERSION = 1
EVENTS = ("submitted", "edited", "cancelled", "expired", "reopened")  # reopened: its vendor declined an order
OPEN_STATUSES = ("pending", "partial")
SALT_BYTES = 32
CRITERIA = ("task_type", "language", "expertise", "modality", "preferred_vendor_ids",
            "excluded_vendor_ids", "earliest_start")


def criteria_of(req) -> dict:
    """What decides a request's eligible offerings (and when it may start), as plain JSON."""
    return {"task_type": req.task_type, "language": req.language, "expertise": req.expertise,
            "modality": req.modality, "preferred_vendor_ids": sorted(req.preferred_vendor_ids or ()),
            "excluded_vendor_ids": sorted(req.excluded_vendor_ids or ()),
            "earliest_start": iso(req.earliest_start)}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def document(req, *, event: str, seq: int, at, salt: bytes, previous: str | None) -> dict:
    """The receipt of ``event`` on ``req`` (any object with the request's columns and id)."""
    if event not in EVENTS:
        raise ValueError(f"unknown receipt event {event!r}")
    status = getattr(req.status, "value", req.status)
    return {"type": TYPE, "version": VERSION, "request": req.id, "org": req.org_id, "event": event,
            "seq": seq, "at": iso(at), "status": status, "units": req.units,
            "units_allocated": req.units_allocated, "criteria_digest": digest(jcs(criteria_of(req))),
            "max_unit_price": {"amount_minor": req.max_unit_price_minor, "currency": req.currency},
            "deadline": iso(req.deadline), "submitted_at": iso(req.submitted_at),
            "previous": previous, "salt": b64(salt)}


def payload(doc: dict) -> bytes:
    """The exact bytes signed and committed to: RFC 8785 (a receipt holds no float)."""
    return jcs(doc)


def commitment(data: bytes) -> str:
    """``sha256:`` + hex SHA-256 of a receipt's payload bytes (salt included)."""
    return digest(data)


def manifest(doc: dict, commit: str) -> bytes:
    """The public log entry of a receipt: no org, no request id, no terms but submitted_at."""
    return jcs({"type": "receipt", "commitment": commit, "previous": doc["previous"], "event": doc["event"],
                "open": doc["status"] in OPEN_STATUSES, "submitted_at": doc["submitted_at"]})


def parse_manifest(body: bytes) -> dict | None:
    """A log entry's receipt manifest, or None when the entry is of another kind."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and doc.get("type") == "receipt" else None


def check(doc: dict, commit: str) -> None:
    """Raise ValueError unless ``doc`` is a receipt whose commitment is ``commit``."""
    if doc.get("type") != TYPE:
        raise ValueError(f"not a receipt (type {doc.get('type')!r})")
    got = commitment(payload(doc))
    if got != commit:
        raise ValueError(f"the receipt's commitment is {got}, not {commit}")
