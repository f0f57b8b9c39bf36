"""Receipts (developers): every receipt of a request event, its signature and log proof, and
the org's own per-period pseudonyms — what ``parity-verify --receipts`` downloads."""
from __future__ import annotations

import orjson
from flask import Response, g, request, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api import pagination
from broker.api.pagination import PageQuery
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.errors import ApiError
from broker.models import Org
from broker.reports import receipt_signing
from broker.services import receipts as svc
from broker.services import requests as requests_svc
from broker.services import round_input
from broker.tlog import service as tlog

api = APIBlueprint("api_receipts", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="receipts")],
                   abp_responses=PROBLEM_RESPONSES)


class ReceiptOut(BaseModel):
    request_id: int
    seq: int
    event: str = Field(description="submitted, edited, cancelled or expired")
    commitment: str = Field(description="sha256 of the receipt's RFC 8785 bytes: what the transparency log holds")
    receipt: dict = Field(description="the signed statement (RFC 8785 when serialised); its salt is yours alone")
    criteria: dict = Field(description="the criteria whose digest the receipt carries")
    jws: str | None = Field(description="compact JWS (EdDSA, the receipt key of /.well-known/jwks.json) over "
                                        "the receipt's RFC 8785 bytes")
    links: dict[str, str]


class ReceiptPage(BaseModel):
    items: list[ReceiptOut]
    next_cursor: str | None


class ReceiptList(BaseModel):
    items: list[ReceiptOut]


class Pseudonym(BaseModel):
    period: str
    org: str = Field(description="your org's pseudonym in that period's round inputs")
    group: str | None = Field(description="your group's pseudonym (the group you are in now), or null")


class PseudonymList(BaseModel):
    items: list[Pseudonym]


class RequestPath(BaseModel):
    request_id: int = Field(ge=1, le=2**31 - 1)


class ReceiptPath(RequestPath):
    seq: int = Field(ge=1, le=2**31 - 1)


_LINKS: dict[str, str] = {}  # the request's script root -> "…/requests/" (url_for's answer before the id)
_LINK_TAIL = "/1/receipts"


def _receipts_url(rid: int) -> str:
    """``url_for("api_receipts.request_receipts", request_id=rid)``, built once per script root
    (url_for's map lookup was a fiftieth of a submission, and every id gives the same prefix)."""
    root = request.script_root
    head = _LINKS.get(root)
    if head is None:
        one = url_for("api_receipts.request_receipts", request_id=1)
        if not one.endswith(_LINK_TAIL):  # pragma: no cover - the route's own shape
            return url_for("api_receipts.request_receipts", request_id=rid)
        head = _LINKS.setdefault(root, one[:-len(_LINK_TAIL)] + "/")
    return f"{head}{rid}/receipts"


def receipt_json(s, view: dict, *, sign: bool = True) -> dict:
    """A stored receipt (``services.receipts.view``) as the API answers it."""
    rid, seq = view["request_id"], view["seq"]
    base = _receipts_url(rid)  # …/receipts/<seq>.jws and .tlog-proof
    # Built as a plain dict (the model documents it): this runs on the submission path.
    return {"request_id": rid, "seq": seq, "event": view["event"], "commitment": view["commitment"],
            "receipt": orjson.loads(view["payload"]), "criteria": view["criteria"],
            "jws": receipt_signing.jws(s, view["payload"]) if sign else None,
            "links": {"jws": f"{base}/{seq}.jws", "tlog_proof": f"{base}/{seq}.tlog-proof"}}


@api.get("/receipts", responses={"200": ReceiptPage}, security=[{"oauth2": ["requests:read"]}],
         summary="Every receipt of your org's requests, oldest first (with their salts: keep them private)")
@bearer("requests:read")
def list_receipts(query: PageQuery):
    s = db.session()
    rows, cursor = pagination.by_id(query, "receipts", lambda after_id, limit: svc.of_org(
        s, g.principal.org_id, after_id=after_id, limit=limit))
    return ReceiptPage(items=[receipt_json(s, svc.view(r)) for r in rows], next_cursor=cursor).model_dump(mode="json")


@api.get("/requests/<int:request_id>/receipts", responses={"200": ReceiptList},
         security=[{"oauth2": ["requests:read"]}], summary="A request's receipts, first to latest")
@bearer("requests:read")
def request_receipts(path: RequestPath):
    s = db.session()
    requests_svc.get(s, g.principal, path.request_id)  # 404 unless it is the caller's
    return ReceiptList(items=[receipt_json(s, svc.view(r)) for r in svc.of_request(s, path.request_id)]
                       ).model_dump(mode="json")


def _receipt(s, path: ReceiptPath):
    requests_svc.get(s, g.principal, path.request_id)
    for r in svc.of_request(s, path.request_id):
        if r.seq == path.seq:
            return r
    raise ApiError(f"Request {path.request_id} has no receipt {path.seq}.", status=404, type_="not-found")


@api.get("/requests/<int:request_id>/receipts/<int:seq>.jws", security=[{"oauth2": ["requests:read"]}],
         summary="One receipt as a compact JWS (text)")
@bearer("requests:read")
def receipt_jws(path: ReceiptPath):
    s = db.session()
    r = _receipt(s, path)
    return Response(receipt_signing.jws(s, r.payload), mimetype="application/jose")


@api.get("/requests/<int:request_id>/receipts/<int:seq>.tlog-proof", security=[{"oauth2": ["requests:read"]}],
         summary="The receipt's commitment in the transparency log (C2SP tlog-proof); 404 until a checkpoint covers it")
@bearer("requests:read")
def receipt_proof(path: ReceiptPath):
    s = db.session()
    r = _receipt(s, path)
    text = tlog.proof_for(s, "receipt", f"{r.request_id}.{r.seq}")
    if text is None:
        raise ApiError("Not yet covered by a signed checkpoint (one is signed every minute); try again soon.",
                       status=404, type_="not-found")
    return Response(text, mimetype="text/plain")


@api.get("/receipts/pseudonyms", responses={"200": PseudonymList}, security=[{"oauth2": ["requests:read"]}],
         summary="Your org's pseudonym (and group's) in each period's published round inputs; told only to you")
@bearer("requests:read")
def pseudonyms():
    s = db.session()
    return PseudonymList(items=round_input.told_to(s, s.get(Org, g.principal.org_id))).model_dump(mode="json")
