"""Receipts of request events, stored and logged in the transaction of the event itself.

Every submission, edit, cancellation and expiry of a request gets a receipt
(``broker.tlog.receipts``): its payload (with a fresh 32-byte salt) is stored for the
request's org, and its commitment is appended to the transparency log in the same
transaction, so a receipt exists exactly when its log entry does. The signature (a compact
JWS) is not made here: Ed25519 is deterministic, so ``broker.reports.receipt_signing`` signs
the stored payload whenever it is shown, the same bytes every time.

Submission is the hot path: its receipt and log entry are staged (``insert_at_commit``) and
go in with the audit and idempotency rows in one statement just before COMMIT; the log's
next index is read there, under the log's lock, which on PostgreSQL the request's INSERT
took (``requests.insert``) — no extra round trip.
"""
from __future__ import annotations

import os

from sqlmodel import Session, select

from broker import insert_at_commit
from broker.models import RequestReceipt
from broker.models.tlog import LogEntry
from broker.tlog import merkle, receipts
from broker.tlog import service as tlog

_RECEIPTS = RequestReceipt.__table__
_LOG = LogEntry.__table__


def _build(req, event: str, seq: int, at, previous: str | None) -> tuple[dict, bytes, str]:
    doc = receipts.document(req, event=event, seq=seq, at=at, salt=os.urandom(receipts.SALT_BYTES),
                            previous=previous)
    data = receipts.payload(doc)
    return doc, data, receipts.commitment(data)


def _rows(req, doc: dict, data: bytes, commit: str, at) -> tuple[dict, dict]:
    receipt = {"request_id": req.id, "org_id": req.org_id, "seq": doc["seq"], "event": doc["event"],
               "commitment": commit, "payload": data.decode("utf-8"), "criteria": receipts.criteria_of(req),
               "created_at": at}
    body = receipts.manifest(doc, commit)
    entry = {"kind": "receipt", "ref": f"{req.id}.{doc['seq']}", "body": body.decode("utf-8"),
             "leaf_hash": merkle.leaf_hash(body).hex(), "created_at": at}
    return receipt, entry


def stage_submitted(s: Session, req) -> dict:
    """The submission's receipt, queued for COMMIT (the caller holds the log's lock: SQLite's
    write lock, or on PostgreSQL the advisory lock the request's INSERT took)."""
    doc, data, commit = _build(req, "submitted", 1, req.submitted_at, None)
    receipt, entry = _rows(req, doc, data, commit, req.submitted_at)
    insert_at_commit.add(s, _RECEIPTS, receipt)
    insert_at_commit.add(s, _LOG, {"idx": tlog.NEXT_IDX, **entry})
    return view(receipt)


def issue(s: Session, req, event: str, at) -> RequestReceipt:
    """Store and log the receipt of ``event`` on ``req`` (after the change, in its transaction;
    take ``tlog.lock`` before locking the request row, as rounds do, so they never deadlock)."""
    prev = latest(s, req.id)
    doc, data, commit = _build(req, event, (prev.seq + 1) if prev else 1, at, prev.commitment if prev else None)
    receipt, entry = _rows(req, doc, data, commit, at)
    row = RequestReceipt(**receipt)
    s.add(row)
    s.flush()
    tlog.append(s, "receipt", entry["ref"], entry["body"].encode("utf-8"))
    return row


def latest(s: Session, request_id: int) -> RequestReceipt | None:
    return s.exec(select(RequestReceipt).where(RequestReceipt.request_id == request_id)
                  .order_by(RequestReceipt.seq.desc())).first()


def of_request(s: Session, request_id: int) -> list[RequestReceipt]:
    return list(s.exec(select(RequestReceipt).where(RequestReceipt.request_id == request_id)
                       .order_by(RequestReceipt.seq)))


def of_org(s: Session, org_id: int, *, after_id: int | None = None, limit: int = 200) -> list[RequestReceipt]:
    """The org's receipts, oldest first (the developer's check reads them all)."""
    stmt = select(RequestReceipt).where(RequestReceipt.org_id == org_id)
    if after_id:
        stmt = stmt.where(RequestReceipt.id > after_id)
    return list(s.exec(stmt.order_by(RequestReceipt.id).limit(limit)))


def latest_commitments(s: Session, request_ids) -> dict[int, str]:
    """request id → commitment of its latest receipt (for a round's input)."""
    out: dict[int, str] = {}
    ids = sorted(request_ids)
    for i in range(0, len(ids), 5000):
        rows = s.exec(select(RequestReceipt.request_id, RequestReceipt.commitment)
                      .where(RequestReceipt.request_id.in_(ids[i:i + 5000]))
                      .order_by(RequestReceipt.request_id, RequestReceipt.seq))
        for rid, commit in rows:
            out[rid] = commit  # the later seq wins
    return out


def view(row) -> dict:
    """A receipt as the API and the pages show it: the payload, its commitment and criteria."""
    get = row.get if isinstance(row, dict) else (lambda k: getattr(row, k))
    return {"request_id": get("request_id"), "seq": get("seq"), "event": get("event"),
            "commitment": get("commitment"), "payload": get("payload"), "criteria": get("criteria")}
