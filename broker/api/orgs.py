"""Organisations: a public directory; operators create them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from flask import g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import PROBLEM_RESPONSES, StrictInput
from broker.auth.oauth import bearer
from broker.errors import ApiError
from broker.models import Org, OrgKind, OrgStatus
from broker.services import accounts, idempotency

api = APIBlueprint("api_orgs", __name__, url_prefix="/api/v1/orgs", abp_tags=[Tag(name="orgs")],
                   abp_responses=PROBLEM_RESPONSES)


class OrgOut(BaseModel):
    id: int
    slug: str
    name: str
    kind: str
    status: str
    size_class: str | None
    weight: str
    group_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, org: Org) -> "OrgOut":
        return cls(id=org.id, slug=org.slug, name=org.name, kind=org.kind.value,
                   status=org.status.value, size_class=org.size_class.value if org.size_class else None,
                   weight=str(Decimal(org.weight).normalize()), group_id=org.group_id,
                   created_at=org.created_at)


class OrgPage(Page[OrgOut]):
    pass


class OrgQuery(PageQuery):
    kind: Literal["developer", "vendor", "auditor", "operator"] | None = None


class OrgCreate(StrictInput):
    name: str = Field(min_length=2, max_length=200)
    kind: Literal["developer", "vendor", "auditor", "operator"]
    headcount: int | None = Field(default=None, ge=0, le=10_000_000)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")


class OrgPath(BaseModel):
    org_id: int = Field(ge=1, le=2**31 - 1)


@api.get("", responses={"200": OrgPage}, summary="List organisations (public)")
def list_orgs(query: OrgQuery):
    kind = OrgKind(query.kind) if query.kind else None
    rows, cursor = pagination.by_id(query, "orgs", lambda after_id, limit: accounts.approved_orgs(
        db.session(), kind=kind, after_id=after_id, limit=limit))
    return OrgPage(items=[OrgOut.of(o) for o in rows], next_cursor=cursor).model_dump(mode="json")


@api.get("/<int:org_id>", responses={"200": OrgOut}, summary="One organisation (public)")
def get_org(path: OrgPath):
    org = db.session().get(Org, path.org_id)
    if org is None or org.status != OrgStatus.approved:
        raise ApiError(f"No organisation {path.org_id}.", status=404, type_="not-found")
    return OrgOut.of(org).model_dump(mode="json")


@api.post("", responses={"201": OrgOut}, security=[{"oauth2": ["admin"]}],
          summary="Create an organisation (operators)")
@bearer("admin")
def create_org(body: OrgCreate):
    def create(s):
        org = accounts.create_org(s, g.principal, name=body.name, kind=OrgKind(body.kind),
                                  headcount=body.headcount, slug=body.slug)
        return OrgOut.of(org).model_dump(mode="json"), 201

    out, status = idempotency.run(db.session(), g.principal, "orgs.create",
                                  request.headers.get("Idempotency-Key"), body.model_dump(), create)
    return out, status
