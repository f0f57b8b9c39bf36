"""Labor disclosures (developers): make the org's disclosure for a quarter, list them, read one
with its signature — the API twin of the /labor page (broker.reports.labor, docs/people.md)."""
from __future__ import annotations

import json

from flask import current_app, g, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api.schemas import PROBLEM_RESPONSES, StrictInput
from broker.auth.oauth import bearer
from broker.clock import now
from broker.reports import labor

api = APIBlueprint("api_labor", __name__, url_prefix="/api/v1/labor-disclosures", abp_tags=[Tag(name="labor")],
                   abp_responses=PROBLEM_RESPONSES)


class DisclosureMake(StrictInput):
    quarter: str = Field(pattern=r"^\d{4}-Q[1-4]$", description="a quarter that has begun, e.g. 2026-Q4")


class DisclosurePath(BaseModel):
    disclosure_id: int = Field(ge=1, le=2**31 - 1)


class DisclosureOut(BaseModel):
    id: int
    quarter: str
    provisional: bool
    digest: str = Field(description="sha256 of `document`'s exact bytes (the transparency log's entry holds it)")
    kid: str
    jws: str = Field(description="compact JWS (EdDSA, a report key of /.well-known/jwks.json); its payload is "
                                 "the document's RFC 8785 bytes")
    log_index: int | None
    document: dict | None = Field(default=None, description="the document (in the one-disclosure answer)")
    links: dict[str, str]


class DisclosureList(BaseModel):
    items: list[DisclosureOut]


def _out(s, row, with_document: bool) -> dict:
    links = {name: url_for(f"labor.{view}", disclosure_id=row.id, _external=True)
             for name, view in (("json", "document"), ("jws", "jws"), ("text", "text"), ("croissant", "croissant"))}
    links["tlog_proof"] = url_for("tlog.proof", kind="labor_disclosure", ref=row.id, _external=True)
    return DisclosureOut(id=row.id, quarter=row.quarter, provisional=row.provisional, digest=row.digest, kid=row.kid,
                         jws=row.jws, log_index=labor.log_index(s, row.id),
                         document=json.loads(row.document) if with_document else None,
                         links=links).model_dump(mode="json")


@api.post("", responses={"201": DisclosureOut}, security=[{"oauth2": ["orders:read"]}],
          summary="Make your labor disclosure for a quarter: signed and logged (developers)")
@bearer("orders:read")
def make_disclosure(body: DisclosureMake):
    s = db.session()
    keys_path = current_app.config["KEYS_PATH"]
    with db.transaction(s):
        row = labor.publish_for(s, g.principal, body.quarter, keys_path=keys_path, at=now())
    labor.sign_log(s, keys_path=keys_path)
    return _out(s, row, True), 201


@api.get("", responses={"200": DisclosureList}, security=[{"oauth2": ["orders:read"]}],
         summary="Your labor disclosures, newest first (developers)")
@bearer("orders:read")
def list_disclosures():
    s = db.session()
    return {"items": [_out(s, r, False) for r in labor.of_org(s, g.principal.org_id)]}


@api.get("/<int:disclosure_id>", responses={"200": DisclosureOut}, security=[{"oauth2": ["orders:read"]}],
         summary="One labor disclosure with its document and signature (its developer; operators)")
@bearer("orders:read")
def get_disclosure(path: DisclosurePath):
    s = db.session()
    return _out(s, labor.visible(s, g.principal, path.disclosure_id), True)
