"""Capacity requests: create, edit and cancel (developers), with their checks.

A request can be edited while units remain unallocated and cancelled for what is not yet
allocated; allocations already made stay (they are final for their period).
"""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import sqlalchemy as sa
from sqlmodel import Session, select

from broker.access.principal import OrgFacts, Principal, get_owned, owned
from broker.catalog.iso import is_currency
from broker.catalog.vocabulary import EXPERTISE, MODALITIES, TASK_TYPES, normalise_language
from broker.clock import now
from broker.errors import ApiError
from broker.models import OPEN_REQUEST_STATUSES, CapacityRequest, Org, OrgKind, OrgStatus, RequestStatus
from broker import audit, db, hot_sql
from broker.services import reasons, receipts
from broker.tlog import service as tlog

MAX_UNITS = 1_000_000
MAX_PRICE_MINOR = 10**12
EDITABLE = ("task_type", "language", "expertise", "modality", "units", "max_unit_price_minor",
            "currency", "deadline", "earliest_start", "preferred_vendor_ids",
            "excluded_vendor_ids", "instructions_ref")
_TABLE = CapacityRequest.__table__
_COLUMNS = tuple(c.name for c in _TABLE.columns if c.name != "id")
_INSERT = hot_sql.Prepared(sa.insert(_TABLE).values({c: sa.bindparam(c, type_=_TABLE.c[c].type) for c in _COLUMNS})
                           .returning(_TABLE.c.id))
# PostgreSQL: the same INSERT, taking the transparency log's lock first (its CTE is read
# before the row is built), so the submission's receipt is logged at COMMIT without a round
# trip of its own. SQLite's write lock already serialises the log.
_LOG_LOCK = sa.select(sa.func.pg_advisory_xact_lock(tlog.LOG_LOCK_KEY).label("locked")).cte("log_lock")
_INSERT_LOCKING = hot_sql.Prepared(sa.insert(_TABLE).from_select(
    _COLUMNS, sa.select(*[sa.bindparam(c, type_=_TABLE.c[c].type) for c in _COLUMNS]).select_from(_LOG_LOCK)
).returning(_TABLE.c.id))


def _bad(field: str, message: str) -> ApiError:
    return ApiError(f"{field}: {message}.", status=422, type_="validation",
                    errors=[{"field": field, "message": message}])


def clean(s: Session, data: dict, *, at: datetime, allocated: int = 0) -> dict:
    """Check and normalise request fields (all of them: create, or an edit merged over the row)."""
    out = dict(data)
    if out.get("task_type") not in TASK_TYPES:
        raise _bad("task_type", f"must be one of {', '.join(TASK_TYPES)}")
    for name, vocab in (("modality", MODALITIES), ("expertise", EXPERTISE)):
        if out.get(name) in ("", None):
            out[name] = None
        elif out[name] not in vocab:
            raise _bad(name, f"must be one of {', '.join(vocab)}")
    if out.get("language") in ("", None):
        out["language"] = None
    else:
        lang = normalise_language(out["language"])
        if lang is None:
            raise _bad("language", "must be a BCP 47 tag such as en or pt-BR")
        out["language"] = lang
    units = out.get("units")
    if isinstance(units, bool) or not isinstance(units, int) or not (1 <= units <= MAX_UNITS):
        raise _bad("units", f"must be a whole number from 1 to {MAX_UNITS}")
    if units < allocated:
        raise _bad("units", f"cannot go below the {allocated} units already allocated")
    price = out.get("max_unit_price_minor")
    if isinstance(price, bool) or not isinstance(price, int) or not (1 <= price <= MAX_PRICE_MINOR):
        raise _bad("max_unit_price_minor", "must be a positive whole number of minor units")
    cur = out.get("currency")
    if not isinstance(cur, str) or not is_currency(cur):
        raise _bad("currency", "must be an ISO 4217 code such as USD")
    deadline, start = out.get("deadline"), out.get("earliest_start")
    for name, value in (("deadline", deadline), ("earliest_start", start)):
        if value is not None and (not isinstance(value, datetime) or value.tzinfo is None):
            raise _bad(name, "must be a date-time with a UTC offset")
    if deadline is not None and deadline <= at:
        raise _bad("deadline", "must be in the future")
    if deadline is not None and start is not None and start >= deadline:
        raise _bad("earliest_start", "must be before the deadline")
    for name in ("preferred_vendor_ids", "excluded_vendor_ids"):
        ids = out.get(name) or []
        if len(ids) > 50 or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
            raise _bad(name, "must be a list of at most 50 vendor ids")
        ids = sorted(set(ids))
        if ids:
            found = set(s.exec(select(Org.id).where(Org.id.in_(ids), Org.kind == OrgKind.vendor)).all())
            missing = [i for i in ids if i not in found]
            if missing:
                raise _bad(name, f"no vendor with id {missing[0]}")
        out[name] = ids
    if set(out["preferred_vendor_ids"]) & set(out["excluded_vendor_ids"]):
        raise _bad("excluded_vendor_ids", "a vendor cannot be both preferred and excluded")
    ref = out.get("instructions_ref") or ""
    if not isinstance(ref, str) or len(ref) > 500 or "\x00" in ref:
        raise _bad("instructions_ref", "must be text of at most 500 characters")
    out["instructions_ref"] = ref.strip()
    return out


def _developer(s: Session, p: Principal) -> Org | OrgFacts:
    org = p.org or s.get(Org, p.org_id)
    if org.kind != OrgKind.developer:
        raise ApiError("Only developer organisations submit capacity requests.", status=403,
                       type_="forbidden")
    if org.status != OrgStatus.approved:
        raise ApiError("Your organisation is not approved yet.", status=403, type_="forbidden")
    return org


def prepare(s: Session, p: Principal, data: dict) -> SimpleNamespace:
    """Check a new request and compute its first reason: reads only, so callers can do it
    before the write transaction (on SQLite that keeps the write lock short).

    The result holds the new row's columns as plain attributes: the submission hot path
    builds no ORM object (constructing one costs more than the INSERT that stores it)."""
    org = _developer(s, p)
    t = now()
    req = SimpleNamespace(id=None, org_id=p.org_id, created_by_user_id=p.user_id, status=RequestStatus.pending,
                          units_allocated=0, reason={}, submitted_at=t, updated_at=t,
                          **clean(s, {k: data.get(k) for k in EDITABLE}, at=t))
    req.reason = reasons.pre_round_reason(s, req, t, org=org) or {"code": "awaiting_round"}
    return req


def insert(s: Session, p: Principal, req: SimpleNamespace) -> SimpleNamespace:
    """Inside the write transaction: store a prepared request, its audit entry and its
    receipt (logged at COMMIT), and set its id and ``receipt``. The submission time is taken
    here, under SQLite's write lock, so submission order and id order agree."""
    req.submitted_at = req.updated_at = now()
    row = {c: getattr(req, c) for c in _COLUMNS}
    conn = db.connection(s)
    [(req.id,)] = (_INSERT_LOCKING if conn.dialect.name == "postgresql" else _INSERT).run(conn, row)
    audit.record(s, p, "request.create", "capacity_request", req.id, after=audit.snapshot({"id": req.id, **row}))
    req.receipt = receipts.stage_submitted(s, req)
    return req


def create(s: Session, p: Principal, data: dict) -> SimpleNamespace:
    return insert(s, p, prepare(s, p, data))


def get(s: Session, p: Principal, request_id: int) -> CapacityRequest:
    return get_owned(s, CapacityRequest, request_id, p, what="request")


def _lock(s: Session, p: Principal, request_id: int) -> CapacityRequest:
    stmt = owned(select(CapacityRequest).where(CapacityRequest.id == request_id), CapacityRequest, p)
    req = s.exec(stmt.with_for_update()).first()
    if req is None:
        raise ApiError(f"No request {request_id} is visible to you.", status=404, type_="not-found")
    return req


def edit(s: Session, p: Principal, request_id: int, changes: dict) -> CapacityRequest:
    tlog.lock(s)  # the log's lock before the row's, as a round takes them (no deadlock)
    req = _lock(s, p, request_id)
    if req.status not in OPEN_REQUEST_STATUSES:
        raise ApiError(f"Request {req.id} is {req.status.value}; only a request with units still "
                       "unallocated can be edited.", status=409, type_="conflict")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise _bad(sorted(unknown)[0], "cannot be edited")
    before = audit.snapshot(req)
    t = now()
    merged = {k: getattr(req, k) for k in EDITABLE} | changes
    fields = clean(s, merged, at=t, allocated=req.units_allocated)
    for k, v in fields.items():
        setattr(req, k, v)
    req.updated_at = t
    if req.units == req.units_allocated:
        req.status, req.reason = RequestStatus.allocated, {}
    else:
        req.reason = reasons.pre_round_reason(s, req, t) or {"code": "awaiting_round"}
    s.add(req)
    audit.record(s, p, "request.edit", "capacity_request", req.id, before=before,
                 after=audit.snapshot(req))
    receipts.issue(s, req, "edited", t)
    return req


def cancel(s: Session, p: Principal, request_id: int) -> CapacityRequest:
    tlog.lock(s)
    req = _lock(s, p, request_id)
    if req.status not in OPEN_REQUEST_STATUSES:
        raise ApiError(f"Request {req.id} is {req.status.value}; there is nothing left to cancel.",
                       status=409, type_="conflict")
    before = audit.snapshot(req)
    req.status = RequestStatus.cancelled
    req.reason = {"code": "cancelled", "units_allocated_kept": req.units_allocated}
    req.updated_at = now()
    s.add(req)
    audit.record(s, p, "request.cancel", "capacity_request", req.id, before=before,
                 after=audit.snapshot(req))
    receipts.issue(s, req, "cancelled", req.updated_at)
    return req


def list_for(s: Session, p: Principal, *, status: str | None = None, after_id: int | None = None,
             limit: int = 50) -> list[CapacityRequest]:
    stmt = owned(select(CapacityRequest), CapacityRequest, p)
    if status:
        stmt = stmt.where(CapacityRequest.status == RequestStatus(status))
    if after_id:
        stmt = stmt.where(CapacityRequest.id < after_id)
    return list(s.exec(stmt.order_by(CapacityRequest.id.desc()).limit(limit)))
