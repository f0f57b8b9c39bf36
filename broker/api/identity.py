"""Who am I: the caller's org, role and scopes; the org's own API clients."""
from __future__ import annotations

from datetime import datetime

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel
from sqlmodel import select

from broker import db
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.access.principal import owned
from broker.models import OAuthClient, Org

api = APIBlueprint("api_identity", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="identity")],
                   abp_security=[{"oauth2": []}], abp_responses=PROBLEM_RESPONSES)


class Me(BaseModel):
    org_id: int
    org_name: str
    role: str
    client_id: str | None
    scopes: list[str]


class ClientOut(BaseModel):
    client_id: str
    name: str
    org_id: int
    scope: str
    created_at: datetime
    revoked_at: datetime | None


class ClientList(BaseModel):
    items: list[ClientOut]


@api.get("/me", responses={"200": Me}, summary="The calling client's org, role and scopes")
@bearer()
def me():
    p = g.principal
    org = db.session().get(Org, p.org_id)
    return Me(org_id=org.id, org_name=org.name, role=p.role.value, client_id=p.client_id,
              scopes=sorted(p.scopes)).model_dump()


@api.get("/clients", responses={"200": ClientList}, summary="API clients of the caller's org")
@bearer()
def list_clients():
    rows = db.session().exec(owned(select(OAuthClient), OAuthClient, g.principal).order_by(OAuthClient.id))
    return ClientList(items=[ClientOut.model_validate(r, from_attributes=True) for r in rows]).model_dump(mode="json")
