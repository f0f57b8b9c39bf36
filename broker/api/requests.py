"""Capacity requests (developers): submit, edit, cancel, see why they wait, and the quota."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import orjson
from flask import Response, g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import AwareDatetime, BaseModel, Field
from pydantic_core import to_jsonable_python

from broker import db
from broker.api.inputs import BrokerInput, Id
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.clock import now
from broker.extensions import limiter
from broker.models import CapacityRequest
from broker.services import eligibility, groups, idempotency, queries, receipts, requests as svc, waiting
from broker.api.receipts import ReceiptOut, receipt_json
from broker.reports import receipt_signing
from broker import canonical

api = APIBlueprint("api_requests", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="requests")],
                   abp_responses=PROBLEM_RESPONSES)

Instant = Annotated[AwareDatetime, Field(strict=False)]


class Criteria(BrokerInput):
    task_type: str = Field(max_length=40, description="catalog task type, e.g. annotation")
    language: str | None = Field(default=None, max_length=16, description="BCP 47 tag")
    expertise: str | None = Field(default=None, max_length=40)
    modality: str | None = Field(default=None, max_length=40)
    max_unit_price_minor: int = Field(ge=1, le=10**12, description="maximum unit price, minor units")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217")
    preferred_vendor_ids: list[Id] = Field(default_factory=list, max_length=50,
                                           description="only these vendors, when given")
    excluded_vendor_ids: list[Id] = Field(default_factory=list, max_length=50)


class RequestCreate(Criteria):
    units: int = Field(ge=1, le=1_000_000)
    deadline: Instant | None = None
    earliest_start: Instant | None = None
    instructions_ref: str = Field(default="", max_length=500)


class RequestEdit(BrokerInput):
    task_type: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=16)
    expertise: str | None = Field(default=None, max_length=40)
    modality: str | None = Field(default=None, max_length=40)
    units: int | None = Field(default=None, ge=1, le=1_000_000)
    max_unit_price_minor: int | None = Field(default=None, ge=1, le=10**12)
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    deadline: Instant | None = None
    earliest_start: Instant | None = None
    preferred_vendor_ids: list[Id] | None = Field(default=None, max_length=50)
    excluded_vendor_ids: list[Id] | None = Field(default=None, max_length=50)
    instructions_ref: str | None = Field(default=None, max_length=500)


class EligibleOffering(BaseModel):
    offering_id: int
    title: str
    vendor_id: int
    vendor: str
    unit: str
    turnaround_days: int
    unit_price_minor: int | None
    eligible: bool
    why_not: str | None


class Preview(BaseModel):
    eligible: list[EligibleOffering]
    reason: dict | None


class AllocationOut(BaseModel):
    id: int
    round_id: int
    offering_id: int
    period: str
    units: int
    unit_price_minor: int
    currency: str
    explanation: dict


class RequestOut(BaseModel):
    id: int
    status: str
    task_type: str
    language: str | None
    expertise: str | None
    modality: str | None
    units: int
    units_allocated: int
    max_unit_price_minor: int
    currency: str
    deadline: datetime | None
    earliest_start: datetime | None
    preferred_vendor_ids: list[int]
    excluded_vendor_ids: list[int]
    instructions_ref: str
    submitted_at: datetime
    updated_at: datetime
    reason: dict | None = Field(description="why it waits: one code with its numbers (null when nothing is pending)")

    @classmethod
    def of(cls, s, r: CapacityRequest, *, live: bool = True) -> "RequestOut":
        return cls(id=r.id, status=r.status.value, task_type=r.task_type, language=r.language,
                   expertise=r.expertise, modality=r.modality, units=r.units,
                   units_allocated=r.units_allocated, max_unit_price_minor=r.max_unit_price_minor,
                   currency=r.currency, deadline=r.deadline, earliest_start=r.earliest_start,
                   preferred_vendor_ids=r.preferred_vendor_ids, excluded_vendor_ids=r.excluded_vendor_ids,
                   instructions_ref=r.instructions_ref, submitted_at=r.submitted_at,
                   updated_at=r.updated_at,
                   reason=waiting.reason_of(s, r) if live else (r.reason or None))


def created_json(r) -> dict:
    """``RequestOut.of(s, r, live=False).model_dump(mode="json")`` of a request just stored, in
    one C call: the submission's own values need no validation, and pydantic-core writes every
    value (datetimes, the reason's contents) as the model's dump does. Same keys in the same
    order (the idempotency record stores this body); held equal to the model's dump by
    ``tests/broker/test_requests_api.py``."""
    return to_jsonable_python({
        "id": r.id, "status": r.status.value, "task_type": r.task_type, "language": r.language,
        "expertise": r.expertise, "modality": r.modality, "units": r.units, "units_allocated": r.units_allocated,
        "max_unit_price_minor": r.max_unit_price_minor, "currency": r.currency, "deadline": r.deadline,
        "earliest_start": r.earliest_start, "preferred_vendor_ids": r.preferred_vendor_ids,
        "excluded_vendor_ids": r.excluded_vendor_ids, "instructions_ref": r.instructions_ref,
        "submitted_at": r.submitted_at, "updated_at": r.updated_at, "reason": r.reason or None})


class Explanation(BaseModel):
    headline: str = Field(description="why it waits, in plain words with units and names")
    change: str = Field(description="what would change the outcome")


class RequestDetail(RequestOut):
    explanation: Explanation | None = Field(default=None, description="the reason in plain words (null once "
                                            "nothing is pending); the engine's terms are in `reason`")
    queue: list[dict] = Field(description="position and units ahead at each eligible offering, in submission "
                                          "order; inside a round's window arrival order buys nothing")
    allocations: list[AllocationOut]
    receipt: ReceiptOut | None = Field(description="the latest receipt (signed; its commitment is in the log)")


class RequestCreated(RequestOut):
    receipt: ReceiptOut = Field(description="the submission's receipt (signed; its commitment is in the log)")


class RequestPage(Page[RequestOut]):
    pass


class RequestQuery(PageQuery):
    status: Literal["pending", "partial", "allocated", "cancelled", "expired"] | None = None


class RequestPath(BaseModel):
    request_id: int = Field(ge=1, le=2**31 - 1)


class Estimate(BaseModel):
    label: str
    request_id: int
    round: dict
    units: int
    by_offering: list[dict]
    reason: dict | None


def preview_of(s, body: Criteria) -> dict:
    c = eligibility.Criteria(task_type=body.task_type, currency=body.currency,
                             max_unit_price_minor=body.max_unit_price_minor, language=body.language,
                             expertise=body.expertise, modality=body.modality,
                             preferred_vendor_ids=tuple(body.preferred_vendor_ids),
                             excluded_vendor_ids=tuple(body.excluded_vendor_ids))
    res = eligibility.resolve(s, c, now())
    return Preview(eligible=[EligibleOffering(
        offering_id=m.offering.id, title=m.offering.title, vendor_id=m.vendor.id, vendor=m.vendor.name,
        unit=m.offering.unit, turnaround_days=m.offering.turnaround_days, unit_price_minor=m.price_minor,
        eligible=m.eligible, why_not=m.why_not) for m in res.matches], reason=res.reason()).model_dump(mode="json")


def detail(s, r: CapacityRequest) -> dict:
    allocs = queries.allocations_of(s, r.id)
    base = RequestOut.of(s, r).model_dump()
    last = receipts.latest(s, r.id)
    words = waiting.explain(s, r, base["reason"]) if base["reason"] else None
    return RequestDetail(**base, queue=waiting.queue(s, r),
                         explanation=Explanation(headline=words["headline"], change=words["change"]) if words else None,
                         allocations=[AllocationOut(**a.model_dump()) for a in allocs],
                         receipt=receipt_json(s, receipts.view(last)) if last else None).model_dump(mode="json")


@api.post("/requests/preview", responses={"200": Preview}, security=[{"oauth2": ["requests:read"]}],
          summary="Which offerings would serve these criteria (shown before submitting)")
@bearer("requests:read")
def preview(body: Criteria):
    return preview_of(db.session(), body)


@api.get("/requests", responses={"200": RequestPage}, security=[{"oauth2": ["requests:read"]}],
         summary="Your org's capacity requests, newest first")
@bearer("requests:read")
def list_requests(query: RequestQuery):
    s = db.session()
    rows, cursor = pagination.by_id(query, "requests", lambda after_id, limit: svc.list_for(
        s, g.principal, status=query.status, limit=limit, after_id=after_id))
    return RequestPage(items=[RequestOut.of(s, r) for r in rows], next_cursor=cursor).model_dump(mode="json")


@api.post("/requests", responses={"201": RequestCreated}, security=[{"oauth2": ["requests:write"]}],
          summary="Submit a capacity request (Idempotency-Key supported); its reason and receipt as of submission")
@bearer("requests:write")
def create_request(body: RequestCreate):
    s = db.session()
    prepared = svc.prepare(s, g.principal, body.model_dump())  # reads, before the write lock

    made = {}

    def create(s):
        r = svc.insert(s, g.principal, prepared)
        made[r.receipt["commitment"]] = r.receipt["payload"]  # a retry's attempt is rolled back: keyed
        out = created_json(r)
        out["receipt"] = receipt_json(s, r.receipt, sign=False)
        return out, 201

    # The hot path: one transaction, and the response is built from what it wrote. Creating
    # a request touches nothing outside the database, so the key's unique constraint alone
    # decides whether this is a retry. The receipt is signed after COMMIT (a replay signs the
    # same bytes again: Ed25519 is deterministic), outside SQLite's write lock.
    out, status = idempotency.run(s, g.principal, "requests.create", request.headers.get("Idempotency-Key"),
                                  body.model_dump(mode="json"), create, look_first=False)
    receipt = out["receipt"]
    receipt["jws"] = receipt_signing.jws(s, made.get(receipt["commitment"]) or canonical.jcs(receipt["receipt"]))
    # JSON-mode values only: orjson writes the answer (sorted keys, as Flask's provider does)
    # in a seventh of the provider's time; the value is the same, non-ASCII text is UTF-8.
    return Response(orjson.dumps(out, option=orjson.OPT_SORT_KEYS), status=status, mimetype="application/json")


@api.get("/requests/<int:request_id>", responses={"200": RequestDetail},
         security=[{"oauth2": ["requests:read"]}], summary="One request: reason, queue, allocations")
@bearer("requests:read")
def get_request(path: RequestPath):
    s = db.session()
    return detail(s, svc.get(s, g.principal, path.request_id))


@api.patch("/requests/<int:request_id>", responses={"200": RequestDetail},
           security=[{"oauth2": ["requests:write"]}], summary="Edit a request while units remain unallocated")
@bearer("requests:write")
def edit_request(path: RequestPath, body: RequestEdit):
    s = db.session()
    changes = body.model_dump(exclude_unset=True)
    with db.transaction(s):
        svc.edit(s, g.principal, path.request_id, changes)
    return detail(s, svc.get(s, g.principal, path.request_id))


@api.post("/requests/<int:request_id>/cancel", responses={"200": RequestDetail},
          security=[{"oauth2": ["requests:write"]}], summary="Cancel what is not yet allocated")
@bearer("requests:write")
def cancel_request(path: RequestPath):
    s = db.session()
    with db.transaction(s):
        svc.cancel(s, g.principal, path.request_id)
    return detail(s, svc.get(s, g.principal, path.request_id))


@api.get("/requests/<int:request_id>/estimate", responses={"200": Estimate},
         security=[{"oauth2": ["requests:read"]}],
         summary="Dry-run estimate of the next allocation (an estimate, not a reservation; rate-limited)")
@bearer("requests:read")
@limiter.limit("20/minute")
def estimate_request(path: RequestPath):
    s = db.session()
    r = svc.get(s, g.principal, path.request_id)
    return Estimate(**waiting.estimate(s, r)).model_dump(mode="json")


class QuotaGroup(BaseModel):
    id: int
    name: str
    members: list[dict] = Field(description="[{id, name}]")
    weight: str


class QuotaReservation(BaseModel):
    id: int
    offering_id: int
    period: str
    units: int
    used: int


class QuotaOut(BaseModel):
    org_id: int
    period: str
    weight: str
    group: QuotaGroup | None
    reservations: list[QuotaReservation]
    received: dict = Field(description="{this_period, by_period: [{period, units}]}")


@api.get("/quota", responses={"200": QuotaOut}, security=[{"oauth2": ["requests:read"]}],
         summary="Your quota picture: weight, group, reservations, units received")
@bearer("requests:read")
def quota():
    return QuotaOut(**groups.quota(db.session(), g.principal.org_id)).model_dump(mode="json")
